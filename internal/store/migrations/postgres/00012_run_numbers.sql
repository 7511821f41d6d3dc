-- +goose Up
-- Runs are numbered within their sync (1, 2, 3…): a new connection's first run is "Run 1", not the
-- database-wide id. Existing runs are numbered in id order per sync; retention keeps each sync's latest
-- run, so the highest number survives and numbers are never reused.
ALTER TABLE runs ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET number = (SELECT COUNT(*) FROM runs earlier WHERE earlier.sync_id = runs.sync_id AND earlier.id <= runs.id);
CREATE UNIQUE INDEX runs_number ON runs (sync_id, number);

-- +goose Down
DROP INDEX runs_number;
ALTER TABLE runs DROP COLUMN number;
