package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/store"
)

// callFilter is the debugger's filter, as the page's query gives it.
type callFilter struct {
	RunID  int64
	API    string // the name of one of apicall.APIs, or "" for all
	Status string // 2xx, 4xx, 5xx, error or "" for any
}

func (f callFilter) store() store.APICallFilter {
	return store.APICallFilter{RunID: f.RunID, API: f.API, StatusClass: store.StatusClasses[f.Status]}
}

func (f callFilter) Query() string {
	q := url.Values{}
	if f.RunID > 0 {
		q.Set("run", strconv.FormatInt(f.RunID, 10))
	}
	if f.API != "" {
		q.Set("api", f.API)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	return q.Encode()
}

func callFilterOf(r *http.Request) callFilter {
	q := r.URL.Query()
	f := callFilter{}
	f.RunID, _ = strconv.ParseInt(q.Get("run"), 10, 64)
	if apicall.Known(q.Get("api")) {
		f.API = q.Get("api")
	}
	if _, ok := store.StatusClasses[q.Get("status")]; ok {
		f.Status = q.Get("status")
	}
	return f
}

type debuggerView struct {
	Filter callFilter
	Calls  []store.APICall
	Before int64
	Live   bool // the newest calls are shown, so new ones may be added as they happen
}

const callsPerPage = 100

// debugger lists a sync's recorded API calls, newest first, and adds new ones as they happen.
func (h *Handler) debugger(w http.ResponseWriter, r *http.Request) {
	c := frameOf(r)
	f := callFilterOf(r)
	sf := f.store()
	sf.Limit = callsPerPage + 1
	sf.BeforeID, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	calls, err := h.svc.Store.APICalls(r.Context(), c.ID, sf)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := debuggerView{Filter: f, Calls: calls, Live: sf.BeforeID == 0}
	if len(calls) > callsPerPage {
		v.Calls = calls[:callsPerPage]
		v.Before = v.Calls[len(v.Calls)-1].ID
	}
	h.render(w, r, http.StatusOK, "debugger", c.page("API debugger", "debugger", v))
}

// debuggerRows are the calls recorded after ?after=ID, for the page's script to add.
func (h *Handler) debuggerRows(w http.ResponseWriter, r *http.Request) {
	c := frameOf(r)
	sf := callFilterOf(r).store()
	sf.AfterID, _ = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	sf.Limit = callsPerPage
	calls, err := h.svc.Store.APICalls(r.Context(), c.ID, sf)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, "call-rows", map[string]any{"Base": c.Base, "Calls": calls})
}
