package source_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
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

// needService skips a test whose service is unreachable, or fails it when CI=true.
func needService(t testing.TB, name, rawURL, env string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s at %s: %v (CI=true: it must be running)", name, source.Redact(rawURL), err)
	}
	t.Skipf("%s at %s is not reachable (%v); start it or set %s", name, source.Redact(rawURL), err, env)
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// postgresSchema returns the URL of a new PostgreSQL schema (first on the search path) and a function
// running SQL in it as the superuser. The schema is dropped when the test ends.
func postgresSchema(t testing.TB) (rawURL string, exec func(sql string, args ...any)) {
	t.Helper()
	base := os.Getenv("BCSYNC_TEST_POSTGRES")
	if base == "" {
		base = defaultPostgres
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	needService(t, "PostgreSQL", base, "BCSYNC_TEST_POSTGRES", err)
	schema := randomName("src_")
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

// mysqlDatabase returns the URL of a new MySQL/MariaDB database and a function running SQL in it as
// the administrator. The database is dropped when the test ends.
func mysqlDatabase(t testing.TB) (rawURL string, exec func(sql string, args ...any)) {
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
	needService(t, "MySQL/MariaDB", base, "BCSYNC_TEST_MYSQL", err)
	db.SetMaxOpenConns(1) // one session: USE below applies to every statement
	name := randomName("src_")
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

func open(t testing.TB, rawURL string, opts source.Options) source.Source {
	t.Helper()
	src, err := source.Open(context.Background(), rawURL, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", source.Redact(rawURL), err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// readAll runs q and returns its columns and rows, failing on any error.
func readAll(t testing.TB, src source.Source, q source.Query) ([]source.Column, [][]any) {
	t.Helper()
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		if err := rows.RowErr(); err != nil {
			t.Fatalf("row %d: %v", len(out)+1, err)
		}
		out = append(out, rows.Values())
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	return rows.Columns(), out
}

// wantPart checks that err is an *Error of part, and returns its message.
func wantPart(t testing.TB, err error, part source.Part) string {
	t.Helper()
	var e *source.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *source.Error of part %s", err, err, part)
	}
	if e.Part != part {
		t.Fatalf("part %q, want %q: %v", e.Part, part, err)
	}
	return e.Msg
}

// queryErr runs q and returns the error from Query or, failing that, from reading its rows.
func queryErr(src source.Source, q source.Query) error {
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// column is a compact form of a Column for comparisons.
func column(c source.Column) string {
	return fmt.Sprintf("%s %s %s %s", c.Name, c.DatabaseType, c.Kind, c.Nullable)
}

// wantColumns compares columns with their compact forms.
func wantColumns(t testing.TB, got []source.Column, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d columns, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if column(got[i]) != want[i] {
			t.Errorf("column %d: %q, want %q", i, column(got[i]), want[i])
		}
	}
}

// wantValues compares a row with the expected values, by type and value.
func wantValues(t testing.TB, got []any, want ...any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d: %#v", len(got), len(want), got)
	}
	for i := range got {
		if g, w := fmt.Sprintf("%T %v", got[i], got[i]), fmt.Sprintf("%T %v", want[i], want[i]); g != w {
			t.Errorf("value %d: %s, want %s", i, g, w)
		}
	}
}

// readFlat reads q to the end and returns how much the live heap grew between the first rows and the
// last: a streaming read grows by nothing like the size of the result.
func readFlat(t testing.TB, src source.Source, q source.Query, wantRows int) (growth int64) {
	t.Helper()
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	defer rows.Close()
	var before, after runtime.MemStats
	n := 0
	for rows.Next() {
		if n == 1000 {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		n++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != wantRows {
		t.Fatalf("%d rows, want %d", n, wantRows)
	}
	growth = int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// 200,000 rows of a few columns are tens of megabytes held; a stream holds one row.
	if growth > 4<<20 {
		t.Errorf("the heap grew by %d KiB while reading %d rows: rows are held, not streamed", growth>>10, n)
	}
	return growth
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
