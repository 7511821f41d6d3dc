package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// storeRows are the stores with their syncs, side by side.
func (h *Handler) storeRows(r *http.Request) ([]resource.Store, error) {
	shops, err := h.svc.Store.Shops(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]resource.Store, len(shops))
	for i, sh := range shops {
		st, err := h.svc.DescribeStore(r.Context(), sh)
		if err != nil {
			return nil, err
		}
		out[i] = resource.NewStore(sh, st)
	}
	return out, nil
}

func (h *Handler) storeList(w http.ResponseWriter, r *http.Request) {
	rows, err := h.storeRows(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "stores", page{Title: "Stores", Section: "stores", Data: storesView{Stores: rows}})
}

// storesView is the stores page: the list and the add form (kept when shown again with a problem).
type storesView struct {
	Stores []resource.Store
	Form   storeForm
}

// storeForm is the add-a-store form; the token is never written back into the page.
type storeForm struct {
	Name     string
	APIPath  string
	ClientID string
	BaseURL  string
	Problem  *resource.Problem
}
