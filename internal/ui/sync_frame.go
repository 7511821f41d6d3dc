package ui

import (
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/store"
)

// syncFrame is the sync whose pages a request shows: a connection (a store's Dotdigital link) or a
// warehouse sync. The API debugger and the export of rejected records are keyed by the sync's id and
// are the same for both; only the frame around them (the connection's tabs or the warehouse sync's)
// and the place of the sync's pages differ.
type syncFrame struct {
	ID    int64
	Name  string
	Base  string // where the sync's pages are: /connections/1, /warehouse/syncs/2
	conn  *store.Connection
	wsync *store.WarehouseSync
}

// frameOf is the sync a page of the connection's or the warehouse sync's routes belongs to.
func frameOf(r *http.Request) syncFrame {
	if c := connectionOf(r); c != nil {
		return syncFrame{ID: c.ID, Name: c.Name, Base: "/connections/" + strconv.FormatInt(c.ID, 10), conn: c}
	}
	w := warehouseSyncOf(r)
	return syncFrame{ID: w.ID, Name: w.Name, Base: warehouseSyncPath(w.ID), wsync: w}
}

// page frames a page of the sync, under the tab of that name.
func (f syncFrame) page(title, tab string, data any) page {
	p := page{Title: f.Name + ": " + title, Tab: tab, Base: f.Base, Data: data}
	if f.conn != nil {
		p.Section, p.Conn = "connections", f.conn
	} else {
		p.Section, p.WSync = sectionSyncs, f.wsync
	}
	return p
}
