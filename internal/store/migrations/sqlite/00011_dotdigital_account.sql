-- +goose Up
-- The Dotdigital account a link syncs into, as account-info names it (its id; the account is the id at
-- its regional API endpoint). One account takes one store's orders and products: two stores' Insight
-- records would share keys. 0 for links made before this was recorded, known by their API user.
ALTER TABLE dotdigital_links ADD COLUMN dd_account_id BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX dotdigital_links_account ON dotdigital_links (dd_api_endpoint, dd_account_id) WHERE dd_account_id <> 0;

-- +goose Down
DROP INDEX dotdigital_links_account;
ALTER TABLE dotdigital_links DROP COLUMN dd_account_id;
