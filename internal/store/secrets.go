package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/secret"
)

// Every sealed value is bound (AES-GCM additional data) to its table, its row and its purpose, and a
// credential also to where it is sent: a ciphertext copied into another row does not open there, and
// a password whose endpoint was changed in the database without the key does not open at all. Who can
// write the database but lacks the key can break a connection, not redirect its credentials.

// bound names what a sealed value protects: "table/id/purpose", then "name=value" lines for the columns
// it is bound to.
func bound(table string, id int64, purpose string, with ...string) string {
	var b strings.Builder
	b.WriteString(table + "/" + strconv.FormatInt(id, 10) + "/" + purpose)
	for i := 0; i+1 < len(with); i += 2 {
		b.WriteString("\n" + with[i] + "=" + with[i+1])
	}
	return b.String()
}

func ctxAccessToken(storeID int64, c BigCommerceCredentials) string {
	return bound("stores", storeID, "bc_access_token", "bc_api_path", c.APIPath, "bc_base_url", c.BaseURL, "bc_client_id", c.ClientID)
}

func ctxWebhookSecret(storeID int64) string { return bound("stores", storeID, "webhook_secret") }

func ctxPassword(syncID int64, c DotdigitalCredentials) string {
	return bound("dotdigital_links", syncID, "dd_password", "dd_username", c.Username, "dd_endpoint", c.Endpoint, "dd_api_endpoint", c.APIEndpoint)
}

func ctxSourceURL(sourceID int64) string { return bound("warehouse_sources", sourceID, "url") }

func ctxAlertChannel(channelID int64) string { return bound("alert_channels", channelID, "config") }

// The contexts of databases before migration 00007: the column a value was first sealed in.
const (
	v1AccessToken   = "connections.bc_access_token"
	v1Password      = "connections.dd_password"
	v1WebhookSecret = "connections.webhook_secret"
	v1SourceURL     = "warehouse_sources.url"
	v1AlertChannel  = "alert_channels.config"
)

// rebindSecrets seals again, bound to their rows, the values an older release sealed bound to their
// column only. Migration 00007 asks for it once (a row in bcsync_upgrades); the row goes in the same
// transaction as the values, so a crash half-way redoes it all. Afterwards a column-bound value is
// refused (secret.ErrV1): one written into the database later is not trusted.
func (s *Store) rebindSecrets(ctx context.Context, logger *slog.Logger) error {
	var n, skipped int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, skipped = 0, 0
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bcsync_upgrades WHERE name = 'rebind_secrets'`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		type item struct {
			id      int64
			sealed  string
			v1, now string
		}
		reseal := func(update string, items []item) error {
			for _, it := range items {
				plain, err := s.box.OpenV1(it.sealed, it.v1)
				if err != nil {
					// Another key, or corrupt: it could not be used before either. It stays as it is, is
					// refused when read, and must be entered again; bcsync still starts.
					if logger != nil {
						logger.Warn("a credential could not be read to bind it to its row; enter it again",
							slog.String("where", strings.SplitN(it.now, "\n", 2)[0]), slog.Any("error", err))
					}
					skipped++
					continue
				}
				if _, err := tx.ExecContext(ctx, update, it.id, s.box.Seal(plain, it.now)); err != nil {
					return err
				}
				n++
			}
			return nil
		}
		var tokens, hooks, passwords, sources, channels []item
		rows, err := tx.QueryContext(ctx, `SELECT id, bc_api_path, bc_base_url, bc_client_id, bc_access_token, webhook_secret FROM stores`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var c BigCommerceCredentials
			var token, hook string
			if err := rows.Scan(&id, &c.APIPath, &c.BaseURL, &c.ClientID, &token, &hook); err != nil {
				rows.Close()
				return err
			}
			tokens = append(tokens, item{id, token, v1AccessToken, ctxAccessToken(id, c)})
			hooks = append(hooks, item{id, hook, v1WebhookSecret, ctxWebhookSecret(id)})
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT sync_id, dd_username, dd_endpoint, dd_api_endpoint, dd_password FROM dotdigital_links`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var c DotdigitalCredentials
			var password string
			if err := rows.Scan(&id, &c.Username, &c.Endpoint, &c.APIEndpoint, &password); err != nil {
				rows.Close()
				return err
			}
			passwords = append(passwords, item{id, password, v1Password, ctxPassword(id, c)})
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, q := range []struct {
			query string
			v1    string
			bind  func(int64) string
			into  *[]item
		}{
			{`SELECT id, url FROM warehouse_sources`, v1SourceURL, ctxSourceURL, &sources},
			{`SELECT id, config FROM alert_channels`, v1AlertChannel, ctxAlertChannel, &channels},
		} {
			rows, err := tx.QueryContext(ctx, q.query)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var sealed string
				if err := rows.Scan(&id, &sealed); err != nil {
					rows.Close()
					return err
				}
				*q.into = append(*q.into, item{id, sealed, q.v1, q.bind(id)})
			}
			if err := closeRows(rows); err != nil {
				return err
			}
		}
		only := func(items []item) []item { // a value sealed already the new way stays as it is
			var out []item
			for _, it := range items {
				if secret.IsV1(it.sealed) {
					out = append(out, it)
				}
			}
			return out
		}
		for _, u := range []struct {
			update string
			items  []item
		}{
			{`UPDATE stores SET bc_access_token = $2 WHERE id = $1`, tokens},
			{`UPDATE stores SET webhook_secret = $2 WHERE id = $1`, hooks},
			{`UPDATE dotdigital_links SET dd_password = $2 WHERE sync_id = $1`, passwords},
			{`UPDATE warehouse_sources SET url = $2 WHERE id = $1`, sources},
			{`UPDATE alert_channels SET config = $2 WHERE id = $1`, channels},
		} {
			if err := reseal(u.update, only(u.items)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM bcsync_upgrades WHERE name = 'rebind_secrets'`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: bind credentials to their rows: %w", err)
	}
	if n+skipped > 0 && logger != nil {
		logger.Info("credentials bound to their rows", slog.Int("values", n), slog.Int("unreadable", skipped))
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}
