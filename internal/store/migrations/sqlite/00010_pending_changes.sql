-- +goose Up
-- Changes a store announced by webhook that no run has read yet: one row per record and stream. A
-- later delivery for the same record bumps version, so a run that read the record before it does not
-- delete the row: the newer change is read again. received_at is the first unread delivery (how far
-- behind the sync is), last_at the latest (a full read that started after it covers it); changed_at
-- is when the store says the first change was made (orders, which cannot be read by id, are read as
-- modified since the oldest of them).
CREATE TABLE pending_changes (
    sync_id     BIGINT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    stream      TEXT   NOT NULL,
    record_id   TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL,
    PRIMARY KEY (sync_id, stream, record_id)
);
CREATE INDEX pending_changes_by_age ON pending_changes (sync_id, received_at);

-- +goose Down
DROP TABLE pending_changes;
