package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/bcsync/bcsync/internal/store"
)

// warehouseRunsView is a warehouse sync's runs, with a chart of what each did with its rows.
type warehouseRunsView struct {
	Runs   []*store.Run
	Chart  chart
	Before int64
}

// warehouseSyncRuns lists a warehouse sync's runs, newest first, with their rows by outcome.
func (h *Handler) warehouseSyncRuns(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	runs, err := h.svc.Store.Runs(r.Context(), ws.ID, runsPerPage+1, before)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := warehouseRunsView{}
	if len(runs) > runsPerPage {
		runs = runs[:runsPerPage]
		v.Before = runs[len(runs)-1].ID
	}
	v.Runs = runs
	oldestFirst := slices.Clone(runs)
	slices.Reverse(oldestFirst)
	v.Chart = newOutcomeChart(oldestFirst)
	h.render(w, r, http.StatusOK, "warehouse_runs", page{Title: ws.Name + ": runs", Section: sectionSyncs, WSync: ws, Tab: "runs",
		Base: warehouseSyncPath(ws.ID), Data: v})
}
