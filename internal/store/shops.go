package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Shop is a BigCommerce store bcsync talks to: its credentials, its webhooks and its share of the
// store's API quota. Users call it a store (UI, CLI, API); it is a Shop here because Store is this
// package's state database. Credentials are plaintext in memory and sealed in the database. Every sync
// of a store (its Dotdigital link, its warehouse syncs) is removed with it.
type Shop struct {
	ID          int64
	Name        string // given by the user, or the store's own name
	StoreHash   string
	StoreName   string // what the store calls itself (/v2/store)
	StoreURL    string
	BigCommerce BigCommerceCredentials
	// WebhookSecret authenticates the store's webhook deliveries (sent back as a custom header).
	WebhookSecret string
	// WebhooksURL is where the store's webhooks were registered ("" when not).
	WebhooksURL string
	// QuotaShare is the share of the store's API quota bcsync may use; 0: the process's default.
	QuotaShare    float64
	Status        Status // the BigCommerce credentials' health
	StatusMessage string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// BigCommerceCredentials are a store-level API account's.
type BigCommerceCredentials struct {
	APIPath     string
	BaseURL     string // optional override of the API host (an emulator)
	ClientID    string
	AccessToken string
}

const shopColumns = `id, name, store_hash, store_name, store_url, bc_api_path, bc_base_url, bc_client_id, bc_access_token,
	webhook_secret, webhooks_url, quota_share, status, status_message, created_at, updated_at`

// CreateShop saves a new store and sets its ID and times.
func (s *Store) CreateShop(ctx context.Context, sh *Shop) error {
	now := s.now()
	if sh.Status == "" {
		sh.Status = StatusOK
	}
	sh.CreatedAt, sh.UpdatedAt = now, now
	// The credentials are sealed bound to the row, so once its id is known.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO stores (name, store_hash, store_name, store_url, bc_api_path, bc_base_url, bc_client_id,
			bc_access_token, webhook_secret, webhooks_url, quota_share, status, status_message, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,'','',$8,$9,$10,$11,$12,$13) RETURNING id`,
			sh.Name, sh.StoreHash, sh.StoreName, sh.StoreURL, sh.BigCommerce.APIPath, sh.BigCommerce.BaseURL, sh.BigCommerce.ClientID,
			sh.WebhooksURL, sh.QuotaShare, string(sh.Status), sh.StatusMessage, ms(now), ms(now)).Scan(&sh.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE stores SET bc_access_token = $2, webhook_secret = $3 WHERE id = $1`, sh.ID,
			s.box.Seal(sh.BigCommerce.AccessToken, ctxAccessToken(sh.ID, sh.BigCommerce)), s.box.Seal(sh.WebhookSecret, ctxWebhookSecret(sh.ID)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create store: %w", err)
	}
	return nil
}

func (s *Store) scanShop(row rowScanner) (*Shop, error) {
	var sh Shop
	var token, hook, status string
	var created, updated int64
	err := row.Scan(&sh.ID, &sh.Name, &sh.StoreHash, &sh.StoreName, &sh.StoreURL, &sh.BigCommerce.APIPath, &sh.BigCommerce.BaseURL,
		&sh.BigCommerce.ClientID, &token, &hook, &sh.WebhooksURL, &sh.QuotaShare, &status, &sh.StatusMessage, &created, &updated)
	if err != nil {
		return nil, err
	}
	sh.Status, sh.CreatedAt, sh.UpdatedAt = Status(status), fromMS(created), fromMS(updated)
	if sh.BigCommerce.AccessToken, err = s.box.Open(token, ctxAccessToken(sh.ID, sh.BigCommerce)); err != nil {
		return nil, fmt.Errorf("store %d access token: %w", sh.ID, err)
	}
	if sh.WebhookSecret, err = s.box.Open(hook, ctxWebhookSecret(sh.ID)); err != nil {
		return nil, fmt.Errorf("store %d webhook secret: %w", sh.ID, err)
	}
	return &sh, nil
}

// Shop returns one store, or ErrNotFound.
func (s *Store) Shop(ctx context.Context, id int64) (*Shop, error) {
	sh, err := s.scanShop(s.db.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM stores WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: store %d: %w", id, err)
	}
	return sh, nil
}

// ShopByAPIPath returns the store reached through an API path (and base URL), or ErrNotFound.
func (s *Store) ShopByAPIPath(ctx context.Context, apiPath, baseURL string) (*Shop, error) {
	shops, err := s.queryShops(ctx, `SELECT `+shopColumns+` FROM stores WHERE bc_api_path = $1 AND bc_base_url = $2 ORDER BY id LIMIT 1`, apiPath, baseURL)
	if err != nil {
		return nil, err
	}
	if len(shops) == 0 {
		return nil, fmt.Errorf("store at %s: %w", apiPath, ErrNotFound)
	}
	return shops[0], nil
}

// Shops returns every store, oldest first.
func (s *Store) Shops(ctx context.Context) ([]*Shop, error) {
	return s.queryShops(ctx, `SELECT `+shopColumns+` FROM stores ORDER BY id`)
}

func (s *Store) queryShops(ctx context.Context, q string, args ...any) ([]*Shop, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stores: %w", err)
	}
	defer rows.Close()
	var out []*Shop
	for rows.Next() {
		sh, err := s.scanShop(rows)
		if err != nil {
			return nil, fmt.Errorf("store: stores: %w", err)
		}
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: stores: %w", err)
	}
	return out, nil
}

// UpdateShop saves what can change of a store: its name, credentials, what it says of itself and its
// quota share.
func (s *Store) UpdateShop(ctx context.Context, sh *Shop) error {
	sh.UpdatedAt = s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE stores SET name = $2, store_name = $3, store_url = $4, bc_api_path = $5, bc_base_url = $6,
		bc_client_id = $7, bc_access_token = $8, quota_share = $9, updated_at = $10 WHERE id = $1`,
		sh.ID, sh.Name, sh.StoreName, sh.StoreURL, sh.BigCommerce.APIPath, sh.BigCommerce.BaseURL, sh.BigCommerce.ClientID,
		s.box.Seal(sh.BigCommerce.AccessToken, ctxAccessToken(sh.ID, sh.BigCommerce)), sh.QuotaShare, ms(sh.UpdatedAt))
	return affectedOne(res, err, "update", "store", sh.ID)
}

// SetShopStatus records the health of a store's credentials.
func (s *Store) SetShopStatus(ctx context.Context, id int64, status Status, message string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE stores SET status = $2, status_message = $3, updated_at = $4 WHERE id = $1`,
		id, string(status), message, ms(s.now()))
	return affectedOne(res, err, "set the status of", "store", id)
}

// SetWebhooksURL records where a store's webhooks were registered.
func (s *Store) SetWebhooksURL(ctx context.Context, storeID int64, url string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE stores SET webhooks_url = $2 WHERE id = $1`, storeID, url)
	return affectedOne(res, err, "record the webhooks of", "store", storeID)
}

// DeleteShop deletes a store with its credentials and every sync of it, with all their state.
func (s *Store) DeleteShop(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM stores WHERE id = $1`, id)
	return affectedOne(res, err, "delete", "store", id)
}
