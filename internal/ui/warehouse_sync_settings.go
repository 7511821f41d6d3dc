package ui

import (
	"net/http"
)

// warehouseSyncSettings is the form of a saved sync, to change it.
func (h *Handler) warehouseSyncSettings(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	h.showSyncForm(w, r, http.StatusOK, syncFormView{Form: formOfSync(ws), Editing: ws})
}

// warehouseSyncSave changes a saved sync, checked as a new one is; its store, model and object stay.
func (h *Handler) warehouseSyncSave(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	f := syncFormOf(r)
	f.StoreID, f.ModelID, f.Object = ws.StoreID, ws.ModelID, ws.Object
	v := syncFormView{Form: f, Editing: ws}
	if editsOnly(r) {
		h.showSyncForm(w, r, http.StatusOK, v)
		return
	}
	h.saveSync(w, r, v)
}
