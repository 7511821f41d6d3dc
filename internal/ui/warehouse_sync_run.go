package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// warehouseSyncRun queues a run (?full=1: every row sent again, nothing removed).
func (h *Handler) warehouseSyncRun(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	full := r.PostFormValue("full") == "1"
	if err := h.svc.RunWarehouse(r.Context(), ws.ID, full); err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		h.redirectWith(w, r, warehouseSyncPath(ws.ID), "error", p.Message)
		return
	}
	msg := "Run queued: it plans again as it starts, then writes what changed."
	if full {
		msg = "Full resync queued: every row is sent again; nothing is removed."
	}
	h.redirectWith(w, r, warehouseSyncPath(ws.ID), "ok", msg)
}
