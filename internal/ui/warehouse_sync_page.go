package ui

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// warehouseStatus is the live part of a warehouse sync's page: what it does now, the run going on
// with its parts, the last run.
type warehouseStatus struct {
	Sync    resource.Sync
	Current *store.Run
	Last    *store.Run
}

type warehouseSyncView struct {
	Sync     resource.WarehouseSync
	Status   warehouseStatus
	Model    *store.Model
	Mappings []mappingLine
	// Schedule says the schedule in words; Upcoming are the next runs it knows of.
	Schedule string
	Upcoming []upcomingRun
	Plan     *warehouse.Plan
	State    string
}

// describeWarehouseSync gathers what a warehouse sync's pages show of it, as the API shows it, with
// its runs as the ledger keeps them (for their parts' progress).
func (h *Handler) describeWarehouseSync(r *http.Request, ws *store.WarehouseSync) (resource.WarehouseSync, warehouseStatus, error) {
	out, err := h.svc.DescribeWarehouseSync(r.Context(), ws)
	if err != nil {
		return out, warehouseStatus{}, err
	}
	st := warehouseStatus{Sync: out.Sync}
	if st.Last, err = h.svc.Store.LastFinishedRun(r.Context(), ws.ID); err != nil {
		return out, st, err
	}
	st.Current, err = h.svc.Store.RunningRun(r.Context(), ws.ID)
	return out, st, err
}

// warehouseSyncDetail is a warehouse sync's page: what it writes, when, what it does now and its
// last run; a plan waiting for approval is shown first.
func (h *Handler) warehouseSyncDetail(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	out, st, err := h.describeWarehouseSync(r, ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := warehouseSyncView{Sync: out, Status: st}
	if v.Model, err = h.svc.Store.Model(r.Context(), ws.ModelID); err != nil {
		h.fail(w, r, err)
		return
	}
	var ms []mapping.Mapping
	json.Unmarshal([]byte(ws.Mappings), &ms) // saved from these very types
	for _, m := range ms {
		v.Mappings = append(v.Mappings, mappingLine{Mapping: m, Null: nullEffect(mapping.Object(ws.Object), m)})
	}
	spec := schedule.Spec{Interval: ws.Interval, Cron: ws.Cron}
	v.Schedule = spec.Describe()
	if !ws.NextRunAt.IsZero() {
		at := []time.Time{ws.NextRunAt}
		if spec.Cron != "" {
			at = append(at, spec.Upcoming(ws.NextRunAt, 2)...)
		}
		for _, t := range at {
			v.Upcoming = append(v.Upcoming, upcomingOf(t))
		}
	}
	if out.Plan != nil {
		v.Plan, _ = out.Plan.Plan.(*warehouse.Plan)
		v.State = out.Plan.State
	}
	h.render(w, r, http.StatusOK, "warehouse_sync", page{Title: ws.Name, Section: sectionSyncs, WSync: ws, Tab: "sync", Base: warehouseSyncPath(ws.ID), Data: v})
}

// warehouseSyncLive is the live part of a warehouse sync's page alone.
func (h *Handler) warehouseSyncLive(w http.ResponseWriter, r *http.Request) {
	_, st, err := h.describeWarehouseSync(r, warehouseSyncOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, "warehouse-sync-status", st)
}

// mappingLine is a mapping as the sync's page lists it, with what a NULL does to its field.
type mappingLine struct {
	mapping.Mapping
	Null string
}

// nullEffect says what a NULL in a mapping's column does: nothing for a constant; leave the field as
// it is when NULLs are skipped; clear it when it can be cleared; otherwise the row is invalid.
func nullEffect(o mapping.Object, m mapping.Mapping) string {
	switch {
	case m.Constant != nil:
		return ""
	case m.SkipNulls:
		return "leaves the field as it is"
	}
	f, err := mapping.Lookup(o, m.Field, mapping.Store{})
	if err != nil || f.Clearable { // the store's own fields (attributes, form fields, metafields) are clearable
		return "clears the field"
	}
	return "makes the row invalid: the field cannot be cleared (skip NULLs to leave it as it is)"
}
