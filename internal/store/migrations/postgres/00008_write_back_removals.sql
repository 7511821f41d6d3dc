-- +goose Up
-- Whether a marketing sync writes back to the store the unsubscribes and suppressions Dotdigital had
-- before the sync was installed (or its subscriber list changed). Off by default: the store's own
-- consent stands, and such subscribers are only kept out of the list.
ALTER TABLE dotdigital_links ADD COLUMN write_back_removals BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE dotdigital_links DROP COLUMN write_back_removals;
