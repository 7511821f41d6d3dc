-- +goose Up
-- Credentials bound to their rows: the values sealed so far are bound to their column only. bcsync
-- seals them again, bound to their row, purpose and endpoint, once, on the first start after this
-- migration (Go code: Store.rebindSecrets), and removes the row below in the same transaction.
CREATE TABLE bcsync_upgrades (
    name TEXT PRIMARY KEY
);
INSERT INTO bcsync_upgrades (name) VALUES ('rebind_secrets');

-- +goose Down
DROP TABLE bcsync_upgrades;
