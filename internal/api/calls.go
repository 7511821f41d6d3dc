package api

import (
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// listCalls lists a connection's recorded API calls, newest first, without headers and bodies:
// ?api=bigcommerce|dotdigital, ?status=2xx|3xx|4xx|5xx|error, ?run=, ?limit= (≤ 500), ?before=<id>,
// ?after=<id> (the calls recorded since: poll with the newest id seen).
func (h *Handler) listCalls(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.APICallFilter{API: q.Get("api")}
	if f.API != "" && !apicall.Known(f.API) {
		return badParam("api", apiNames())
	}
	if status := q.Get("status"); status != "" {
		class, ok := store.StatusClasses[status]
		if !ok {
			return badParam("status", "2xx, 3xx, 4xx, 5xx or error")
		}
		f.StatusClass = class
	}
	if f.RunID, err = queryInt(r, "run", 0); err != nil {
		return err
	}
	if f.BeforeID, err = queryInt(r, "before", 0); err != nil {
		return err
	}
	if f.AfterID, err = queryInt(r, "after", 0); err != nil {
		return err
	}
	n, err := limit(r, 100, 500)
	if err != nil {
		return err
	}
	f.Limit = n + 1
	calls, err := h.svc.Store.APICalls(r.Context(), id, f)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(calls) > n {
		calls = calls[:n]
		out["next_before"] = calls[n-1].ID
	}
	list := make([]resource.APICall, len(calls))
	for i, call := range calls {
		list[i] = resource.NewAPICall(call)
	}
	out["calls"] = list
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getCall is one recorded call with its (redacted) headers and bodies.
func (h *Handler) getCall(w http.ResponseWriter, r *http.Request) error {
	syncID, err := h.syncOf(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "call")
	if err != nil {
		return err
	}
	call, err := h.svc.Store.APICall(r.Context(), syncID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewAPICall(*call))
	return nil
}

// apiNames lists the values ?api= takes: "bigcommerce, dotdigital, … or webhook".
func apiNames() string {
	var b strings.Builder
	for i, a := range apicall.APIs {
		switch {
		case i == 0:
		case i == len(apicall.APIs)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(a.Name)
	}
	return b.String()
}
