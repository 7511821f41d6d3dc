package ui

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type shopKey struct{}

// shopPage is signedIn for pages of one store: it loads the store named in the path.
func (h *Handler) shopPage(next http.HandlerFunc) http.HandlerFunc {
	return byID(h, shopKey{}, h.svc.Store.Shop, next)
}

func shopOf(r *http.Request) *store.Shop {
	sh, _ := r.Context().Value(shopKey{}).(*store.Shop)
	return sh
}

// storeDetail shows a store with its Dotdigital link and its warehouse syncs side by side.
func (h *Handler) storeDetail(w http.ResponseWriter, r *http.Request) {
	sh := shopOf(r)
	st, err := h.svc.DescribeStore(r.Context(), sh)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "store_detail", page{Title: sh.Name, Section: "stores", Data: resource.NewStore(sh, st)})
}

// storeRemoveConfirm is the confirmation step before a store is removed.
func (h *Handler) storeRemoveConfirm(w http.ResponseWriter, r *http.Request) {
	sh := shopOf(r)
	st, err := h.svc.DescribeStore(r.Context(), sh)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "store_remove", page{Title: "Remove " + sh.Name, Section: "stores", Data: resource.NewStore(sh, st)})
}

// storeRemove stops every sync of the store at once and deletes them with the store's credentials.
func (h *Handler) storeRemove(w http.ResponseWriter, r *http.Request) {
	sh := shopOf(r)
	if err := h.svc.RemoveStore(r.Context(), sh.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/stores", "ok", fmt.Sprintf("Removed %s with its syncs. Nothing was changed in the store or in Dotdigital.", sh.Name))
}
