package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/bcsync/bcsync/internal/store"
)

type runsView struct {
	Runs  []*store.Run
	Chart chart
	// Before pages back: the id of the oldest run shown when more exist.
	Before int64
}

const runsPerPage = 30

func (h *Handler) runList(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	runs, err := h.svc.Store.Runs(r.Context(), c.ID, runsPerPage+1, before)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := runsView{}
	if len(runs) > runsPerPage {
		runs = runs[:runsPerPage]
		v.Before = runs[len(runs)-1].ID
	}
	v.Runs = runs
	oldestFirst := slices.Clone(runs)
	slices.Reverse(oldestFirst)
	v.Chart = newChart(oldestFirst)
	h.render(w, r, http.StatusOK, "runs", page{Title: c.Name + ": runs", Section: "connections", Conn: c, Tab: "runs", Data: v})
}
