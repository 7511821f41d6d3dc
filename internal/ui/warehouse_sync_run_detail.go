package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
)

type warehouseRunView struct {
	Run      *store.Run
	Rejected []store.Rejected
	More     bool
	// Plan is the plan the run stopped on or carried out, when it is still the sync's latest.
	Plan  *warehouse.Plan
	State string
}

// warehouseSyncRunDetail shows one run: its parts with their counts, the plan it stopped on (a
// blocked run) and the rows it rejected.
func (h *Handler) warehouseSyncRunDetail(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		h.notFound(w, r)
		return
	}
	run, err := h.svc.Store.Run(r.Context(), id)
	if err != nil || run.SyncID != ws.ID {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	rejected, err := h.svc.Store.RejectedRecords(r.Context(), ws.ID, store.RejectedFilter{RunID: id, Limit: 51})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := warehouseRunView{Run: run, Rejected: rejected}
	if len(rejected) > 50 {
		v.Rejected, v.More = rejected[:50], true
	}
	if sp, err := h.svc.Store.Plan(r.Context(), ws.ID); err == nil && sp.RunID == id {
		v.Plan, v.State, err = h.svc.Warehouse.LatestPlan(r.Context(), ws.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "warehouse_run", page{Title: ws.Name + ": run " + strconv.FormatInt(run.Number, 10), Section: sectionSyncs, WSync: ws,
		Tab: "runs", Base: warehouseSyncPath(ws.ID), Data: v})
}
