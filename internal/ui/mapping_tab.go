package ui

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// mappingRow is one BigCommerce field and the data field it maps to ("" for none).
type mappingRow struct {
	Field     marketing.SourceField
	DataField string
	Invalid   bool
}

type mappingGroup struct {
	Name string
	Rows []mappingRow
}

type mappingView struct {
	Groups     []mappingGroup
	DataFields []marketing.DataField
	Problem    *resource.Problem
	Warning    string
	NewKey     string
	NewField   string
}

func (h *Handler) mappingTab(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	current, err := h.svc.Store.FieldMappings(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	chosen := map[string]string{}
	for _, m := range current {
		chosen[m.Source] = m.DataField
	}
	h.showMapping(w, r, http.StatusOK, chosen, "", "", nil)
}

// showMapping renders the tab with chosen (source → data field) as the selections.
func (h *Handler) showMapping(w http.ResponseWriter, r *http.Request, status int, chosen map[string]string, newKey, newField string, problem *resource.Problem) {
	c := connectionOf(r)
	v := mappingView{Problem: problem, NewKey: newKey, NewField: newField}
	account, err := h.svc.Engine.Account(r.Context(), c.ID, r.URL.Query().Has("refresh"))
	if err != nil {
		h.log.Warn("the Dotdigital account could not be read", slog.Int64("connection_id", c.ID), slog.Any("error", err))
		v.Warning = "Dotdigital could not be reached to list the account's data fields: " + resource.ProblemOf(err).Message
	} else {
		v.DataFields = account.DataFields
	}
	// A mapped data field stays selectable even when it could not be listed.
	for _, df := range chosen {
		if df != "" && !slices.ContainsFunc(v.DataFields, func(f marketing.DataField) bool { return strings.EqualFold(f.Name, df) }) {
			v.DataFields = append(v.DataFields, marketing.DataField{Name: df})
		}
	}
	invalid := ""
	if problem != nil {
		invalid = problem.Field
	}
	groups := map[string]*mappingGroup{}
	var order []string
	add := func(f marketing.SourceField) {
		g := groups[f.Group]
		if g == nil {
			g = &mappingGroup{Name: f.Group}
			groups[f.Group] = g
			order = append(order, f.Group)
		}
		g.Rows = append(g.Rows, mappingRow{Field: f, DataField: chosen[f.Key], Invalid: f.Key == invalid})
	}
	for _, f := range marketing.StandardFields {
		add(f)
	}
	var custom []string
	for k := range chosen {
		if _, standard := standardField(k); !standard {
			custom = append(custom, k)
		}
	}
	slices.Sort(custom)
	for _, k := range custom {
		if f, ok := marketing.LookupSource(k); ok {
			add(f)
		}
	}
	for _, name := range order {
		v.Groups = append(v.Groups, *groups[name])
	}
	h.render(w, r, status, "mapping", page{Title: c.Name + ": field mapping", Section: "connections", Conn: c, Tab: "mapping", Data: v})
}

func standardField(key string) (marketing.SourceField, bool) {
	for _, f := range marketing.StandardFields {
		if f.Key == key {
			return f, true
		}
	}
	return marketing.SourceField{}, false
}

// mappedSources are the sources the tab shows: every standard field and the custom ones mapped.
func mappedSources(current []store.FieldMapping) []string {
	var keys []string
	for _, f := range marketing.StandardFields {
		keys = append(keys, f.Key)
	}
	for _, m := range current {
		if _, ok := standardField(m.Source); !ok {
			keys = append(keys, m.Source)
		}
	}
	return keys
}
