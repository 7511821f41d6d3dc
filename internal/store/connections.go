package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Connection is a store with its Dotdigital link: the marketing sync as it runs and as users see it,
// read from its sync, its store and its link. Its ID is the marketing sync's.
type Connection struct {
	ID          int64 // the marketing sync's
	StoreID     int64
	Name        string
	StoreHash   string
	StoreName   string
	StoreURL    string
	BigCommerce BigCommerceCredentials
	Dotdigital  DotdigitalCredentials
	// WebhookSecret authenticates the store's webhook deliveries (sent back as a custom header).
	WebhookSecret string
	// Status is the worse of the store's and the sync's: either can stop the sync.
	Status        Status
	StatusMessage string
	Settings      Settings
	NextSyncAt    time.Time // zero: not scheduled
	// SyncRequestedAt is when a webhook last asked for a sync: a sync running then misses nothing, as the
	// next one starts at once.
	SyncRequestedAt time.Time
	// WebhooksURL is where the store's webhooks were registered ("" when not).
	WebhooksURL string
	// QuotaShare is the store's share of its API quota (0: the process's default).
	QuotaShare  float64
	InstalledAt time.Time // records first seen after this are "new" (programme enrolment)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DotdigitalCredentials are an API user's. APIEndpoint is the account's regional endpoint and AccountID
// the account's id, both discovered (account-info); AccountID is 0 for links made before bcsync kept it.
type DotdigitalCredentials struct {
	Username    string
	Password    string
	Endpoint    string // optional override of the r1 endpoint (an emulator)
	APIEndpoint string
	AccountID   int64
}

// Settings are what the user chooses for a connection.
type Settings struct {
	DataSync             bool // the sync is enabled
	SubscriberList       Ref
	CustomerList         Ref // ID 0: customers are not synced
	NewCustomerProgram   Ref
	NewSubscriberProgram Ref
	AbandonedCartProgram Ref
	Interval             time.Duration
	// WriteBackRemovals writes to the store the unsubscribes and suppressions Dotdigital had before the
	// sync was installed, where the store's record is older than the removal. Off: they are only kept
	// out of the subscriber list.
	WriteBackRemovals bool
}

// Ref names a Dotdigital list or programme by id, with its name for display.
type Ref struct {
	ID   int64
	Name string
}

const connectionSelect = `SELECT y.id, s.id, y.name, s.store_hash, s.store_name, s.store_url, s.bc_api_path, s.bc_base_url, s.bc_client_id,
	s.bc_access_token, d.dd_username, d.dd_password, d.dd_endpoint, d.dd_api_endpoint, s.webhook_secret,
	y.status, y.status_message, s.status, s.status_message, y.enabled,
	d.subscriber_list_id, d.subscriber_list_name, d.customer_list_id, d.customer_list_name,
	d.new_customer_program_id, d.new_customer_program_name, d.new_subscriber_program_id, d.new_subscriber_program_name,
	d.abandoned_cart_program_id, d.abandoned_cart_program_name, y.interval_ms, y.next_run_at, d.installed_at, y.created_at, y.updated_at,
	y.run_requested_at, s.webhooks_url, s.quota_share, d.write_back_removals, d.dd_account_id
	FROM syncs y JOIN stores s ON s.id = y.store_id JOIN dotdigital_links d ON d.sync_id = y.id`

// CreateConnection links a store (c.StoreID) to a Dotdigital account: it saves the marketing sync and
// its link and sets c.ID and the times. The store's own fields in c are not written (see CreateShop).
func (s *Store) CreateConnection(ctx context.Context, c *Connection) error {
	if c.Settings.Interval <= 0 {
		c.Settings.Interval = DefaultInterval
	}
	if c.Status == "" {
		c.Status = StatusOK
	}
	if c.InstalledAt.IsZero() {
		c.InstalledAt = s.now()
	}
	st := c.Settings
	y := &Sync{Kind: KindMarketing, StoreID: c.StoreID, Name: c.Name, Enabled: st.DataSync, Status: c.Status, StatusMessage: c.StatusMessage,
		Interval: st.Interval, NextRunAt: c.NextSyncAt}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var linked int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM dotdigital_links WHERE store_id = $1`, c.StoreID).Scan(&linked); err != nil {
			return err
		}
		if linked > 0 {
			return fmt.Errorf("store %d has a Dotdigital link already: %w", c.StoreID, ErrExists)
		}
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT d.sync_id FROM dotdigital_links d WHERE `+sameAccount+` LIMIT 1`,
			c.Dotdigital.APIEndpoint, c.Dotdigital.AccountID, c.Dotdigital.Username, c.StoreID).Scan(&other)
		if err == nil {
			return fmt.Errorf("connection %d: %w", other, ErrAccountLinked)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.insertSync(ctx, tx, y); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dotdigital_links (sync_id, store_id, dd_username, dd_password, dd_endpoint, dd_api_endpoint,
			subscriber_list_id, subscriber_list_name, customer_list_id, customer_list_name,
			new_customer_program_id, new_customer_program_name, new_subscriber_program_id, new_subscriber_program_name,
			abandoned_cart_program_id, abandoned_cart_program_name, installed_at, write_back_removals, dd_account_id)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
			y.ID, c.StoreID, c.Dotdigital.Username, s.box.Seal(c.Dotdigital.Password, ctxPassword(y.ID, c.Dotdigital)), c.Dotdigital.Endpoint, c.Dotdigital.APIEndpoint,
			st.SubscriberList.ID, st.SubscriberList.Name, st.CustomerList.ID, st.CustomerList.Name,
			st.NewCustomerProgram.ID, st.NewCustomerProgram.Name, st.NewSubscriberProgram.ID, st.NewSubscriberProgram.Name,
			st.AbandonedCartProgram.ID, st.AbandonedCartProgram.Name, ms(c.InstalledAt), st.WriteBackRemovals, c.Dotdigital.AccountID)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrExists) || errors.Is(err, ErrAccountLinked) {
			return err
		}
		return fmt.Errorf("store: create connection: %w", err)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = y.ID, y.CreatedAt, y.UpdatedAt
	return nil
}

func (s *Store) scanConnection(row rowScanner) (*Connection, error) {
	var c Connection
	var token, password, hookSecret, syncStatus, syncMessage, storeStatus, storeMessage string
	var intervalMS int64
	var next sql.NullInt64
	var installed, created, updated, requested int64
	st := &c.Settings
	err := row.Scan(&c.ID, &c.StoreID, &c.Name, &c.StoreHash, &c.StoreName, &c.StoreURL, &c.BigCommerce.APIPath, &c.BigCommerce.BaseURL,
		&c.BigCommerce.ClientID, &token, &c.Dotdigital.Username, &password, &c.Dotdigital.Endpoint, &c.Dotdigital.APIEndpoint,
		&hookSecret, &syncStatus, &syncMessage, &storeStatus, &storeMessage, &st.DataSync, &st.SubscriberList.ID, &st.SubscriberList.Name,
		&st.CustomerList.ID, &st.CustomerList.Name, &st.NewCustomerProgram.ID, &st.NewCustomerProgram.Name,
		&st.NewSubscriberProgram.ID, &st.NewSubscriberProgram.Name, &st.AbandonedCartProgram.ID, &st.AbandonedCartProgram.Name,
		&intervalMS, &next, &installed, &created, &updated, &requested, &c.WebhooksURL, &c.QuotaShare, &st.WriteBackRemovals, &c.Dotdigital.AccountID)
	if err != nil {
		return nil, err
	}
	c.Status, c.StatusMessage = Status(syncStatus), syncMessage
	if Status(storeStatus) != StatusOK {
		c.Status, c.StatusMessage = Status(storeStatus), storeMessage
	}
	st.Interval = time.Duration(intervalMS) * time.Millisecond
	c.NextSyncAt, c.InstalledAt, c.CreatedAt, c.UpdatedAt = nullMS(next), fromMS(installed), fromMS(created), fromMS(updated)
	c.SyncRequestedAt = fromMS(requested)
	if c.BigCommerce.AccessToken, err = s.box.Open(token, ctxAccessToken(c.StoreID, c.BigCommerce)); err != nil {
		return nil, fmt.Errorf("connection %d access token: %w", c.ID, err)
	}
	if c.Dotdigital.Password, err = s.box.Open(password, ctxPassword(c.ID, c.Dotdigital)); err != nil {
		return nil, fmt.Errorf("connection %d password: %w", c.ID, err)
	}
	if c.WebhookSecret, err = s.box.Open(hookSecret, ctxWebhookSecret(c.StoreID)); err != nil {
		return nil, fmt.Errorf("connection %d webhook secret: %w", c.ID, err)
	}
	return &c, nil
}

// Connection returns one connection by its marketing sync's id, or ErrNotFound.
func (s *Store) Connection(ctx context.Context, id int64) (*Connection, error) {
	c, err := s.scanConnection(s.db.QueryRowContext(ctx, connectionSelect+` WHERE y.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("connection %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: connection %d: %w", id, err)
	}
	return c, nil
}

// ConnectionOfStore returns a store's Dotdigital link, or ErrNotFound.
func (s *Store) ConnectionOfStore(ctx context.Context, storeID int64) (*Connection, error) {
	c, err := s.scanConnection(s.db.QueryRowContext(ctx, connectionSelect+` WHERE s.id = $1`, storeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("a Dotdigital link of store %d: %w", storeID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: connection of store %d: %w", storeID, err)
	}
	return c, nil
}

// sameAccount matches the links ($4: but the store's own) into the Dotdigital account of API endpoint $1,
// id $2 and API user $3. An account is its id at its regional endpoint: ids are only known to be unique
// within one of Dotdigital's regions (and each emulated account is a region of its own), and every API
// user of an account shares them. A link made before bcsync kept the id (0), or an account-info without
// one, is known by its API user instead.
const sameAccount = `d.store_id <> $4 AND d.dd_api_endpoint = $1 AND
	((CAST($2 AS BIGINT) <> 0 AND d.dd_account_id = $2) OR ((d.dd_account_id = 0 OR CAST($2 AS BIGINT) = 0) AND LOWER(d.dd_username) = LOWER(CAST($3 AS TEXT))))`

// ConnectionOfAccount returns the connection of another store than exceptStore that syncs into the
// Dotdigital account dd names (its APIEndpoint, AccountID and Username, see sameAccount), or ErrNotFound.
func (s *Store) ConnectionOfAccount(ctx context.Context, dd DotdigitalCredentials, exceptStore int64) (*Connection, error) {
	c, err := s.scanConnection(s.db.QueryRowContext(ctx, connectionSelect+` WHERE `+sameAccount+` ORDER BY y.id LIMIT 1`,
		dd.APIEndpoint, dd.AccountID, dd.Username, exceptStore))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("a connection of Dotdigital account %d at %s: %w", dd.AccountID, dd.APIEndpoint, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: connection of a Dotdigital account: %w", err)
	}
	return c, nil
}

// Connections returns every connection, oldest first.
func (s *Store) Connections(ctx context.Context) ([]*Connection, error) {
	rows, err := s.db.QueryContext(ctx, connectionSelect+` ORDER BY y.id`)
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
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE dotdigital_links SET subscriber_list_id = $2, subscriber_list_name = $3,
			customer_list_id = $4, customer_list_name = $5, new_customer_program_id = $6, new_customer_program_name = $7,
			new_subscriber_program_id = $8, new_subscriber_program_name = $9, abandoned_cart_program_id = $10,
			abandoned_cart_program_name = $11, write_back_removals = $12 WHERE sync_id = $1`,
			id, st.SubscriberList.ID, st.SubscriberList.Name, st.CustomerList.ID, st.CustomerList.Name,
			st.NewCustomerProgram.ID, st.NewCustomerProgram.Name, st.NewSubscriberProgram.ID, st.NewSubscriberProgram.Name,
			st.AbandonedCartProgram.ID, st.AbandonedCartProgram.Name, st.WriteBackRemovals)
		if err := affectedOne(res, err, "update the settings of", "connection", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE syncs SET enabled = $2, interval_ms = $3, updated_at = $4 WHERE id = $1`,
			id, st.DataSync, st.Interval.Milliseconds(), now)
		return err
	})
}

// UpdateDotdigitalCredentials replaces a link's password (sealed, bound to the link, its API user and
// endpoints) and the account's regional endpoint: new credentials of the same API user, checked by the
// caller.
func (s *Store) UpdateDotdigitalCredentials(ctx context.Context, id int64, creds DotdigitalCredentials) error {
	res, err := s.db.ExecContext(ctx, `UPDATE dotdigital_links SET dd_password = $3, dd_api_endpoint = $4 WHERE sync_id = $1 AND dd_username = $2 AND dd_endpoint = $5`,
		id, creds.Username, s.box.Seal(creds.Password, ctxPassword(id, creds)), creds.APIEndpoint, creds.Endpoint)
	return affectedOne(res, err, "update the Dotdigital credentials of", "connection", id)
}

// UpdateStoreDetails records what the store and the account say about themselves. The password is
// bound to the account's API endpoint, so it is sealed again for the one discovered.
func (s *Store) UpdateStoreDetails(ctx context.Context, id int64, storeName, storeURL, ddAPIEndpoint string) error {
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var dd DotdigitalCredentials
		var sealed string
		err := tx.QueryRowContext(ctx, `SELECT dd_username, dd_endpoint, dd_api_endpoint, dd_password FROM dotdigital_links WHERE sync_id = $1`, id).
			Scan(&dd.Username, &dd.Endpoint, &dd.APIEndpoint, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("connection %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if dd.Password, err = s.box.Open(sealed, ctxPassword(id, dd)); err != nil {
			return fmt.Errorf("connection %d password: %w", id, err)
		}
		dd.APIEndpoint = ddAPIEndpoint
		res, err := tx.ExecContext(ctx, `UPDATE dotdigital_links SET dd_api_endpoint = $2, dd_password = $3 WHERE sync_id = $1`,
			id, ddAPIEndpoint, s.box.Seal(dd.Password, ctxPassword(id, dd)))
		if err := affectedOne(res, err, "update the store details of", "connection", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE stores SET store_name = $2, store_url = $3, updated_at = $4
			WHERE id = (SELECT store_id FROM syncs WHERE id = $1)`, id, storeName, storeURL, now)
		return err
	})
}
