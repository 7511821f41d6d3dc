package api

import (
	"net/http"
	"strconv"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// syncNow queues a manual sync: 202, or 409 when one is queued or running already, or data sync is off.
func (h *Handler) syncNow(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	if err := h.svc.SyncNow(r.Context(), c.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true, "connection": "/api/v1/connections/" + itoa(c.ID)})
	return nil
}
