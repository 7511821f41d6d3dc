-- +goose Up
-- Every delivery prunes the deliveries older than the deduplication window: without an index by age the
-- prune scanned a store's whole hour of deliveries inside each delivery's transaction, so a busy store's
-- deliveries slowed as the hour filled, and BigCommerce's queue of them grew.
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (store_id, received_at);

-- +goose Down
DROP INDEX webhook_deliveries_by_age;
