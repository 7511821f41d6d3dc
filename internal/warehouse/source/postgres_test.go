package source_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

func TestPostgresReportsTypesKindsNullabilityAndNormalisedValues(t *testing.T) {
	rawURL, exec := sourcetest.Postgres(t)
	exec(`CREATE TYPE mood AS ENUM ('happy', 'sad')`)
	exec(`CREATE TABLE everything (
		id integer NOT NULL PRIMARY KEY, big bigint, price numeric(12,2), ratio real, score double precision,
		active boolean, born date, seen_at timestamp, paid_at timestamptz, name text, code varchar(10),
		doc json, docb jsonb, blob bytea, feeling mood)`)
	exec(`INSERT INTO everything VALUES (1, 9007199254740993, 1234567890.12, 0.5, 2.25, true, '1990-05-17',
		'2024-03-01 12:34:56.789', '2024-03-01 12:34:56+02', 'Zoë', 'AB-1', '{"a": 1}', '{"b": [1, 2]}', '\x00ff', 'happy')`)
	exec(`INSERT INTO everything (id) VALUES (2)`)
	src := open(t, rawURL, source.Options{})

	cols, rows := readAll(t, src, source.Query{Table: "everything"})
	wantColumns(t, cols,
		"id int4 integer not null", "big int8 integer nullable", "price numeric decimal nullable",
		"ratio float4 float nullable", "score float8 float nullable", "active bool boolean nullable",
		"born date date nullable", "seen_at timestamp timestamp nullable", "paid_at timestamptz timestamp nullable",
		"name text text nullable", "code varchar text nullable", "doc json json nullable", "docb jsonb json nullable",
		"blob bytea bytes nullable", "feeling mood text nullable")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	wantValues(t, rows[0], int64(1), int64(9007199254740993), source.Decimal("1234567890.12"), float64(0.5), float64(2.25),
		true, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 34, 56, 789e6, time.UTC),
		time.Date(2024, 3, 1, 10, 34, 56, 0, time.UTC), "Zoë", "AB-1", json.RawMessage(`{"a": 1}`),
		json.RawMessage(`{"b": [1, 2]}`), []byte{0x00, 0xff}, "happy")
	wantValues(t, rows[1], int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
}

func TestPostgresKeepsNumericExactAndLeavesNullabilityOfExpressionsUnknown(t *testing.T) {
	rawURL, _ := sourcetest.Postgres(t)
	src := open(t, rawURL, source.Options{})
	cols, rows := readAll(t, src, source.Query{SQL: `SELECT 12345678901234567890.1234567890::numeric AS big, 0.1::numeric + 0.2 AS sum, 'NaN'::numeric AS nan;`})
	wantColumns(t, cols, "big numeric decimal unknown", "sum numeric decimal unknown", "nan numeric decimal unknown")
	wantValues(t, rows[0], source.Decimal("12345678901234567890.1234567890"), source.Decimal("0.3"), source.Decimal("NaN"))
}

func TestPostgresStreamsRowsWithoutHoldingThem(t *testing.T) {
	rawURL, _ := sourcetest.Postgres(t)
	src := open(t, rawURL, source.Options{})
	readFlat(t, src, source.Query{SQL: `SELECT g AS id, 'customer-' || g || '@example.com' AS email, g * 1.25 AS amount, now() AS at
		FROM generate_series(1, 200000) g`}, 200000)
}

func TestPostgresClosingEarlyDoesNotReadTheRest(t *testing.T) {
	rawURL, _ := sourcetest.Postgres(t)
	src := open(t, rawURL, source.Options{})
	rows, err := src.Query(context.Background(), source.Query{SQL: `SELECT generate_series(1, 100000000) AS g`})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10 && rows.Next(); i++ {
	}
	start := time.Now()
	rows.Close()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %s: it read the rest of the result", took)
	}
}

func TestPostgresRefusesModelsThatWriteAndChangesNothing(t *testing.T) {
	rawURL, exec := sourcetest.Postgres(t)
	exec(`CREATE TABLE t (a int)`)
	exec(`INSERT INTO t VALUES (1), (2), (3)`)
	exec(`CREATE SEQUENCE s`)
	src := open(t, rawURL, source.Options{})
	for _, sql := range []string{
		`DELETE FROM t`,
		`UPDATE t SET a = 0 RETURNING a`,
		`INSERT INTO t VALUES (4)`,
		`WITH gone AS (DELETE FROM t RETURNING a) SELECT * FROM gone`,
		`DROP TABLE t`,
		`CREATE TABLE u (a int)`,
		`SELECT nextval('s')`,
	} {
		err := queryErr(src, source.Query{SQL: sql})
		if msg := wantPart(t, err, source.PartReadOnly); !contains(msg, "read-only") {
			t.Errorf("%s: %q does not say read-only", sql, msg)
		}
	}
	// A second statement behind the first is not run at all.
	if err := queryErr(src, source.Query{SQL: `COMMIT; DELETE FROM t`}); err == nil {
		t.Error("COMMIT; DELETE ran")
	}
	_, rows := readAll(t, src, source.Query{SQL: `SELECT count(*), to_regclass('u') IS NULL FROM t`})
	wantValues(t, rows[0], int64(3), true)
}

func TestPostgresStopsAQueryAtItsTimeout(t *testing.T) {
	rawURL, _ := sourcetest.Postgres(t)
	src := open(t, rawURL, source.Options{})
	start := time.Now()
	err := queryErr(src, source.Query{SQL: `SELECT pg_sleep(5)`, Timeout: 200 * time.Millisecond})
	msg := wantPart(t, err, source.PartTimeout)
	if !contains(msg, "200ms") {
		t.Errorf("%q does not name the timeout", msg)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the query ran %s", took)
	}
}

func TestPostgresTestNamesWhatIsWrong(t *testing.T) {
	rawURL, exec := sourcetest.Postgres(t)
	base, _ := url.Parse(rawURL)
	with := func(change func(u *url.URL)) string {
		u := *base
		change(&u)
		return u.String()
	}
	ctx := context.Background()
	if err := open(t, rawURL, source.Options{}).Test(ctx); err != nil {
		t.Fatalf("Test of a working URL: %v", err)
	}
	for _, c := range []struct {
		name string
		url  string
		part source.Part
		says []string
	}{
		{"nothing listens on the port", with(func(u *url.URL) { u.Host = "127.0.0.1:1" }), source.PartHost, []string{"PostgreSQL at 127.0.0.1:1", "refused the connection"}},
		{"the host name does not exist", with(func(u *url.URL) { u.Host = "db.nonexistent.invalid:5432" }), source.PartHost, []string{`"db.nonexistent.invalid" was not found`}},
		{"the user does not exist", with(func(u *url.URL) { u.User = url.UserPassword("nobody_here", "pw") }), source.PartAuth, []string{`user "nobody_here"`}},
		{"the database does not exist", with(func(u *url.URL) { u.Path = "/no_such_db" }), source.PartDatabase, []string{`no database "no_such_db"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.url, source.Options{ConnectTimeout: 3 * time.Second}).Test(ctx)
			if msg := wantPart(t, err, c.part); !contains(msg, c.says...) {
				t.Errorf("%q does not say %q", msg, c.says)
			}
		})
	}

	t.Run("the user may not read the table", func(t *testing.T) {
		role := sourcetest.RandomName("reader_")
		exec(`CREATE TABLE secrets (a int)`)
		exec(`CREATE ROLE ` + role + ` LOGIN`)
		t.Cleanup(func() { exec(`DROP OWNED BY ` + role); exec(`DROP ROLE ` + role) })
		exec(`GRANT USAGE ON SCHEMA ` + base.Query().Get("search_path") + ` TO ` + role)
		src := open(t, with(func(u *url.URL) { u.User = url.User(role) }), source.Options{})
		if err := src.Test(ctx); err != nil {
			t.Fatalf("Test: %v", err)
		}
		msg := wantPart(t, queryErr(src, source.Query{Table: "secrets"}), source.PartPermission)
		if !contains(msg, role, "permission denied for table secrets") {
			t.Errorf("%q does not name the user and the table", msg)
		}
	})
}

func TestPostgresQueryErrorsCarryTheDatabaseMessage(t *testing.T) {
	rawURL, exec := sourcetest.Postgres(t)
	exec(`CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	for sql, says := range map[string]string{
		`SELECT * FROM nope`:           `relation "nope" does not exist`,
		`SELECT b FROM t`:              `column "b" does not exist`,
		`SELEC 1`:                      `syntax error`,
		`SELECT * FROM t WHERE a = $1`: `parameters`,
	} {
		if msg := wantPart(t, queryErr(src, source.Query{SQL: sql}), source.PartQuery); !strings.Contains(msg, says) {
			t.Errorf("%s: %q does not say %q", sql, msg, says)
		}
	}
	if msg := wantPart(t, queryErr(src, source.Query{Table: "No Such"}), source.PartQuery); !strings.Contains(msg, `relation "No Such" does not exist`) {
		t.Errorf("%q", msg)
	}
}
