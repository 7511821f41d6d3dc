package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/store"
)

type runView struct {
	Run      *store.Run
	Rejected []store.Rejected
	More     bool
}

// runDetail shows one run: each stream's counts and the records it rejected.
func (h *Handler) runDetail(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		h.notFound(w, r)
		return
	}
	run, err := h.svc.Store.Run(r.Context(), id)
	if err != nil || run.SyncID != c.ID {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	rejected, err := h.svc.Store.RejectedRecords(r.Context(), c.ID, store.RejectedFilter{RunID: id, Limit: 51})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := runView{Run: run, Rejected: rejected}
	if len(rejected) > 50 {
		v.Rejected, v.More = rejected[:50], true
	}
	h.render(w, r, http.StatusOK, "run", page{Title: c.Name + ": run " + strconv.FormatInt(run.Number, 10), Section: "connections", Conn: c, Tab: "runs", Data: v})
}
