package source_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// sqliteFile creates a SQLite database file in a temporary directory, runs stmts in it, and returns
// its source URL.
func sqliteFile(t testing.TB, stmts ...string) (rawURL, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "warehouse.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return "sqlite:" + path, path
}

func TestSQLiteReportsDeclaredTypesKindsAndNormalisedValues(t *testing.T) {
	rawURL, _ := sqliteFile(t,
		`CREATE TABLE everything (id INTEGER NOT NULL PRIMARY KEY, big BIGINT, price NUMERIC(12,2), ratio REAL,
			score DOUBLE, active BOOLEAN, born DATE, seen_at DATETIME, paid_at TIMESTAMP, name TEXT, code VARCHAR(10),
			doc JSON, data BLOB, anything)`,
		`INSERT INTO everything VALUES (1, 9007199254740993, 1234567890.12, 0.5, 2.25, 1, '1990-05-17',
			'2024-03-01 12:34:56.789', '2024-03-01T12:34:56+02:00', 'Zoë', 'AB-1', '{"a": 1}', X'00FF', 'x')`,
		`INSERT INTO everything (id) VALUES (2)`,
		`INSERT INTO everything (id, big, born) VALUES (3, 'not a number', 'someday')`,
	)
	src := open(t, rawURL, source.Options{})
	cols, rows := readAll(t, src, source.Query{Table: "everything"})
	// SQLite does not say whether a result column is nullable; an undeclared column has no type.
	wantColumns(t, cols,
		"id INTEGER integer unknown", "big BIGINT integer unknown", "price NUMERIC(12,2) decimal unknown",
		"ratio REAL float unknown", "score DOUBLE float unknown", "active BOOLEAN boolean unknown",
		"born DATE date unknown", "seen_at DATETIME timestamp unknown", "paid_at TIMESTAMP timestamp unknown",
		"name TEXT text unknown", "code VARCHAR(10) text unknown", "doc JSON json unknown",
		"data BLOB bytes unknown", "anything  unknown unknown")
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	wantValues(t, rows[0], int64(1), int64(9007199254740993), source.Decimal("1234567890.12"), float64(0.5), float64(2.25),
		true, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 34, 56, 789e6, time.UTC),
		time.Date(2024, 3, 1, 10, 34, 56, 0, time.UTC), "Zoë", "AB-1", json.RawMessage(`{"a": 1}`), []byte{0x00, 0xff}, "x")
	wantValues(t, rows[1], int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
	// SQLite stores whatever it is given: a value that does not fit the declared type is kept as text.
	wantValues(t, rows[2], int64(3), source.Unparsed("not a number"), nil, nil, nil, nil, source.Unparsed("someday"),
		nil, nil, nil, nil, nil, nil, nil)
}

func TestSQLiteStreamsRowsWithoutHoldingThem(t *testing.T) {
	rawURL, _ := sqliteFile(t, `CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	n := 200000
	if raceEnabled {
		n = 50000 // still megabytes more than one row, were the rows held
	}
	readFlat(t, src, source.Query{SQL: fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		SELECT i AS id, 'customer-' || i || '@example.com' AS email, i * 1.25 AS amount FROM n`, n)}, n)
}

func TestSQLiteClosingEarlyDoesNotReadTheRest(t *testing.T) {
	rawURL, _ := sqliteFile(t, `CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	rows, err := src.Query(context.Background(), source.Query{SQL: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT i FROM n`})
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

func TestSQLiteOpensTheFileReadOnlyAndChangesNothing(t *testing.T) {
	rawURL, path := sqliteFile(t, `CREATE TABLE t (a int)`, `INSERT INTO t VALUES (1), (2), (3)`)
	src := open(t, rawURL, source.Options{})
	other := filepath.Join(t.TempDir(), "other.db")
	for _, sql := range []string{
		`DELETE FROM t`,
		`UPDATE t SET a = 0 RETURNING a`,
		`INSERT INTO t VALUES (4)`,
		`DROP TABLE t`,
		`CREATE TABLE u (a int)`,
		`PRAGMA query_only = 0`,
		`ATTACH DATABASE '` + other + `' AS o`, // it would create the file, and open it for writing
	} {
		err := queryErr(src, source.Query{SQL: sql})
		if msg := wantPart(t, err, source.PartReadOnly); !contains(msg, "read-only") {
			t.Errorf("%s: %q does not say read-only", sql, msg)
		}
	}
	if _, err := os.Stat(other); err == nil {
		t.Errorf("ATTACH created %s", other)
	}
	// Reading a PRAGMA is reading.
	_, rows := readAll(t, src, source.Query{SQL: `SELECT count(*), (SELECT count(*) FROM sqlite_schema WHERE name = 'u'), (SELECT count(*) FROM pragma_table_info('t')) FROM t`})
	wantValues(t, rows[0], int64(3), int64(0), int64(1))
	if _, err := os.Stat(path + "-journal"); err == nil {
		t.Error("a journal was written")
	}
}

func TestSQLiteStopsAQueryAtItsTimeout(t *testing.T) {
	rawURL, _ := sqliteFile(t, `CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	start := time.Now()
	err := queryErr(src, source.Query{SQL: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) SELECT count(*) FROM n`, Timeout: 200 * time.Millisecond})
	if msg := wantPart(t, err, source.PartTimeout); !contains(msg, "200ms") {
		t.Errorf("%q does not name the timeout", msg)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the query ran %s", took)
	}
}

func TestSQLiteTestNamesWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("these are not the tables you are looking for, and they go on for a while ............"), 0o600)
	ctx := context.Background()
	good, _ := sqliteFile(t, `CREATE TABLE t (a int)`)
	if err := open(t, good, source.Options{}).Test(ctx); err != nil {
		t.Fatalf("Test of a working file: %v", err)
	}
	for _, c := range []struct {
		name string
		url  string
		part source.Part
		says string
	}{
		{"the file does not exist", "sqlite:" + missing, source.PartFile, "the file does not exist"},
		{"the path is a directory", "sqlite://" + dir, source.PartFile, "is a directory"},
		{"the file is not a database", "sqlite:" + notDB, source.PartFormat, "is not a SQLite database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.url, source.Options{}).Test(ctx)
			if msg := wantPart(t, err, c.part); !contains(msg, c.says) {
				t.Errorf("%q does not say %q", msg, c.says)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("testing a missing file created it")
	}
}

func TestSQLiteQueryErrorsCarryTheDatabaseMessage(t *testing.T) {
	rawURL, _ := sqliteFile(t, `CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	for sql, says := range map[string]string{
		`SELECT * FROM nope`: `no such table: nope`,
		`SELECT b FROM t`:    `no such column: b`,
	} {
		if msg := wantPart(t, queryErr(src, source.Query{SQL: sql}), source.PartQuery); !contains(msg, says) {
			t.Errorf("%s: %q does not say %q", sql, msg, says)
		}
	}
}
