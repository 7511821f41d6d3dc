package ui

import (
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type modelView struct {
	Model  *store.Model
	Source *store.Source
	// Lines are the query's lines, numbered on the page.
	Lines   []string
	Syncs   []*store.WarehouseSync
	Preview *previewView
	Problem *resource.Problem
}

// modelDetail shows a model: its query with numbered lines, the syncs that write it, and on demand its
// first rows (?preview) or a check of its keys over the whole model (?check).
func (h *Handler) modelDetail(w http.ResponseWriter, r *http.Request) {
	m := modelOf(r)
	v := modelView{Model: m, Lines: strings.Split(m.Query, "\n")}
	var err error
	if v.Source, err = h.svc.Store.Source(r.Context(), m.SourceID); err != nil {
		h.fail(w, r, err)
		return
	}
	syncs, err := h.svc.Store.WarehouseSyncs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Syncs = syncsOfModel(syncs, m.ID)
	q := r.URL.Query()
	status := http.StatusOK
	if q.Has("preview") || q.Has("check") {
		p, err := h.svc.Warehouse.PreviewModel(r.Context(), m.ID, previewRows, q.Has("check"))
		if err != nil {
			v.Problem = h.problem(err, "previewing a model failed")
			status = v.Problem.Status
		} else {
			v.Preview = newPreviewView(p, m.PrimaryKey)
		}
	}
	h.render(w, r, status, "model", page{Title: m.Name, Section: sectionModels, Data: v})
}
