-- +goose Up
-- Times are unix milliseconds (BIGINT) in both engines, so SQLite and PostgreSQL behave the same.
CREATE TABLE connections (
    id                        BIGSERIAL PRIMARY KEY,
    name                      TEXT    NOT NULL,
    store_hash                TEXT    NOT NULL,
    store_name                TEXT    NOT NULL DEFAULT '',
    store_url                 TEXT    NOT NULL DEFAULT '',
    bc_api_path               TEXT    NOT NULL,
    bc_base_url               TEXT    NOT NULL DEFAULT '',
    bc_client_id              TEXT    NOT NULL DEFAULT '',
    bc_access_token           TEXT    NOT NULL,
    dd_username               TEXT    NOT NULL,
    dd_password               TEXT    NOT NULL,
    dd_endpoint               TEXT    NOT NULL DEFAULT '',
    dd_api_endpoint           TEXT    NOT NULL DEFAULT '',
    webhook_secret            TEXT    NOT NULL DEFAULT '',
    status                    TEXT    NOT NULL DEFAULT 'ok',
    status_message            TEXT    NOT NULL DEFAULT '',
    data_sync                 BOOLEAN NOT NULL DEFAULT TRUE,
    subscriber_list_id        BIGINT  NOT NULL DEFAULT 0,
    subscriber_list_name      TEXT    NOT NULL DEFAULT '',
    customer_list_id          BIGINT  NOT NULL DEFAULT 0,
    customer_list_name        TEXT    NOT NULL DEFAULT '',
    new_customer_program_id   BIGINT  NOT NULL DEFAULT 0,
    new_customer_program_name TEXT    NOT NULL DEFAULT '',
    new_subscriber_program_id BIGINT  NOT NULL DEFAULT 0,
    new_subscriber_program_name TEXT  NOT NULL DEFAULT '',
    abandoned_cart_program_id BIGINT  NOT NULL DEFAULT 0,
    abandoned_cart_program_name TEXT  NOT NULL DEFAULT '',
    sync_interval_ms          BIGINT  NOT NULL DEFAULT 300000,
    next_sync_at              BIGINT,
    sync_requested_at         BIGINT  NOT NULL DEFAULT 0,
    webhooks_url              TEXT    NOT NULL DEFAULT '',
    installed_at              BIGINT  NOT NULL,
    created_at                BIGINT  NOT NULL,
    updated_at                BIGINT  NOT NULL
);

CREATE TABLE field_mappings (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source_field  TEXT   NOT NULL,
    data_field    TEXT   NOT NULL,
    data_field_type TEXT NOT NULL DEFAULT 'String',
    PRIMARY KEY (connection_id, source_field)
);

CREATE TABLE stream_cursors (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    stream        TEXT   NOT NULL,
    cursor        TEXT   NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, stream)
);

-- What was last sent for each source record, so unchanged records are never sent again.
CREATE TABLE records (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    stream        TEXT   NOT NULL,
    key           TEXT   NOT NULL,
    email         TEXT   NOT NULL DEFAULT '',
    fingerprint   TEXT   NOT NULL DEFAULT '',
    amount_e4     BIGINT NOT NULL DEFAULT 0,
    occurred_at   BIGINT NOT NULL DEFAULT 0,
    status        BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, stream, key)
);
CREATE INDEX records_by_email ON records (connection_id, email);

-- Dotdigital contacts known to exist, by lower-cased email.
CREATE TABLE contacts (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    email         TEXT   NOT NULL,
    contact_id    BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, email)
);

-- Insight records that wait for their contact to exist in Dotdigital.
CREATE TABLE waiting_records (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    collection    TEXT   NOT NULL,
    key           TEXT   NOT NULL,
    email         TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    reason        TEXT   NOT NULL DEFAULT '',
    since         BIGINT NOT NULL,
    retried_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, collection, key)
);
CREATE INDEX waiting_records_by_email ON waiting_records (connection_id, email);

CREATE TABLE runs (
    id            BIGSERIAL PRIMARY KEY,
    connection_id BIGINT  NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    triggered_by  TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    BIGINT  NOT NULL,
    finished_at   BIGINT,
    error         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_connection ON runs (connection_id, id);

CREATE TABLE run_streams (
    run_id     BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    stream     TEXT   NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    state      TEXT   NOT NULL DEFAULT 'pending',
    read       BIGINT NOT NULL DEFAULT 0,
    sent       BIGINT NOT NULL DEFAULT 0,
    unchanged  BIGINT NOT NULL DEFAULT 0,
    rejected   BIGINT NOT NULL DEFAULT 0,
    total      BIGINT NOT NULL DEFAULT -1,
    started_at BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, stream)
);

CREATE TABLE rejected_records (
    id            BIGSERIAL PRIMARY KEY,
    connection_id BIGINT  NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    run_id        BIGINT  NOT NULL DEFAULT 0,
    stream        TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL,
    detail        TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL
);
CREATE INDEX rejected_by_connection ON rejected_records (connection_id, id);
CREATE INDEX rejected_by_run ON rejected_records (run_id);

-- Programme enrolments, claimed before the call so that a contact is enrolled at most once.
CREATE TABLE enrolments (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    program_id    BIGINT NOT NULL,
    email         TEXT   NOT NULL,
    subject       TEXT   NOT NULL DEFAULT '',
    reason        TEXT   NOT NULL,
    status        TEXT   NOT NULL DEFAULT 'claimed',
    detail        TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, program_id, email, subject)
);

CREATE TABLE api_calls (
    id               BIGSERIAL PRIMARY KEY,
    connection_id    BIGINT  NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    run_id           BIGINT  NOT NULL DEFAULT 0,
    api              TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    status           INTEGER NOT NULL,
    error            TEXT    NOT NULL DEFAULT '',
    duration_ms      BIGINT  NOT NULL,
    started_at       BIGINT  NOT NULL,
    request_headers  TEXT    NOT NULL DEFAULT '',
    request_body     TEXT    NOT NULL DEFAULT '',
    response_headers TEXT    NOT NULL DEFAULT '',
    response_body    TEXT    NOT NULL DEFAULT '',
    truncated        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_calls_by_connection ON api_calls (connection_id, id);
CREATE INDEX api_calls_by_run ON api_calls (run_id, id);

-- Abandoned carts the store told of (store/cart/abandoned), until the carts stream handles them.
CREATE TABLE cart_events (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    cart_id       TEXT   NOT NULL,
    token         TEXT   NOT NULL DEFAULT '',
    received_at   BIGINT NOT NULL,
    PRIMARY KEY (connection_id, cart_id)
);

CREATE TABLE webhook_deliveries (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    hash          TEXT   NOT NULL,
    received_at   BIGINT NOT NULL,
    PRIMARY KEY (connection_id, hash)
);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE cart_events;
DROP TABLE api_calls;
DROP TABLE enrolments;
DROP TABLE rejected_records;
DROP TABLE run_streams;
DROP TABLE runs;
DROP TABLE waiting_records;
DROP TABLE contacts;
DROP TABLE records;
DROP TABLE stream_cursors;
DROP TABLE field_mappings;
DROP TABLE connections;
