package ui

import (
	"fmt"
	"net/http"
)

// removeConfirm is the confirmation step before a connection is removed.
func (h *Handler) removeConfirm(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	h.render(w, r, http.StatusOK, "remove", page{Title: "Remove " + c.Name, Section: "connections", Conn: c, Tab: "store"})
}

// remove stops the connection's syncs at once and deletes its credentials and state.
func (h *Handler) remove(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	removal, err := h.svc.RemoveConnection(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/connections", "ok", fmt.Sprintf("Removed %s. Its syncs stopped and its credentials were deleted; %s; nothing was changed in Dotdigital.", c.Name, removal.Describe()))
}
