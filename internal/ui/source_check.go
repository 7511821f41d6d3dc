package ui

import (
	"fmt"
	"net/http"
)

// sourceCheck tests a saved source again (its status and the time of the test are kept) and says
// what it found.
func (h *Handler) sourceCheck(w http.ResponseWriter, r *http.Request) {
	s := sourceOf(r)
	res, err := h.svc.Warehouse.TestSource(r.Context(), s.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !res.OK {
		h.redirectWith(w, r, "/warehouse/sources", "error", fmt.Sprintf("%s: %s", s.Name, res.Message))
		return
	}
	h.redirectWith(w, r, "/warehouse/sources", "ok", fmt.Sprintf("%s: bcsync can read it.", s.Name))
}
