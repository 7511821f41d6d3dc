package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// warehouseSyncRow is a warehouse sync as the list shows it, with its model.
type warehouseSyncRow struct {
	resource.WarehouseSync
	Model *store.Model
}

func (h *Handler) warehouseSyncList(w http.ResponseWriter, r *http.Request) {
	syncs, err := h.svc.Store.WarehouseSyncs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	models, err := h.svc.Store.Models(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]warehouseSyncRow, len(syncs))
	for i, ws := range syncs {
		if rows[i].WarehouseSync, err = h.svc.DescribeWarehouseSync(r.Context(), ws); err != nil {
			h.fail(w, r, err)
			return
		}
		for _, m := range models {
			if m.ID == ws.ModelID {
				rows[i].Model = m
			}
		}
	}
	h.render(w, r, http.StatusOK, "warehouse_syncs", page{Title: "Warehouse syncs", Section: sectionSyncs,
		Data: map[string]any{"Syncs": rows, "Models": len(models)}})
}
