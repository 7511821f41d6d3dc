package ui

import (
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
)

// warehouseSyncTest sends one row, chosen by its primary key, now, and shows what became of it with
// the calls it made.
func (h *Handler) warehouseSyncTest(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	key := strings.TrimSpace(r.PostFormValue("key"))
	err := resource.CheckLengths(resource.Text{Field: "key", Value: key})
	var res *resource.TestRow
	if err == nil {
		res, err = h.svc.TestWarehouseRow(r.Context(), ws.ID, key)
	}
	if err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 && !strings.HasPrefix(p.Code, "source_") {
			h.fail(w, r, err) // logged there
			return
		}
		h.showPlan(w, r, p.Status, planView{TestKey: clip("key", key), TestProblem: p})
		return
	}
	run, err := h.svc.Store.Run(r.Context(), res.RunID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "warehouse_test_row", page{Title: ws.Name + ": test of row " + key, Section: sectionSyncs, WSync: ws,
		Tab: "plan", Base: warehouseSyncPath(ws.ID), Data: testRowView{TestRow: res, RunNumber: run.Number}})
}

// testRowView is a row test with the number of its run within the sync, as people know runs.
type testRowView struct {
	*resource.TestRow
	RunNumber int64
}
