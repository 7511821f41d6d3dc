package ui

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// planView is a sync's latest plan: its counts, whether it waits for approval and why, and its
// samples with each field before and after; with the form that tests one row.
type planView struct {
	Sync    resource.WarehouseSync
	Plan    *warehouse.Plan
	State   string
	Samples sampleTable
	// Keys are the samples' primary keys, offered to the row test.
	Keys        []string
	TestKey     string
	TestProblem *resource.Problem
	Problem     *resource.Problem
}

// sampleTable lays a plan's samples out as a table: one row per sample, one column per field written.
type sampleTable struct {
	Fields []string
	Rows   []sampleRow
}

type sampleRow struct {
	Op, Key, TargetID, Reason string
	Cells                     []sampleCell
}

// sampleCell is one field of a sample: its value in the store now (Before, when read) and what the
// row would write (After). Changed marks a value the run would change.
type sampleCell struct {
	Before, After       string
	HasBefore, HasAfter bool
	Changed             bool
}

// newSampleTable orders the fields as the sync maps them (then any other, by name), so that the
// table reads like the mapping.
func newSampleTable(p *warehouse.Plan, mappings []mapping.Mapping) sampleTable {
	var t sampleTable
	seen := map[string]bool{}
	for _, m := range mappings {
		if !seen[m.Field] {
			seen[m.Field] = true
			t.Fields = append(t.Fields, m.Field)
		}
	}
	var others []string
	for _, s := range p.Samples {
		for k := range s.After {
			if !seen[k] {
				seen[k] = true
				others = append(others, k)
			}
		}
		for k := range s.Before {
			if !seen[k] {
				seen[k] = true
				others = append(others, k)
			}
		}
	}
	sort.Strings(others)
	t.Fields = append(others, t.Fields...) // the match (email) first, where a reader looks for it
	// Fields no sample has are left out: a table of empty columns says nothing.
	t.Fields = slices.DeleteFunc(t.Fields, func(f string) bool {
		return !slices.ContainsFunc(p.Samples, func(s warehouse.Sample) bool {
			_, a := s.After[f]
			_, b := s.Before[f]
			return a || b
		})
	})
	for _, s := range p.Samples {
		row := sampleRow{Op: s.Op, Key: s.Key, TargetID: s.TargetID, Reason: s.Reason}
		for _, f := range t.Fields {
			c := sampleCell{}
			c.Before, c.HasBefore = s.Before[f]
			c.After, c.HasAfter = s.After[f]
			c.Changed = s.Op == "change" && c.HasBefore && c.HasAfter && c.Before != c.After || s.Op == "add" && c.HasAfter
			row.Cells = append(row.Cells, c)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// warehouseSyncPlan shows the sync's latest plan.
func (h *Handler) warehouseSyncPlan(w http.ResponseWriter, r *http.Request) {
	h.showPlan(w, r, http.StatusOK, planView{})
}

func (h *Handler) showPlan(w http.ResponseWriter, r *http.Request, status int, v planView) {
	ws := warehouseSyncOf(r)
	var err error
	if v.Sync, err = h.svc.DescribeWarehouseSync(r.Context(), ws); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Sync.Plan != nil {
		v.Plan, _ = v.Sync.Plan.Plan.(*warehouse.Plan)
		v.State = v.Sync.Plan.State
	}
	if v.Plan != nil {
		var ms []mapping.Mapping
		json.Unmarshal([]byte(ws.Mappings), &ms) // saved from these very types
		v.Samples = newSampleTable(v.Plan, ms)
		for _, s := range v.Plan.Samples {
			if s.Op != "remove" && !slices.Contains(v.Keys, s.Key) {
				v.Keys = append(v.Keys, s.Key)
			}
		}
	}
	h.render(w, r, status, "warehouse_plan", page{Title: ws.Name + ": plan", Section: sectionSyncs, WSync: ws, Tab: "plan",
		Base: warehouseSyncPath(ws.ID), Data: v})
}
