// Package sourcetest gives tests databases of their own on the services a warehouse reads: a new
// PostgreSQL schema, a new MySQL/MariaDB database, each dropped when the test ends. Without the service
// a test skips, or fails when CI=true.
package sourcetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Where the tests find the services, unless the environment says otherwise.
const (
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	defaultMySQL    = "mysql://root@127.0.0.1:3306/test"
)

// NeedService skips a test whose service is unreachable, or fails it when CI=true.
func NeedService(t testing.TB, name, rawURL, env string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s at %s: %v (CI=true: it must be running)", name, source.Redact(rawURL), err)
	}
	t.Skipf("%s at %s is not reachable (%v); start it or set %s", name, source.Redact(rawURL), err, env)
}

// RandomName is prefix and ten random hex digits: a name no other test uses.
func RandomName(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Postgres returns the URL of a new PostgreSQL schema (first on the search path) and a function
// running SQL in it as the superuser. The schema is dropped when the test ends.
func Postgres(t testing.TB) (rawURL string, exec func(sql string, args ...any)) {
	t.Helper()
	base := os.Getenv("BCSYNC_TEST_POSTGRES")
	if base == "" {
		base = defaultPostgres
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	NeedService(t, "PostgreSQL", base, "BCSYNC_TEST_POSTGRES", err)
	schema := RandomName("src_")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET search_path = "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// MySQL returns the URL of a new MySQL/MariaDB database and a function running SQL in it as
// the administrator. The database is dropped when the test ends.
func MySQL(t testing.TB) (rawURL string, exec func(sql string, args ...any)) {
	t.Helper()
	base := os.Getenv("BCSYNC_TEST_MYSQL")
	if base == "" {
		base = defaultMySQL
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("BCSYNC_TEST_MYSQL: %v", err)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	cfg.Timeout = 5 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		err = db.Ping()
	}
	NeedService(t, "MySQL/MariaDB", base, "BCSYNC_TEST_MYSQL", err)
	db.SetMaxOpenConns(1) // one session: USE below applies to every statement
	name := RandomName("src_")
	for _, s := range []string{"CREATE DATABASE " + name, "USE " + name} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE " + name)
		db.Close()
	})
	u.Path = "/" + name
	return u.String(), func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Exec(sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
