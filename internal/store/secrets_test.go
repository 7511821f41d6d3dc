package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/secret"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// Someone who can write the database but lacks the key copies store 1's sealed token into store 2:
// store 2 does not start using it, and says why.
func TestASealedTokenCopiedIntoAnotherRowDoesNotDecryptThere(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		first := newConnection(t, s)
		second := &store.Shop{Name: "Other", StoreHash: "zzz999", BigCommerce: store.BigCommerceCredentials{
			APIPath: "https://api.bigcommerce.com/stores/abc123/", ClientID: "cid", AccessToken: "tok-of-the-second"}}
		if err := s.CreateShop(ctx, second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE stores SET bc_access_token = (SELECT bc_access_token FROM stores WHERE id = $1),
			webhook_secret = (SELECT webhook_secret FROM stores WHERE id = $1) WHERE id = $2`, first.StoreID, second.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Shop(ctx, second.ID)
		if !errors.Is(err, secret.ErrDecrypt) || !strings.Contains(err.Error(), "access token") || !strings.Contains(err.Error(), "another row") {
			t.Fatalf("a token copied from another store = %v, want a refusal naming the access token", err)
		}
		if got, err := s.Shop(ctx, first.StoreID); err != nil || got.BigCommerce.AccessToken != "tok-secret-1" {
			t.Fatalf("the original row = %+v, %v", got, err)
		}
		// The same for a warehouse source's URL and an alert channel's configuration.
		a, b := &store.Source{Name: "a", Engine: "postgres", URL: "postgres://u:pw-a@h/db"}, &store.Source{Name: "b", Engine: "postgres", URL: "postgres://u:pw-b@h/db"}
		for _, src := range []*store.Source{a, b} {
			if err := s.CreateSource(ctx, src); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB().Exec(`UPDATE warehouse_sources SET url = (SELECT url FROM warehouse_sources WHERE id = $1) WHERE id = $2`, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Source(ctx, b.ID); !errors.Is(err, secret.ErrDecrypt) {
			t.Fatalf("a source URL copied from another source = %v", err)
		}
		ca, cb := &store.AlertChannel{Name: "a", Type: "slack", Config: `{"url":"https://hooks.slack.com/a"}`}, &store.AlertChannel{Name: "b", Type: "slack", Config: `{"url":"https://hooks.slack.com/b"}`}
		for _, c := range []*store.AlertChannel{ca, cb} {
			if err := s.CreateAlertChannel(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB().Exec(`UPDATE alert_channels SET config = (SELECT config FROM alert_channels WHERE id = $1) WHERE id = $2`, ca.ID, cb.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AlertChannel(ctx, cb.ID); !errors.Is(err, secret.ErrDecrypt) {
			t.Fatalf("an alert channel configuration copied from another channel = %v", err)
		}
	})
}

// Pointing a connection at another server in the database, without the key, makes its password
// unusable rather than sending it there; the same for a store's token and its API host.
func TestAChangedEndpointColumnMakesTheDotdigitalPasswordUnusable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, column := range []string{"dd_endpoint", "dd_api_endpoint", "dd_username"} {
			c := newConnection(t, s)
			if _, err := s.DB().Exec(`UPDATE dotdigital_links SET `+column+` = 'https://attacker.example' WHERE sync_id = $1`, c.ID); err != nil {
				t.Fatal(err)
			}
			got, err := s.Connection(ctx, c.ID)
			if !errors.Is(err, secret.ErrDecrypt) || !strings.Contains(err.Error(), "password") {
				t.Fatalf("%s changed: connection = %+v, %v; want the password refused", column, got, err)
			}
			s.DeleteShop(ctx, c.StoreID)
		}
		c := newConnection(t, s)
		if _, err := s.DB().Exec(`UPDATE stores SET bc_base_url = 'https://attacker.example' WHERE id = $1`, c.StoreID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Shop(ctx, c.StoreID); !errors.Is(err, secret.ErrDecrypt) {
			t.Fatalf("API host changed: store = %v; want the token refused", err)
		}
	})
}

// bcsync itself moves a password to the API endpoint it discovers: it still opens there.
func TestTheDiscoveredAPIEndpointKeepsThePasswordUsable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		if err := s.UpdateStoreDetails(ctx, c.ID, "Shop", "https://shop.example", "https://r2-api.dotdigital.com"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Connection(ctx, c.ID)
		if err != nil || got.Dotdigital.Password != "pw-secret-2" || got.Dotdigital.APIEndpoint != "https://r2-api.dotdigital.com" {
			t.Fatalf("after discovery = %+v, %v", got, err)
		}
		sh, _ := s.Shop(ctx, c.StoreID)
		sh.BigCommerce.BaseURL = "http://127.0.0.1:9999"
		if err := s.UpdateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Shop(ctx, c.StoreID); err != nil || got.BigCommerce.AccessToken != "tok-secret-1" {
			t.Fatalf("after an update through bcsync = %+v, %v", got, err)
		}
	})
}

// A database an older release wrote holds values bound to their column only: they are read, sealed
// again bound to their rows on the first start, and from then on a column-bound value is refused.
func TestAnOldStyleDatabaseIsReadableAndItsSecretsAreBoundToTheirRows(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			box := storetest.Box(t)
			s, err := store.Open(ctx, url, box)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
			c := newConnection(t, s)
			src := &store.Source{Name: "dw", Engine: "postgres", URL: "postgres://u:pw@h/db"}
			if err := s.CreateSource(ctx, src); err != nil {
				t.Fatal(err)
			}
			ch := &store.AlertChannel{Name: "ops", Type: "slack", Config: `{"url":"https://hooks.slack.com/x"}`}
			if err := s.CreateAlertChannel(ctx, ch); err != nil {
				t.Fatal(err)
			}
			// As the older release left them: column-bound values, and the upgrade pending.
			for _, q := range []struct {
				sql string
				arg string
				id  int64
			}{
				{`UPDATE stores SET bc_access_token = $1 WHERE id = $2`, box.SealV1("tok-secret-1", "connections.bc_access_token"), c.StoreID},
				{`UPDATE stores SET webhook_secret = $1 WHERE id = $2`, box.SealV1("hook-secret-3", "connections.webhook_secret"), c.StoreID},
				{`UPDATE dotdigital_links SET dd_password = $1 WHERE sync_id = $2`, box.SealV1("pw-secret-2", "connections.dd_password"), c.ID},
				{`UPDATE warehouse_sources SET url = $1 WHERE id = $2`, box.SealV1("postgres://u:pw@h/db", "warehouse_sources.url"), src.ID},
				{`UPDATE alert_channels SET config = $1 WHERE id = $2`, box.SealV1(`{"url":"https://hooks.slack.com/x"}`, "alert_channels.config"), ch.ID},
			} {
				if _, err := s.DB().Exec(q.sql, q.arg, q.id); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Connection(ctx, c.ID); !errors.Is(err, secret.ErrV1) {
				t.Fatalf("a column-bound value in use without the upgrade = %v", err)
			}
			if _, err := s.DB().Exec(`INSERT INTO bcsync_upgrades (name) VALUES ('rebind_secrets')`); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx, nil); err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			got, err := s.Connection(ctx, c.ID)
			if err != nil || got.BigCommerce.AccessToken != "tok-secret-1" || got.Dotdigital.Password != "pw-secret-2" || got.WebhookSecret != "hook-secret-3" {
				t.Fatalf("after the upgrade = %+v, %v", got, err)
			}
			if got, err := s.Source(ctx, src.ID); err != nil || got.URL != "postgres://u:pw@h/db" {
				t.Fatalf("source after the upgrade = %+v, %v", got, err)
			}
			if got, err := s.AlertChannel(ctx, ch.ID); err != nil || got.Config != `{"url":"https://hooks.slack.com/x"}` {
				t.Fatalf("alert channel after the upgrade = %+v, %v", got, err)
			}
			var token string
			if err := s.DB().QueryRow(`SELECT bc_access_token FROM stores WHERE id = $1`, c.StoreID).Scan(&token); err != nil || !strings.HasPrefix(token, "v2:") {
				t.Fatalf("token at rest = %q, %v", token, err)
			}
			var pending int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM bcsync_upgrades`).Scan(&pending); err != nil || pending != 0 {
				t.Fatalf("upgrades pending = %d, %v", pending, err)
			}
			// A column-bound value written afterwards is not trusted, even in its own row.
			if _, err := s.DB().Exec(`UPDATE stores SET bc_access_token = $1 WHERE id = $2`, box.SealV1("tok-evil", "connections.bc_access_token"), c.StoreID); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Shop(ctx, c.StoreID); !errors.Is(err, secret.ErrV1) {
				t.Fatalf("a column-bound value written after the upgrade = %v", err)
			}
		})
	}
}

// An old-style value the key cannot open (sealed under another key) does not stop the upgrade, nor
// bcsync: the others are bound to their rows, and that one asks to be entered again.
func TestAnUnreadableOldStyleValueDoesNotStopTheUpgrade(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		other, err := secret.New([]byte(strings.Repeat("o", secret.KeySize)))
		if err != nil {
			t.Fatal(err)
		}
		box := storetest.Box(t)
		for _, q := range []struct {
			sql, arg string
			id       int64
		}{
			{`UPDATE stores SET bc_access_token = $1 WHERE id = $2`, box.SealV1("tok-secret-1", "connections.bc_access_token"), c.StoreID},
			{`UPDATE dotdigital_links SET dd_password = $1 WHERE sync_id = $2`, other.SealV1("pw-secret-2", "connections.dd_password"), c.ID},
		} {
			if _, err := s.DB().Exec(q.sql, q.arg, q.id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.DB().Exec(`INSERT INTO bcsync_upgrades (name) VALUES ('rebind_secrets')`); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx, nil); err != nil {
			t.Fatalf("upgrade stopped by one unreadable value: %v", err)
		}
		if sh, err := s.Shop(ctx, c.StoreID); err != nil || sh.BigCommerce.AccessToken != "tok-secret-1" {
			t.Fatalf("the readable token after the upgrade = %v", err)
		}
		if _, err := s.Connection(ctx, c.ID); !errors.Is(err, secret.ErrV1) || !strings.Contains(err.Error(), "enter this credential again") {
			t.Fatalf("the unreadable password = %v", err)
		}
	})
}
