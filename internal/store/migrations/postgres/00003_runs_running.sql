-- +goose Up
-- The running run of a connection, found without walking its history (the UI asks for it on every
-- page of a connection).
CREATE INDEX runs_running ON runs (connection_id) WHERE status = 'running';

-- +goose Down
DROP INDEX runs_running;
