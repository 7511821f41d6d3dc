-- +goose Up
-- Credentials bound to their rows: the values sealed so far are bound to their column only. bcsync
-- seals them again, bound to their row, purpose and endpoint, once, on the first start after this
-- migration (Go code: Store.rebindSecrets), and removes the row below in the same transaction.
CREATE TABLE bcsync_upgrades (
    name TEXT PRIMARY KEY
);
INSERT INTO bcsync_upgrades (name) VALUES ('rebind_secrets');

-- Enrolments become a queue that survives restarts: queued, then taken a chunk at a time ("sending",
-- with the time it was taken), then enrolled or failed. Dotdigital allows about 20 enrolment calls an
-- hour, so the queue may wait for hours. Claims of older releases ("claimed": a crash lost them;
-- "unknown": an unclear answer) become "sending" since they were claimed, and are resolved by asking
-- Dotdigital which were enrolled.
ALTER TABLE enrolments ADD COLUMN contact_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN sent_at BIGINT NOT NULL DEFAULT 0;
UPDATE enrolments SET status = 'sending', sent_at = created_at WHERE status IN ('claimed', 'unknown');
CREATE INDEX enrolments_waiting ON enrolments (sync_id, status, created_at);

-- What Dotdigital refused (or bcsync found invalid), with the fingerprint it was refused in: unchanged,
-- such a record is neither sent nor logged again, and runs count it as still rejected. A refusal older
-- than the record's last accepted state (records.updated_at) no longer applies.
CREATE TABLE refused_records (
    sync_id     BIGINT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    stream      TEXT   NOT NULL,
    key         TEXT   NOT NULL,
    email       TEXT   NOT NULL DEFAULT '',
    fingerprint TEXT   NOT NULL DEFAULT '',
    status      BIGINT NOT NULL DEFAULT 0,
    reason      TEXT   NOT NULL,
    refused_at  BIGINT NOT NULL,
    PRIMARY KEY (sync_id, stream, key)
);
ALTER TABLE run_streams ADD COLUMN still_rejected BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE run_streams DROP COLUMN still_rejected;
DROP TABLE refused_records;
DROP INDEX enrolments_waiting;
ALTER TABLE enrolments DROP COLUMN sent_at;
ALTER TABLE enrolments DROP COLUMN contact_id;
DROP TABLE bcsync_upgrades;
