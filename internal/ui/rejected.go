package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type rejectedView struct {
	Query   string
	RunID   int64
	Records []store.Rejected
	// Before pages back: the id of the oldest record shown when more exist.
	Before int64
	CSV    string
	// JSON exports the same as JSON (warehouse syncs' rejected rows).
	JSON string
}

const rejectedPerPage = 100

// rejectedFilter reads the search: q matches an email (part of it) or a record's id; run narrows to one run.
func rejectedFilter(r *http.Request) store.RejectedFilter {
	q := r.URL.Query()
	run, _ := strconv.ParseInt(q.Get("run"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	return store.RejectedFilter{Query: strings.TrimSpace(q.Get("q")), RunID: run, BeforeID: before}
}

func (h *Handler) rejectedList(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	f := rejectedFilter(r)
	if err := resource.CheckLengths(resource.Text{Field: "q", Value: f.Query}); err != nil {
		h.fail(w, r, err)
		return
	}
	f.Limit = rejectedPerPage + 1
	recs, err := h.svc.Store.RejectedRecords(r.Context(), c.ID, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := rejectedView{Query: f.Query, RunID: f.RunID, Records: recs}
	if len(recs) > rejectedPerPage {
		v.Records = recs[:rejectedPerPage]
		v.Before = v.Records[len(v.Records)-1].ID
	}
	csv := r.URL.Query()
	csv.Del("before")
	v.CSV = "/connections/" + strconv.FormatInt(c.ID, 10) + "/rejected.csv"
	if enc := csv.Encode(); enc != "" {
		v.CSV += "?" + enc
	}
	h.render(w, r, http.StatusOK, "rejected", page{Title: c.Name + ": rejected records", Section: "connections", Conn: c, Tab: "rejected", Data: v})
}
