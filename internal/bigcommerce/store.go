package bigcommerce

import (
	"context"
	"net/http"
)

// Store is what GET /v2/store says of the store.
type Store struct {
	ID        string `json:"id"` // the store hash
	Name      string `json:"name"`
	Domain    string `json:"domain"`
	SecureURL string `json:"secure_url"`
	Status    string `json:"status"`
	Currency  string `json:"currency"`
	PlanName  string `json:"plan_name"`
	PlanLevel string `json:"plan_level"`
	Timezone  struct {
		Name          string `json:"name"`
		RawOffset     int    `json:"raw_offset"` // seconds
		DSTOffset     int    `json:"dst_offset"`
		DSTCorrection bool   `json:"dst_correction"`
	} `json:"timezone"`
	AdminEmail string `json:"admin_email"`
	StoreID    int    `json:"store_id"` // the numeric id webhook callbacks carry as store_id
}

// Store reads the store's information. It is the connection check: a wrong token fails with
// ErrUnauthorized, a wrong store hash with ErrStoreNotFound, a token without the store-information
// scope with ErrForbidden.
func (c *Client) Store(ctx context.Context) (*Store, error) {
	var s Store
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v2/store"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
