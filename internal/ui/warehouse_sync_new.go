package ui

import (
	"net/http"
	"strconv"
)

// warehouseSyncNew is the form of a new warehouse sync; ?store= and ?model= choose them.
func (h *Handler) warehouseSyncNew(w http.ResponseWriter, r *http.Request) {
	f := syncForm{Schedule: "manual", Delete: "nothing"}
	f.StoreID, _ = strconv.ParseInt(r.URL.Query().Get("store"), 10, 64)
	f.ModelID, _ = strconv.ParseInt(r.URL.Query().Get("model"), 10, 64)
	h.showSyncForm(w, r, http.StatusOK, syncFormView{Form: f})
}

// warehouseSyncCreate saves a new warehouse sync, or shows the form again with a mapping added or
// removed, or with the fields of the store and model chosen.
func (h *Handler) warehouseSyncCreate(w http.ResponseWriter, r *http.Request) {
	v := syncFormView{Form: syncFormOf(r)}
	if editsOnly(r) {
		h.showSyncForm(w, r, http.StatusOK, v)
		return
	}
	h.saveSync(w, r, v)
}

// editsOnly reports whether the form was submitted to change itself (add or remove a mapping, read
// the fields of another store or model, show a schedule's next runs) rather than to be saved.
func editsOnly(r *http.Request) bool {
	a := r.PostFormValue("action")
	return a == "add" || a == "refresh" || r.PostFormValue("remove") != ""
}
