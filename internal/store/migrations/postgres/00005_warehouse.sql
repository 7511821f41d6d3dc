-- +goose Up
-- The warehouse half: sources (where models are read), models (a query and its primary key) and the
-- warehouse syncs of a store, with their latest plan. A row's state (what was last sent for its
-- primary key) is kept in records like the marketing streams' records, with the BigCommerce id it was
-- matched to and how many attempts in a row failed.

CREATE TABLE warehouse_sources (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT    NOT NULL,
    engine         TEXT    NOT NULL,              -- postgres, mysql, sqlite, csv
    url            TEXT    NOT NULL,              -- sealed: it may hold a password
    display_url    TEXT    NOT NULL,              -- the URL with its secrets hidden
    status         TEXT    NOT NULL DEFAULT 'untested', -- untested, ok, failing
    status_message TEXT    NOT NULL DEFAULT '',
    tested_at      BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);

CREATE TABLE warehouse_models (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL,
    source_id   BIGINT  NOT NULL REFERENCES warehouse_sources (id) ON DELETE RESTRICT,
    query       TEXT    NOT NULL DEFAULT '',
    table_name  TEXT    NOT NULL DEFAULT '',
    primary_key TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX warehouse_models_by_source ON warehouse_models (source_id);

CREATE TABLE warehouse_syncs (
    sync_id            BIGINT  PRIMARY KEY REFERENCES syncs (id) ON DELETE CASCADE,
    model_id           BIGINT  NOT NULL REFERENCES warehouse_models (id) ON DELETE RESTRICT,
    object             TEXT    NOT NULL,          -- customers, orders
    mode               TEXT    NOT NULL,          -- insert, update, upsert
    match_column       TEXT    NOT NULL DEFAULT '',
    match_field        TEXT    NOT NULL DEFAULT '',
    mappings           TEXT    NOT NULL DEFAULT '[]', -- JSON
    delete_behavior    TEXT    NOT NULL DEFAULT 'nothing', -- nothing, clear, delete
    guard_remove_share DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    guard_count_share  DOUBLE PRECISION NOT NULL DEFAULT 0.25,
    -- What the mapping needs to know of the store (attributes, form fields, order statuses), as last
    -- read, so that a run with nothing to send reads nothing from the store.
    store_fields       TEXT    NOT NULL DEFAULT '',
    store_fields_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX warehouse_syncs_by_model ON warehouse_syncs (model_id);

-- A sync's latest plan: what a run would do (or did, or waits for approval to do).
CREATE TABLE warehouse_plans (
    sync_id    BIGINT  PRIMARY KEY REFERENCES syncs (id) ON DELETE CASCADE,
    run_id     BIGINT  NOT NULL DEFAULT 0,
    state      TEXT    NOT NULL,              -- planned, blocked, approved, discarded, done
    digest     TEXT    NOT NULL,              -- of every operation: approval runs exactly this plan
    body       TEXT    NOT NULL,              -- JSON: counts, samples, the guard's reason
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

ALTER TABLE records ADD COLUMN target_id TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rejected_records ADD COLUMN request TEXT NOT NULL DEFAULT '';
ALTER TABLE rejected_records ADD COLUMN response TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE rejected_records DROP COLUMN response;
ALTER TABLE rejected_records DROP COLUMN request;
ALTER TABLE records DROP COLUMN attempts;
ALTER TABLE records DROP COLUMN target_id;
DROP TABLE warehouse_plans;
DROP TABLE warehouse_syncs;
DROP TABLE warehouse_models;
DROP TABLE warehouse_sources;
