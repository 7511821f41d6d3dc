package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// listRuns pages through a connection's runs, newest first: ?limit= (≤ 200) and ?before=<run id>.
func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	n, err := limit(r, 20, 200)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	runs, err := h.svc.Store.Runs(r.Context(), id, n+1, before)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(runs) > n {
		runs = runs[:n]
		out["next_before"] = runs[n-1].ID
	}
	list := make([]resource.Run, len(runs))
	for i, run := range runs {
		list[i] = resource.NewRun(run, time.Now())
	}
	out["runs"] = list
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) error {
	syncID, err := h.syncOf(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "run")
	if err != nil {
		return err
	}
	run, err := h.svc.Store.Run(r.Context(), id)
	if err != nil {
		return err
	}
	if run.SyncID != syncID {
		return store.ErrNotFound
	}
	writeJSON(w, http.StatusOK, resource.NewRun(run, time.Now()))
	return nil
}

// listRejected searches rejected records: ?q= (an email, or part of one, or a record's id), ?run=,
// ?limit= (≤ 1000), ?before=<id>; ?format=csv (or Accept: text/csv) exports every match as CSV.
func (h *Handler) listRejected(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	run, err := queryInt(r, "run", 0)
	if err != nil {
		return err
	}
	f := store.RejectedFilter{RunID: run, Query: strings.TrimSpace(r.URL.Query().Get("q")), Key: r.URL.Query().Get("key")}
	if err := resource.CheckLengths(resource.Text{Field: "q", Value: f.Query}, resource.Text{Field: "key", Value: f.Key}); err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" || strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="bcsync-`+itoa(id)+`-rejected.csv"`)
		if err := resource.WriteRejectedCSV(w, func(before int64, limit int) ([]store.Rejected, error) {
			f.BeforeID, f.Limit = before, limit
			return h.svc.Store.RejectedRecords(r.Context(), id, f)
		}); err != nil {
			h.log.Error("exporting rejected records failed", "error", err)
		}
		return nil
	}
	n, err := limit(r, 100, 1000)
	if err != nil {
		return err
	}
	if f.BeforeID, err = queryInt(r, "before", 0); err != nil {
		return err
	}
	f.Limit = n + 1
	recs, err := h.svc.Store.RejectedRecords(r.Context(), id, f)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(recs) > n {
		recs = recs[:n]
		out["next_before"] = recs[n-1].ID
	}
	list := make([]resource.Rejected, len(recs))
	for i, rec := range recs {
		list[i] = resource.NewRejected(rec)
	}
	out["rejected"] = list
	writeJSON(w, http.StatusOK, out)
	return nil
}
