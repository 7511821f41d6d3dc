-- +goose Up
-- Every record a stream reads is accounted for: besides sent, unchanged and rejected, a record may wait
-- (an order whose email is not a contact yet) or be skipped (nothing to send for it), each with its
-- reason (reasons: a JSON object of reason → count). max_rate is how many records a second the store's
-- quota lets the stream read (0: unknown), for the time left of a long read.
ALTER TABLE run_streams ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_streams ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_streams ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
-- A failed run's error is sentences a merchant reads; detail keeps the technical errors behind them.
ALTER TABLE runs ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE run_streams ADD COLUMN max_rate REAL NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE runs DROP COLUMN detail;
ALTER TABLE run_streams DROP COLUMN max_rate;
ALTER TABLE run_streams DROP COLUMN reasons;
ALTER TABLE run_streams DROP COLUMN skipped;
ALTER TABLE run_streams DROP COLUMN waiting;
