-- +goose Up
-- One store, many syncs. A connection was three things at once: a BigCommerce store, a Dotdigital
-- account and the marketing settings, with everything it did keyed by it. It becomes a store (the
-- credentials, webhooks and quota share), a sync (what runs: schedule, status, runs, calls, state) and
-- the sync's Dotdigital link (the account and the marketing settings). A migrated connection keeps its
-- id as its sync's id and as its store's id, so its URLs, its webhooks' destination, its runs and its
-- state stay where they were.
--
-- The connections table is renamed to syncs rather than copied: SQLite then repoints every foreign key
-- that named it (runs, records, cursors, …) without rebuilding those tables.

CREATE TABLE stores (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    store_hash      TEXT    NOT NULL,
    store_name      TEXT    NOT NULL DEFAULT '',
    store_url       TEXT    NOT NULL DEFAULT '',
    bc_api_path     TEXT    NOT NULL,
    bc_base_url     TEXT    NOT NULL DEFAULT '',
    bc_client_id    TEXT    NOT NULL DEFAULT '',
    bc_access_token TEXT    NOT NULL,              -- sealed
    webhook_secret  TEXT    NOT NULL DEFAULT '',   -- sealed
    webhooks_url    TEXT    NOT NULL DEFAULT '',
    quota_share     REAL    NOT NULL DEFAULT 0,    -- share of the store's API quota; 0: the process's --quota-share
    -- The store's quota as a process last learned it (its share per window), for processes that have
    -- not asked the store yet.
    quota_budget    INTEGER NOT NULL DEFAULT 0,
    quota_window_ms BIGINT  NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL DEFAULT 'ok',
    status_message  TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
INSERT INTO stores (id, name, store_hash, store_name, store_url, bc_api_path, bc_base_url, bc_client_id, bc_access_token,
    webhook_secret, webhooks_url, created_at, updated_at)
SELECT id, name, store_hash, store_name, store_url, bc_api_path, bc_base_url, bc_client_id, bc_access_token,
    webhook_secret, webhooks_url, created_at, updated_at FROM connections;

ALTER TABLE connections RENAME TO syncs;
ALTER TABLE syncs ADD COLUMN kind TEXT NOT NULL DEFAULT 'marketing';
-- SQLite adds a REFERENCES column only with a NULL default; bcsync always sets it.
ALTER TABLE syncs ADD COLUMN store_id BIGINT REFERENCES stores (id) ON DELETE CASCADE;
UPDATE syncs SET store_id = id;
ALTER TABLE syncs ADD COLUMN cron TEXT NOT NULL DEFAULT '';
ALTER TABLE syncs RENAME COLUMN data_sync TO enabled;
ALTER TABLE syncs RENAME COLUMN sync_interval_ms TO interval_ms;
ALTER TABLE syncs RENAME COLUMN next_sync_at TO next_run_at;
ALTER TABLE syncs RENAME COLUMN sync_requested_at TO run_requested_at;
CREATE INDEX syncs_by_store ON syncs (store_id);

-- A store has at most one Dotdigital link: the marketing sync.
CREATE TABLE dotdigital_links (
    sync_id                     INTEGER PRIMARY KEY REFERENCES syncs (id) ON DELETE CASCADE,
    store_id                    BIGINT  NOT NULL UNIQUE REFERENCES stores (id) ON DELETE CASCADE,
    dd_username                 TEXT    NOT NULL,
    dd_password                 TEXT    NOT NULL, -- sealed
    dd_endpoint                 TEXT    NOT NULL DEFAULT '',
    dd_api_endpoint             TEXT    NOT NULL DEFAULT '',
    subscriber_list_id          BIGINT  NOT NULL DEFAULT 0,
    subscriber_list_name        TEXT    NOT NULL DEFAULT '',
    customer_list_id            BIGINT  NOT NULL DEFAULT 0,
    customer_list_name          TEXT    NOT NULL DEFAULT '',
    new_customer_program_id     BIGINT  NOT NULL DEFAULT 0,
    new_customer_program_name   TEXT    NOT NULL DEFAULT '',
    new_subscriber_program_id   BIGINT  NOT NULL DEFAULT 0,
    new_subscriber_program_name TEXT    NOT NULL DEFAULT '',
    abandoned_cart_program_id   BIGINT  NOT NULL DEFAULT 0,
    abandoned_cart_program_name TEXT    NOT NULL DEFAULT '',
    installed_at                BIGINT  NOT NULL
);
INSERT INTO dotdigital_links (sync_id, store_id, dd_username, dd_password, dd_endpoint, dd_api_endpoint,
    subscriber_list_id, subscriber_list_name, customer_list_id, customer_list_name,
    new_customer_program_id, new_customer_program_name, new_subscriber_program_id, new_subscriber_program_name,
    abandoned_cart_program_id, abandoned_cart_program_name, installed_at)
SELECT id, store_id, dd_username, dd_password, dd_endpoint, dd_api_endpoint,
    subscriber_list_id, subscriber_list_name, customer_list_id, customer_list_name,
    new_customer_program_id, new_customer_program_name, new_subscriber_program_id, new_subscriber_program_name,
    abandoned_cart_program_id, abandoned_cart_program_name, installed_at FROM syncs;

ALTER TABLE syncs DROP COLUMN store_hash;
ALTER TABLE syncs DROP COLUMN store_name;
ALTER TABLE syncs DROP COLUMN store_url;
ALTER TABLE syncs DROP COLUMN bc_api_path;
ALTER TABLE syncs DROP COLUMN bc_base_url;
ALTER TABLE syncs DROP COLUMN bc_client_id;
ALTER TABLE syncs DROP COLUMN bc_access_token;
ALTER TABLE syncs DROP COLUMN dd_username;
ALTER TABLE syncs DROP COLUMN dd_password;
ALTER TABLE syncs DROP COLUMN dd_endpoint;
ALTER TABLE syncs DROP COLUMN dd_api_endpoint;
ALTER TABLE syncs DROP COLUMN webhook_secret;
ALTER TABLE syncs DROP COLUMN webhooks_url;
ALTER TABLE syncs DROP COLUMN subscriber_list_id;
ALTER TABLE syncs DROP COLUMN subscriber_list_name;
ALTER TABLE syncs DROP COLUMN customer_list_id;
ALTER TABLE syncs DROP COLUMN customer_list_name;
ALTER TABLE syncs DROP COLUMN new_customer_program_id;
ALTER TABLE syncs DROP COLUMN new_customer_program_name;
ALTER TABLE syncs DROP COLUMN new_subscriber_program_id;
ALTER TABLE syncs DROP COLUMN new_subscriber_program_name;
ALTER TABLE syncs DROP COLUMN abandoned_cart_program_id;
ALTER TABLE syncs DROP COLUMN abandoned_cart_program_name;
ALTER TABLE syncs DROP COLUMN installed_at;

-- Everything a connection did is now keyed by its sync.
ALTER TABLE field_mappings RENAME COLUMN connection_id TO sync_id;
ALTER TABLE stream_cursors RENAME COLUMN connection_id TO sync_id;
ALTER TABLE records RENAME COLUMN connection_id TO sync_id;
ALTER TABLE contacts RENAME COLUMN connection_id TO sync_id;
ALTER TABLE waiting_records RENAME COLUMN connection_id TO sync_id;
ALTER TABLE runs RENAME COLUMN connection_id TO sync_id;
ALTER TABLE rejected_records RENAME COLUMN connection_id TO sync_id;
ALTER TABLE enrolments RENAME COLUMN connection_id TO sync_id;
ALTER TABLE api_calls RENAME COLUMN connection_id TO sync_id;
ALTER TABLE cart_events RENAME COLUMN connection_id TO sync_id;
DROP INDEX runs_by_connection;
CREATE INDEX runs_by_sync ON runs (sync_id, id);
DROP INDEX runs_running;
CREATE INDEX runs_running ON runs (sync_id) WHERE status = 'running';
DROP INDEX rejected_by_connection;
CREATE INDEX rejected_by_sync ON rejected_records (sync_id, id);
DROP INDEX api_calls_by_connection;
CREATE INDEX api_calls_by_sync ON api_calls (sync_id, id);

-- Webhook deliveries come from the store, whichever sync they wake.
CREATE TABLE store_webhook_deliveries (
    store_id    BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    hash        TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, hash)
);
INSERT INTO store_webhook_deliveries (store_id, hash, received_at) SELECT connection_id, hash, received_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE store_webhook_deliveries RENAME TO webhook_deliveries;

-- Requests granted to the processes that talk to a store, so that together they stay inside the
-- store's quota share (PostgreSQL; one SQLite process paces itself).
CREATE TABLE quota_grants (
    store_id   BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    granted_at BIGINT NOT NULL
);
CREATE INDEX quota_grants_by_store ON quota_grants (store_id, granted_at);

-- +goose Down
-- Going back would fold stores with several syncs into one connection and lose what does not fit:
-- restore the backup taken before the upgrade instead (docs/operations.md).
SELECT * FROM "downgrading below version 4 is not supported: restore the backup taken before the upgrade";
