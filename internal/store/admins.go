package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Admin is an account that may use the web UI and the JSON API.
type Admin struct {
	ID           int64
	Username     string
	PasswordHash string
	CreatedAt    time.Time
}

// Session is a signed-in browser, known by the digest of its cookie.
type Session struct {
	TokenHash string
	AdminID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UserAgent string
}

// APIToken is a bearer token of the JSON API, known by its digest.
type APIToken struct {
	ID         int64
	AdminID    int64
	Name       string
	TokenHash  string
	Hint       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// CreateAdmin adds an account; ErrExists when the name is taken (names are compared in lower case).
func (s *Store) CreateAdmin(ctx context.Context, username, passwordHash string) (*Admin, error) {
	a := &Admin{Username: strings.ToLower(strings.TrimSpace(username)), PasswordHash: passwordHash, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins WHERE username = $1`, a.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		return tx.QueryRowContext(ctx, `INSERT INTO admins (username, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
			a.Username, a.PasswordHash, ms(a.CreatedAt)).Scan(&a.ID)
	})
	if err != nil {
		if errors.Is(err, ErrExists) {
			return nil, fmt.Errorf("admin %q: %w", a.Username, ErrExists)
		}
		return nil, fmt.Errorf("store: create admin: %w", err)
	}
	return a, nil
}

// SetAdminPassword replaces an account's password and signs it out everywhere.
func (s *Store) SetAdminPassword(ctx context.Context, id int64, passwordHash string) error {
	_, err := s.ReplaceAdminPassword(ctx, id, passwordHash, false)
	return err
}

// ReplaceAdminPassword replaces an account's password and signs it out everywhere; with revokeTokens it
// also revokes the account's API tokens, in the same transaction. It returns how many tokens it revoked.
func (s *Store) ReplaceAdminPassword(ctx context.Context, id int64, passwordHash string, revokeTokens bool) (revoked int64, err error) {
	return revoked, s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE admins SET password_hash = $1 WHERE id = $2`, passwordHash, id)
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE admin_id = $1`, id); err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		if revokeTokens {
			res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE admin_id = $1`, id)
			if err != nil {
				return fmt.Errorf("store: set password: revoke tokens: %w", err)
			}
			revoked, _ = res.RowsAffected()
		}
		return nil
	})
}

// CountAdmins says how many accounts exist.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count admins: %w", err)
	}
	return n, nil
}

// AdminByUsername finds an account by name, ignoring case.
func (s *Store) AdminByUsername(ctx context.Context, username string) (*Admin, error) {
	return s.scanAdmin(s.db.QueryRowContext(ctx, `SELECT id, username, password_hash, created_at FROM admins WHERE username = $1`,
		strings.ToLower(strings.TrimSpace(username))))
}

func (s *Store) scanAdmin(row rowScanner) (*Admin, error) {
	var a Admin
	var created int64
	if err := row.Scan(&a.ID, &a.Username, &a.PasswordHash, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("store: admin: %w", err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// CreateSession saves a signed-in session and forgets expired ones.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(s.now())); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, admin_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)`,
			se.TokenHash, se.AdminID, ms(se.CreatedAt), ms(se.ExpiresAt), se.UserAgent); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionAdmin returns the account of a session that has not expired; ErrNotFound otherwise.
func (s *Store) SessionAdmin(ctx context.Context, tokenHash string) (*Admin, error) {
	return s.scanAdmin(s.db.QueryRowContext(ctx, `SELECT a.id, a.username, a.password_hash, a.created_at
		FROM sessions se JOIN admins a ON a.id = se.admin_id WHERE se.token_hash = $1 AND se.expires_at > $2`, tokenHash, ms(s.now())))
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// CreateAPIToken saves a token (its digest) for an account.
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	t.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	if err := s.db.QueryRowContext(ctx, `INSERT INTO api_tokens (admin_id, name, token_hash, hint, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.AdminID, t.Name, t.TokenHash, t.Hint, ms(t.CreatedAt)).Scan(&t.ID); err != nil {
		return fmt.Errorf("store: create api token: %w", err)
	}
	return nil
}

// APITokenAdmin returns the account a token belongs to and notes the token's use.
func (s *Store) APITokenAdmin(ctx context.Context, tokenHash string) (*Admin, error) {
	a, err := s.scanAdmin(s.db.QueryRowContext(ctx, `SELECT a.id, a.username, a.password_hash, a.created_at
		FROM api_tokens t JOIN admins a ON a.id = t.admin_id WHERE t.token_hash = $1`, tokenHash))
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2`, ms(s.now()), tokenHash); err != nil {
		return nil, fmt.Errorf("store: api token: %w", err)
	}
	return a, nil
}

// APITokens lists an account's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, adminID int64) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, admin_id, name, token_hash, hint, created_at, last_used_at FROM api_tokens
		WHERE admin_id = $1 ORDER BY id DESC`, adminID)
	if err != nil {
		return nil, fmt.Errorf("store: api tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created, used int64
		if err := rows.Scan(&t.ID, &t.AdminID, &t.Name, &t.TokenHash, &t.Hint, &created, &used); err != nil {
			return nil, fmt.Errorf("store: api tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt = fromMS(created), fromMS(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes one of an account's tokens.
func (s *Store) DeleteAPIToken(ctx context.Context, adminID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE admin_id = $1 AND id = $2`, adminID, id)
	if err != nil {
		return fmt.Errorf("store: delete api token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
