package ui

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// syncNow is SYNC NOW: a manual sync, unless one is queued or running already.
func (h *Handler) syncNow(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	back := fmt.Sprintf("/connections/%d", c.ID)
	if r.PostFormValue("from") == "list" {
		back = "/connections"
	}
	if err := h.svc.SyncNow(r.Context(), c.ID); err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		h.redirectWith(w, r, back, "error", p.Message)
		return
	}
	h.redirectWith(w, r, back, "ok", "Sync started.")
}
