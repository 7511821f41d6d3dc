package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

func (h *Handler) modelRemoveView(r *http.Request) (removeView, error) {
	m := modelOf(r)
	v := removeView{ID: m.ID, Name: m.Name}
	syncs, err := h.svc.Store.WarehouseSyncs(r.Context())
	if err != nil {
		return v, err
	}
	for _, w := range syncsOfModel(syncs, m.ID) {
		v.Users = append(v.Users, removeUser{Name: w.Name, Path: warehouseSyncPath(w.ID)})
	}
	return v, nil
}

// modelRemoveConfirm asks before a model is removed, naming the syncs that must go first.
func (h *Handler) modelRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	v, err := h.modelRemoveView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "model_remove", page{Title: "Remove " + v.Name, Section: sectionModels, Data: v})
}

// modelRemove removes a model no sync writes; one in use is refused, naming its syncs.
func (h *Handler) modelRemove(w http.ResponseWriter, r *http.Request) {
	m := modelOf(r)
	if err := h.svc.Warehouse.RemoveModel(r.Context(), m.ID); err != nil {
		var inUse *store.InUseError
		if !errors.As(err, &inUse) {
			h.fail(w, r, err)
			return
		}
		v, verr := h.modelRemoveView(r)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		v.Problem = resource.ProblemOf(err)
		h.render(w, r, v.Problem.Status, "model_remove", page{Title: "Remove " + v.Name, Section: sectionModels, Data: v})
		return
	}
	h.redirectWith(w, r, "/warehouse/models", "ok", fmt.Sprintf("Removed the model %s. Nothing was changed in its source.", m.Name))
}
