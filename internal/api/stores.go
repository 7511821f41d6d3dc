package api

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

func (h *Handler) describeStore(r *http.Request, sh *store.Shop) (resource.Store, error) {
	st, err := h.svc.DescribeStore(r.Context(), sh)
	if err != nil {
		return resource.Store{}, err
	}
	return resource.NewStore(sh, st), nil
}

func (h *Handler) listStores(w http.ResponseWriter, r *http.Request) error {
	shops, err := h.svc.Store.Shops(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.Store, 0, len(shops))
	for _, sh := range shops {
		s, err := h.describeStore(r, sh)
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"stores": out})
	return nil
}

func (h *Handler) shop(r *http.Request) (*store.Shop, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.svc.Store.Shop(r.Context(), id)
}

func (h *Handler) getStore(w http.ResponseWriter, r *http.Request) error {
	sh, err := h.shop(r)
	if err != nil {
		return err
	}
	s, err := h.describeStore(r, sh)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

// storeBody is POST /stores' body.
type storeBody struct {
	Name                   string  `json:"name"`
	BigCommerceAPIPath     string  `json:"bigcommerce_api_path"`
	BigCommerceClientID    string  `json:"bigcommerce_client_id"`
	BigCommerceAccessToken string  `json:"bigcommerce_access_token"`
	BigCommerceBaseURL     string  `json:"bigcommerce_base_url"`
	QuotaShare             float64 `json:"quota_share"`
}

// createStore checks the store's credentials and saves it: 201 for a new store, 200 for one bcsync
// knew at that API path (its credentials are updated).
func (h *Handler) createStore(w http.ResponseWriter, r *http.Request) error {
	var b storeBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(
		resource.Text{Field: "name", Value: b.Name},
		resource.Text{Field: resource.FieldBigCommerceAPIPath, Value: b.BigCommerceAPIPath},
		resource.Text{Field: "bigcommerce_client_id", Value: b.BigCommerceClientID},
		resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: b.BigCommerceAccessToken},
		resource.Text{Field: "bigcommerce_base_url", Value: b.BigCommerceBaseURL},
	); err != nil {
		return err
	}
	if b.QuotaShare < 0 || b.QuotaShare > 1 {
		return badParam("quota_share", "a share between 0 and 1 (0: the server's default)")
	}
	sh, created, err := h.svc.AddStore(r.Context(), shop.Input{Name: b.Name, QuotaShare: b.QuotaShare, BigCommerce: store.BigCommerceCredentials{
		APIPath: b.BigCommerceAPIPath, ClientID: b.BigCommerceClientID, AccessToken: b.BigCommerceAccessToken, BaseURL: b.BigCommerceBaseURL}})
	if err != nil {
		return err
	}
	s, err := h.describeStore(r, sh)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/stores/"+itoa(sh.ID))
	writeJSON(w, status, s)
	return nil
}

// deleteStore stops every sync of the store and deletes them with the store; nothing is changed in the
// store or in Dotdigital.
func (h *Handler) deleteStore(w http.ResponseWriter, r *http.Request) error {
	sh, err := h.shop(r)
	if err != nil {
		return err
	}
	if err := h.svc.RemoveStore(r.Context(), sh.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
