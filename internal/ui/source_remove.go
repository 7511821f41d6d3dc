package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// removeView is the confirmation before a source or model is removed: what depends on it (which
// must be removed first) and the refusal, when it was refused anyway.
type removeView struct {
	ID      int64
	Name    string
	Users   []removeUser
	Problem *resource.Problem
}

// removeUser is a model that reads a source, or a sync that writes a model.
type removeUser struct {
	Name string
	Path string
}

func (h *Handler) sourceRemoveView(r *http.Request) (removeView, error) {
	s := sourceOf(r)
	v := removeView{ID: s.ID, Name: s.Name}
	models, err := h.svc.Store.Models(r.Context())
	if err != nil {
		return v, err
	}
	for _, m := range models {
		if m.SourceID == s.ID {
			v.Users = append(v.Users, removeUser{Name: m.Name, Path: fmt.Sprintf("/warehouse/models/%d", m.ID)})
		}
	}
	return v, nil
}

// sourceRemoveConfirm asks before a source is removed, naming the models that must go first.
func (h *Handler) sourceRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	v, err := h.sourceRemoveView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "source_remove", page{Title: "Remove " + v.Name, Section: sectionSources, Data: v})
}

// sourceRemove removes a source no model reads; one in use is refused, naming its models.
func (h *Handler) sourceRemove(w http.ResponseWriter, r *http.Request) {
	s := sourceOf(r)
	if err := h.svc.Warehouse.RemoveSource(r.Context(), s.ID); err != nil {
		var inUse *store.InUseError
		if !errors.As(err, &inUse) {
			h.fail(w, r, err)
			return
		}
		v, verr := h.sourceRemoveView(r)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		v.Problem = resource.ProblemOf(err)
		h.render(w, r, v.Problem.Status, "source_remove", page{Title: "Remove " + v.Name, Section: sectionSources, Data: v})
		return
	}
	h.redirectWith(w, r, "/warehouse/sources", "ok", fmt.Sprintf("Removed the source %s. Nothing was changed in it.", s.Name))
}
