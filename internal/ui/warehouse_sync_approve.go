package ui

import (
	"errors"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// warehouseSyncApprove approves the plan the guard stopped and queues the run that carries out
// exactly it.
func (h *Handler) warehouseSyncApprove(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	if err := h.svc.ApproveWarehouse(r.Context(), ws.ID); err != nil {
		h.approvalFailed(w, r, ws, err)
		return
	}
	h.redirectWith(w, r, warehouseSyncPath(ws.ID), "ok",
		"Approved. The run that carries out this plan is queued; should the model have changed since, it stops again and shows the new plan.")
}

// warehouseSyncDiscard sets a blocked plan aside; the sync runs again on its schedule, planning anew.
func (h *Handler) warehouseSyncDiscard(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	if err := h.svc.Warehouse.Discard(r.Context(), ws.ID); err != nil {
		h.approvalFailed(w, r, ws, err)
		return
	}
	h.redirectWith(w, r, warehouseSyncPath(ws.ID)+"/plan", "ok", "Discarded: nothing was written. The next run plans again.")
}

func (h *Handler) approvalFailed(w http.ResponseWriter, r *http.Request, ws *store.WarehouseSync, err error) {
	if errors.Is(err, warehouse.ErrNothingToApprove) {
		h.redirectWith(w, r, warehouseSyncPath(ws.ID)+"/plan", "error", resource.ProblemOf(err).Message)
		return
	}
	h.fail(w, r, err)
}
