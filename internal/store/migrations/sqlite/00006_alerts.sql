-- +goose Up
-- Alerts. A channel is where notifications go (Slack, PagerDuty, SMS, email, a signed webhook), its
-- configuration sealed as a whole since most of it is secret. A rule says which syncs' conditions a
-- channel hears of, with its thresholds. alert_states keeps, per rule, sync and condition, what is
-- true now and what the channel was last told: a notification is sent only when the two differ, once.
-- alert_deliveries is every notification, queued, sent or failed: the history the UI shows.

CREATE TABLE alert_channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT   NOT NULL UNIQUE,
    type       TEXT   NOT NULL,
    config     TEXT   NOT NULL,            -- sealed JSON of the whole configuration
    target     TEXT   NOT NULL DEFAULT '', -- where it goes, without secrets: a host, a number, addresses
    created_at BIGINT NOT NULL
);

CREATE TABLE alert_rules (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id        BIGINT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    sync_id           BIGINT REFERENCES syncs (id) ON DELETE CASCADE, -- NULL: every sync
    conditions        TEXT   NOT NULL,                                -- comma-separated
    rejected_warning  REAL   NOT NULL,
    rejected_critical REAL   NOT NULL,
    slow_factor       REAL   NOT NULL,
    stale_intervals   REAL   NOT NULL,
    quiet_ms          BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX alert_rules_by_channel ON alert_rules (channel_id);
CREATE INDEX alert_rules_by_sync ON alert_rules (sync_id);

CREATE TABLE alert_states (
    rule_id           BIGINT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    sync_id           BIGINT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    condition         TEXT   NOT NULL,
    severity          TEXT   NOT NULL DEFAULT '', -- true now: warning or critical; '' when not
    since             BIGINT NOT NULL DEFAULT 0,  -- when it became what it is
    message           TEXT   NOT NULL DEFAULT '', -- JSON of the notification that says it
    notified_severity TEXT   NOT NULL DEFAULT '', -- what the channel was last told ('' nothing, or resolved)
    notified_at       BIGINT NOT NULL DEFAULT 0,
    version           BIGINT NOT NULL DEFAULT 0,  -- moves with each notification: one sender wins
    PRIMARY KEY (rule_id, sync_id, condition)
);
CREATE INDEX alert_states_by_sync ON alert_states (sync_id);

CREATE TABLE alert_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id   BIGINT REFERENCES alert_channels (id) ON DELETE SET NULL, -- NULL once removed: the history stays
    channel_name TEXT    NOT NULL,
    channel_type TEXT    NOT NULL,
    rule_id      BIGINT  NOT NULL DEFAULT 0,                             -- 0: a test
    sync_id      BIGINT  REFERENCES syncs (id) ON DELETE CASCADE,        -- NULL: a test
    state        TEXT    NOT NULL,                                       -- triggered, resolved, test
    condition    TEXT    NOT NULL DEFAULT '',
    severity     TEXT    NOT NULL DEFAULT '',
    message      TEXT    NOT NULL,                                       -- JSON of what is said, as sent
    status       TEXT    NOT NULL,                                       -- queued, retrying, sent, failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    last_call    TEXT    NOT NULL DEFAULT '',                            -- JSON of the last attempt, redacted
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    sent_at      BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX alert_deliveries_by_sync ON alert_deliveries (sync_id, id);
CREATE INDEX alert_deliveries_by_created ON alert_deliveries (created_at);

-- +goose Down
DROP TABLE alert_deliveries;
DROP TABLE alert_states;
DROP TABLE alert_rules;
DROP TABLE alert_channels;
