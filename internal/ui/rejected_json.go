package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// rejectedJSON exports the rejected rows the search finds, all of them, newest first, as the API
// gives them (with the request sent and the store's response).
func (h *Handler) rejectedJSON(w http.ResponseWriter, r *http.Request) {
	c := frameOf(r)
	f := rejectedFilter(r)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bcsync-%d-rejected.json"`, c.ID))
	// Written as read, a page at a time, as the CSV is: the rows may be many.
	io.WriteString(w, `{"rejected": [`)
	first := true
	const page = 1000
	for {
		f.Limit = page
		recs, err := h.svc.Store.RejectedRecords(r.Context(), c.ID, f)
		if err != nil {
			h.log.Error("exporting rejected records failed", "error", err)
			return // the answer is cut short: what was written is not valid JSON, so it is not taken for all
		}
		for _, rec := range recs {
			b, err := json.Marshal(resource.NewRejected(rec))
			if err != nil {
				h.log.Error("exporting rejected records failed", "error", err)
				return
			}
			if !first {
				io.WriteString(w, ",")
			}
			first = false
			io.WriteString(w, "\n  ")
			w.Write(b)
		}
		if len(recs) < page {
			break
		}
		f.BeforeID = recs[len(recs)-1].ID
	}
	io.WriteString(w, "\n]}\n")
}
