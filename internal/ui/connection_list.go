package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// connectionRow is a connection in the list, with what it does now.
type connectionRow struct {
	Conn     *store.Connection
	Activity string
	Health   resource.Health
	Last     *store.Run
	Current  *store.Run
	Alerts   []store.AlertState // the conditions that hold now (the alert badge)
}

func (h *Handler) connectionRows(r *http.Request) ([]connectionRow, error) {
	conns, err := h.svc.Store.Connections(r.Context())
	if err != nil {
		return nil, err
	}
	active, err := h.svc.Alerts.Active(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]connectionRow, len(conns))
	for i, c := range conns {
		st, err := h.svc.Describe(r.Context(), c, false)
		if err != nil {
			return nil, err
		}
		rows[i] = connectionRow{Conn: c, Activity: resource.Activity(c, st), Health: resource.HealthOf(c, st), Last: st.LastRun, Current: st.Current}
		for _, a := range active {
			if a.SyncID == c.ID {
				rows[i].Alerts = append(rows[i].Alerts, a)
			}
		}
	}
	return rows, nil
}

func (h *Handler) connectionList(w http.ResponseWriter, r *http.Request) {
	rows, err := h.connectionRows(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "connections", page{Title: "Connections", Section: "connections", Data: rows})
}

// connectionListLive is the list's rows alone, for the page's script to swap in.
func (h *Handler) connectionListLive(w http.ResponseWriter, r *http.Request) {
	rows, err := h.connectionRows(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, "connection-rows", rows)
}
