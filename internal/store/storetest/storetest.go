// Package storetest opens migrated, isolated stores for tests, on SQLite and on PostgreSQL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/secret"
	"github.com/bcsync/bcsync/internal/store"
)

// DefaultPostgres is where tests find PostgreSQL unless BCSYNC_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines are the engines every store test runs against.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Box returns a secret box with a fixed test key.
func Box(t testing.TB) *secret.Box {
	b, err := secret.New([]byte(strings.Repeat("t", secret.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// URL returns a database URL of engine that no other test uses: a new SQLite file, or a new
// PostgreSQL schema (dropped when the test ends). Without PostgreSQL the test skips, or fails in CI.
func URL(t testing.TB, engine store.Engine) string {
	t.Helper()
	switch engine {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "bcsync.db")
	case store.Postgres:
		base := PostgresURL(t)
		schema := "t_" + randomHex(6)
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			db, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer db.Close()
			db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		})
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// PostgresURL returns the test server's URL after checking it answers; without it the test skips,
// or fails when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("BCSYNC_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		err = db.PingContext(context.Background())
		db.Close()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: %v (CI=true: it must be running)", base, err)
		}
		t.Skipf("PostgreSQL at %s is not reachable (%v); start it or set BCSYNC_TEST_POSTGRES", base, err)
	}
	return base
}

// Open returns a migrated store of engine, closed when the test ends.
func Open(t testing.TB, engine store.Engine) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), URL(t, engine), Box(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewConnection saves a store and its Dotdigital link, with made-up credentials (secrets named so that
// a leak is easy to spot) and data sync on.
func NewConnection(t testing.TB, s *store.Store) *store.Connection {
	t.Helper()
	ctx := context.Background()
	sh := &store.Shop{Name: "Shop", StoreHash: "abc123", StoreName: "Secret Store Name", WebhookSecret: "hook-secret-3",
		BigCommerce: store.BigCommerceCredentials{APIPath: "https://api.bigcommerce.com/stores/abc123/", ClientID: "cid", AccessToken: "tok-secret-1"}}
	if err := s.CreateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	// Each store syncs into an account of its own: one account takes one store (see ConnectionOfAccount).
	c := &store.Connection{Name: "Shop", StoreID: sh.ID,
		Dotdigital: store.DotdigitalCredentials{Username: fmt.Sprintf("apiuser-%d@apiconnector.com", sh.ID), Password: "pw-secret-2"},
		Settings:   store.Settings{DataSync: true, SubscriberList: store.Ref{ID: 7, Name: "Store subscribers"}},
	}
	if err := s.CreateConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Connection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
