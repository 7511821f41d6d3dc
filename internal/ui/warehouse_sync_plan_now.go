package ui

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// warehouseSyncPlanNow plans a run without writing anything (a dry run) and shows the plan; a plan
// waiting for approval stays the one shown until it is approved or discarded.
func (h *Handler) warehouseSyncPlanNow(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	p, err := h.svc.Warehouse.PlanSync(r.Context(), ws.ID)
	if err != nil {
		h.showPlan(w, r, resource.ProblemOf(err).Status, planView{Problem: h.problem(err, "planning a warehouse sync failed")})
		return
	}
	msg := fmt.Sprintf("Planned without writing anything: %s adds, %s changes, %s removes, %s invalid rows.", num(p.Adds), num(p.Changes), num(p.Removes), num(p.Invalid))
	if p.Blocked {
		msg += " The guard would stop this run: " + p.Reason + "."
	}
	h.redirectWith(w, r, warehouseSyncPath(ws.ID)+"/plan", "ok", msg)
}
