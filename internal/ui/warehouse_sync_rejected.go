package ui

import (
	"net/http"
)

// warehouseSyncRejected lists the rows a warehouse sync's runs rejected — invalid in the plan, or
// refused by the store with its request and response — searchable by primary key and run.
func (h *Handler) warehouseSyncRejected(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	f := rejectedFilter(r)
	f.Limit = rejectedPerPage + 1
	recs, err := h.svc.Store.RejectedRecords(r.Context(), ws.ID, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := rejectedView{Query: f.Query, RunID: f.RunID, Records: recs}
	if len(recs) > rejectedPerPage {
		v.Records = recs[:rejectedPerPage]
		v.Before = v.Records[len(v.Records)-1].ID
	}
	q := r.URL.Query()
	q.Del("before")
	base := warehouseSyncPath(ws.ID)
	v.CSV, v.JSON = base+"/rejected.csv", base+"/rejected.json"
	if enc := q.Encode(); enc != "" {
		v.CSV += "?" + enc
		v.JSON += "?" + enc
	}
	h.render(w, r, http.StatusOK, "warehouse_rejected", page{Title: ws.Name + ": rejected rows", Section: sectionSyncs, WSync: ws, Tab: "rejected",
		Base: base, Data: v})
}
