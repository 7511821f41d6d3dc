package ui

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// rejectedCSV exports the rejected records (a warehouse sync's rejected rows) the search finds, all of
// them, newest first.
func (h *Handler) rejectedCSV(w http.ResponseWriter, r *http.Request) {
	c := frameOf(r)
	f := rejectedFilter(r)
	if err := resource.CheckLengths(resource.Text{Field: "q", Value: f.Query}); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bcsync-%d-rejected.csv"`, c.ID))
	if err := resource.WriteRejectedCSV(w, func(before int64, limit int) ([]store.Rejected, error) {
		f.BeforeID, f.Limit = before, limit
		return h.svc.Store.RejectedRecords(r.Context(), c.ID, f)
	}); err != nil {
		h.log.Error("exporting rejected records failed", "error", err)
	}
}
