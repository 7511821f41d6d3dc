-- +goose Up
-- Who may use the web UI and the JSON API. Session cookies and API tokens are stored only as their
-- SHA-256 digests: a copy of the database signs no one in.
CREATE TABLE admins (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE, -- lower case
    password_hash TEXT   NOT NULL,        -- bcrypt
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    admin_id     BIGINT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    user_agent   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    admin_id     BIGINT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    hint         TEXT   NOT NULL, -- the token's first characters, to tell tokens apart
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE admins;
