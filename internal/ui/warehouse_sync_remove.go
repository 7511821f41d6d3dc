package ui

import (
	"fmt"
	"net/http"
)

// warehouseSyncRemoveConfirm asks before a warehouse sync is removed.
func (h *Handler) warehouseSyncRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	h.render(w, r, http.StatusOK, "warehouse_sync_remove", page{Title: "Remove " + ws.Name, Section: sectionSyncs, Data: ws})
}

// warehouseSyncRemove stops a warehouse sync at once and deletes it with its state; nothing is changed
// in the store.
func (h *Handler) warehouseSyncRemove(w http.ResponseWriter, r *http.Request) {
	ws := warehouseSyncOf(r)
	if err := h.svc.RemoveWarehouseSync(r.Context(), ws.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/warehouse/syncs", "ok", fmt.Sprintf("Removed %s. Nothing was changed in the store.", ws.Name))
}
