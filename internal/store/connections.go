package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DefaultInterval is the time between the end of one sync and the start of the next.
const DefaultInterval = 5 * time.Minute

// Connection is one BigCommerce store paired with one Dotdigital account, with its settings.
// Credentials are plaintext in memory and sealed in the database.
type Connection struct {
	ID          int64
	Name        string
	StoreHash   string
	StoreName   string
	StoreURL    string
	BigCommerce BigCommerceCredentials
	Dotdigital  DotdigitalCredentials
	// WebhookSecret authenticates the store's webhook deliveries (sent back as a custom header).
	WebhookSecret string
	Status        Status
	StatusMessage string
	Settings      Settings
	NextSyncAt    time.Time // zero: not scheduled
	// SyncRequestedAt is when a webhook last asked for a sync: a sync running then misses nothing, as the
	// next one starts at once.
	SyncRequestedAt time.Time
	// WebhooksURL is where the store's webhooks for this connection were registered ("" when not).
	WebhooksURL string
	InstalledAt time.Time // records first seen after this are "new" (programme enrolment)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// BigCommerceCredentials are a store-level API account's.
type BigCommerceCredentials struct {
	APIPath     string
	BaseURL     string // optional override of the API host (an emulator)
	ClientID    string
	AccessToken string
}

// DotdigitalCredentials are an API user's. APIEndpoint is the account's regional endpoint, discovered.
type DotdigitalCredentials struct {
	Username    string
	Password    string
	Endpoint    string // optional override of the r1 endpoint (an emulator)
	APIEndpoint string
}

// Status is a connection's health.
type Status string

const (
	StatusOK Status = "ok"
	// StatusNeedsAttention means syncing stopped for a reason only the user can fix (revoked credentials).
	StatusNeedsAttention Status = "needs_attention"
)

// Settings are what the user chooses for a connection.
type Settings struct {
	DataSync             bool
	SubscriberList       Ref
	CustomerList         Ref // ID 0: customers are not synced
	NewCustomerProgram   Ref
	NewSubscriberProgram Ref
	AbandonedCartProgram Ref
	Interval             time.Duration
}

// Ref names a Dotdigital list or programme by id, with its name for display.
type Ref struct {
	ID   int64
	Name string
}

const connectionColumns = `id, name, store_hash, store_name, store_url, bc_api_path, bc_base_url, bc_client_id, bc_access_token,
	dd_username, dd_password, dd_endpoint, dd_api_endpoint, webhook_secret, status, status_message, data_sync,
	subscriber_list_id, subscriber_list_name, customer_list_id, customer_list_name,
	new_customer_program_id, new_customer_program_name, new_subscriber_program_id, new_subscriber_program_name,
	abandoned_cart_program_id, abandoned_cart_program_name, sync_interval_ms, next_sync_at, installed_at, created_at, updated_at,
	sync_requested_at, webhooks_url`

// Secret contexts bind each ciphertext to its column.
const (
	ctxAccessToken   = "connections.bc_access_token"
	ctxPassword      = "connections.dd_password"
	ctxWebhookSecret = "connections.webhook_secret"
)

// CreateConnection saves a new connection and sets its ID and times.
func (s *Store) CreateConnection(ctx context.Context, c *Connection) error {
	now := s.now()
	if c.Settings.Interval <= 0 {
		c.Settings.Interval = DefaultInterval
	}
	if c.Status == "" {
		c.Status = StatusOK
	}
	if c.InstalledAt.IsZero() {
		c.InstalledAt = now
	}
	c.CreatedAt, c.UpdatedAt = now, now
	var next sql.NullInt64
	if !c.NextSyncAt.IsZero() {
		next = sql.NullInt64{Int64: ms(c.NextSyncAt), Valid: true}
	}
	st := c.Settings
	err := s.db.QueryRowContext(ctx, `INSERT INTO connections (name, store_hash, store_name, store_url, bc_api_path, bc_base_url,
		bc_client_id, bc_access_token, dd_username, dd_password, dd_endpoint, dd_api_endpoint, webhook_secret, status, status_message,
		data_sync, subscriber_list_id, subscriber_list_name, customer_list_id, customer_list_name,
		new_customer_program_id, new_customer_program_name, new_subscriber_program_id, new_subscriber_program_name,
		abandoned_cart_program_id, abandoned_cart_program_name, sync_interval_ms, next_sync_at, installed_at, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31)
		RETURNING id`,
		c.Name, c.StoreHash, c.StoreName, c.StoreURL, c.BigCommerce.APIPath, c.BigCommerce.BaseURL, c.BigCommerce.ClientID,
		s.box.Seal(c.BigCommerce.AccessToken, ctxAccessToken), c.Dotdigital.Username, s.box.Seal(c.Dotdigital.Password, ctxPassword),
		c.Dotdigital.Endpoint, c.Dotdigital.APIEndpoint, s.box.Seal(c.WebhookSecret, ctxWebhookSecret), string(c.Status), c.StatusMessage,
		st.DataSync, st.SubscriberList.ID, st.SubscriberList.Name, st.CustomerList.ID, st.CustomerList.Name,
		st.NewCustomerProgram.ID, st.NewCustomerProgram.Name, st.NewSubscriberProgram.ID, st.NewSubscriberProgram.Name,
		st.AbandonedCartProgram.ID, st.AbandonedCartProgram.Name, st.Interval.Milliseconds(), next,
		ms(c.InstalledAt), ms(now), ms(now),
	).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	return nil
}

type rowScanner interface{ Scan(...any) error }

func (s *Store) scanConnection(row rowScanner) (*Connection, error) {
	var c Connection
	var token, password, hookSecret, status string
	var intervalMS int64
	var next sql.NullInt64
	var installed, created, updated, requested int64
	st := &c.Settings
	err := row.Scan(&c.ID, &c.Name, &c.StoreHash, &c.StoreName, &c.StoreURL, &c.BigCommerce.APIPath, &c.BigCommerce.BaseURL,
		&c.BigCommerce.ClientID, &token, &c.Dotdigital.Username, &password, &c.Dotdigital.Endpoint, &c.Dotdigital.APIEndpoint,
		&hookSecret, &status, &c.StatusMessage, &st.DataSync, &st.SubscriberList.ID, &st.SubscriberList.Name,
		&st.CustomerList.ID, &st.CustomerList.Name, &st.NewCustomerProgram.ID, &st.NewCustomerProgram.Name,
		&st.NewSubscriberProgram.ID, &st.NewSubscriberProgram.Name, &st.AbandonedCartProgram.ID, &st.AbandonedCartProgram.Name,
		&intervalMS, &next, &installed, &created, &updated, &requested, &c.WebhooksURL)
	if err != nil {
		return nil, err
	}
	c.Status = Status(status)
	st.Interval = time.Duration(intervalMS) * time.Millisecond
	c.NextSyncAt, c.InstalledAt, c.CreatedAt, c.UpdatedAt = nullMS(next), fromMS(installed), fromMS(created), fromMS(updated)
	c.SyncRequestedAt = fromMS(requested)
	if c.BigCommerce.AccessToken, err = s.box.Open(token, ctxAccessToken); err != nil {
		return nil, fmt.Errorf("connection %d access token: %w", c.ID, err)
	}
	if c.Dotdigital.Password, err = s.box.Open(password, ctxPassword); err != nil {
		return nil, fmt.Errorf("connection %d password: %w", c.ID, err)
	}
	if c.WebhookSecret, err = s.box.Open(hookSecret, ctxWebhookSecret); err != nil {
		return nil, fmt.Errorf("connection %d webhook secret: %w", c.ID, err)
	}
	return &c, nil
}

// Connection returns one connection, or ErrNotFound.
func (s *Store) Connection(ctx context.Context, id int64) (*Connection, error) {
	c, err := s.scanConnection(s.db.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("connection %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: connection %d: %w", id, err)
	}
	return c, nil
}

// Connections returns every connection, oldest first.
func (s *Store) Connections(ctx context.Context) ([]*Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: connections: %w", err)
	}
	defer rows.Close()
	var out []*Connection
	for rows.Next() {
		c, err := s.scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: connections: %w", err)
	}
	return out, nil
}

// UpdateSettings replaces a connection's settings.
func (s *Store) UpdateSettings(ctx context.Context, id int64, st Settings) error {
	if st.Interval <= 0 {
		st.Interval = DefaultInterval
	}
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET data_sync = $2, subscriber_list_id = $3, subscriber_list_name = $4,
		customer_list_id = $5, customer_list_name = $6, new_customer_program_id = $7, new_customer_program_name = $8,
		new_subscriber_program_id = $9, new_subscriber_program_name = $10, abandoned_cart_program_id = $11,
		abandoned_cart_program_name = $12, sync_interval_ms = $13, updated_at = $14 WHERE id = $1`,
		id, st.DataSync, st.SubscriberList.ID, st.SubscriberList.Name, st.CustomerList.ID, st.CustomerList.Name,
		st.NewCustomerProgram.ID, st.NewCustomerProgram.Name, st.NewSubscriberProgram.ID, st.NewSubscriberProgram.Name,
		st.AbandonedCartProgram.ID, st.AbandonedCartProgram.Name, st.Interval.Milliseconds(), ms(s.now()))
	return affectedOne(res, err, "update settings of connection", id)
}

// UpdateStoreDetails records what the store and the account say about themselves.
func (s *Store) UpdateStoreDetails(ctx context.Context, id int64, storeName, storeURL, ddAPIEndpoint string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET store_name = $2, store_url = $3, dd_api_endpoint = $4, updated_at = $5 WHERE id = $1`,
		id, storeName, storeURL, ddAPIEndpoint, ms(s.now()))
	return affectedOne(res, err, "update store details of connection", id)
}

// SetStatus records a connection's health.
func (s *Store) SetStatus(ctx context.Context, id int64, status Status, message string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET status = $2, status_message = $3, updated_at = $4 WHERE id = $1`,
		id, string(status), message, ms(s.now()))
	return affectedOne(res, err, "set status of connection", id)
}

// SetNextSyncAt schedules a connection's next sync; the zero time unschedules it.
func (s *Store) SetNextSyncAt(ctx context.Context, id int64, at time.Time) error {
	var next sql.NullInt64
	if !at.IsZero() {
		next = sql.NullInt64{Int64: ms(at), Valid: true}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET next_sync_at = $2 WHERE id = $1`, id, next)
	return affectedOne(res, err, "schedule connection", id)
}

// RequestSync records that a webhook asked for a sync now, and makes the connection due: should a sync
// be running (or ending), its worker sees the request when it ends and the dispatcher starts the next.
func (s *Store) RequestSync(ctx context.Context, id int64) error {
	now := ms(s.now())
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET sync_requested_at = $2, next_sync_at = $2 WHERE id = $1`, id, now)
	return affectedOne(res, err, "request a sync of connection", id)
}

// SetWebhooksURL records where the store's webhooks were registered.
func (s *Store) SetWebhooksURL(ctx context.Context, id int64, url string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET webhooks_url = $2 WHERE id = $1`, id, url)
	return affectedOne(res, err, "record the webhooks of connection", id)
}

// DueConnections returns the ids of connections with data sync on whose next sync is due at now.
func (s *Store) DueConnections(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM connections
		WHERE data_sync = $1 AND status = $2 AND next_sync_at IS NOT NULL AND next_sync_at <= $3 ORDER BY next_sync_at`,
		true, string(StatusOK), ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: due connections: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: due connections: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteConnection deletes a connection with all its state and credentials.
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM connections WHERE id = $1`, id)
	return affectedOne(res, err, "delete connection", id)
}

func affectedOne(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("store: %s %d: %w", what, id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("connection %d: %w", id, ErrNotFound)
	}
	return nil
}
