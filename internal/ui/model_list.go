package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/store"
)

// modelRow is a model as the list shows it: its source and the syncs that write it.
type modelRow struct {
	*store.Model
	Source *store.Source
	Syncs  []*store.WarehouseSync
}

func (h *Handler) modelList(w http.ResponseWriter, r *http.Request) {
	models, err := h.svc.Store.Models(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	srcs, err := h.svc.Store.Sources(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	syncs, err := h.svc.Store.WarehouseSyncs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]modelRow, len(models))
	for i, m := range models {
		rows[i] = modelRow{Model: m, Source: sourceByID(srcs, m.SourceID), Syncs: syncsOfModel(syncs, m.ID)}
	}
	h.render(w, r, http.StatusOK, "models", page{Title: "Models", Section: sectionModels, Data: map[string]any{"Models": rows, "Sources": len(srcs)}})
}

func sourceByID(srcs []*store.Source, id int64) *store.Source {
	for _, s := range srcs {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func syncsOfModel(syncs []*store.WarehouseSync, modelID int64) []*store.WarehouseSync {
	var out []*store.WarehouseSync
	for _, w := range syncs {
		if w.ModelID == modelID {
			out = append(out, w)
		}
	}
	return out
}
