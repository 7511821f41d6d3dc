package source_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

func TestMySQLReportsTypesKindsNullabilityAndNormalisedValues(t *testing.T) {
	rawURL, exec := sourcetest.MySQL(t)
	exec(`SET time_zone = '+00:00'`)
	exec(`CREATE TABLE everything (
		id INT NOT NULL PRIMARY KEY, big BIGINT, price DECIMAL(12,2), ratio FLOAT, score DOUBLE, active BOOLEAN,
		born DATE, seen_at DATETIME(3), paid_at TIMESTAMP NULL, name TEXT, code VARCHAR(10), doc JSON, data BLOB,
		huge BIGINT UNSIGNED)`)
	exec(`INSERT INTO everything VALUES (1, 9007199254740993, 1234567890.12, 0.1, 2.25, TRUE, '1990-05-17',
		'2024-03-01 12:34:56.789', '2024-03-01 10:34:56', 'Zoë', 'AB-1', '{"a": 1}', X'00FF', 18446744073709551615)`)
	exec(`INSERT INTO everything (id) VALUES (2)`)
	src := open(t, rawURL, source.Options{})

	cols, rows := readAll(t, src, source.Query{Table: "everything"})
	// MySQL's BOOLEAN is TINYINT(1), and MariaDB's JSON is LONGTEXT: the driver cannot tell more.
	// A FLOAT keeps the digits MySQL printed (0.1, not 0.10000000149011612).
	wantColumns(t, cols,
		"id INT integer not null", "big BIGINT integer nullable", "price DECIMAL decimal nullable",
		"ratio FLOAT float nullable", "score DOUBLE float nullable", "active TINYINT integer nullable",
		"born DATE date nullable", "seen_at DATETIME timestamp nullable", "paid_at TIMESTAMP timestamp nullable",
		"name TEXT text nullable", "code VARCHAR text nullable", "doc TEXT text nullable",
		"data BLOB bytes nullable", "huge UNSIGNED BIGINT integer nullable")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	// An unsigned BIGINT above int64's range is kept as its text, not wrapped around.
	wantValues(t, rows[0], int64(1), int64(9007199254740993), source.Decimal("1234567890.12"), float64(0.1), float64(2.25),
		int64(1), time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 34, 56, 789e6, time.UTC),
		time.Date(2024, 3, 1, 10, 34, 56, 0, time.UTC), "Zoë", "AB-1", `{"a": 1}`, []byte{0x00, 0xff},
		source.Unparsed("18446744073709551615"))
	wantValues(t, rows[1], int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)

	_, rows = readAll(t, src, source.Query{SQL: `SELECT CAST('12345678901234567890.1234567890' AS DECIMAL(30,10)) AS big;`})
	wantValues(t, rows[0], source.Decimal("12345678901234567890.1234567890"))
}

func TestMySQLStreamsRowsWithoutHoldingThem(t *testing.T) {
	rawURL, _ := sourcetest.MySQL(t)
	src := open(t, rawURL, source.Options{})
	readFlat(t, src, source.Query{SQL: `SELECT seq AS id, CONCAT('customer-', seq, '@example.com') AS email, seq * 1.25 AS amount
		FROM seq_1_to_200000`}, 200000)
}

func TestMySQLClosingEarlyDoesNotReadTheRest(t *testing.T) {
	rawURL, _ := sourcetest.MySQL(t)
	src := open(t, rawURL, source.Options{})
	rows, err := src.Query(context.Background(), source.Query{SQL: `SELECT seq FROM seq_1_to_100000000`})
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

func TestMySQLRefusesModelsThatWriteAndChangesNothing(t *testing.T) {
	rawURL, exec := sourcetest.MySQL(t)
	exec(`CREATE TABLE t (a int)`)
	exec(`INSERT INTO t VALUES (1), (2), (3)`)
	src := open(t, rawURL, source.Options{})
	for _, sql := range []string{
		`DELETE FROM t`,
		`UPDATE t SET a = 0`,
		`INSERT INTO t VALUES (4)`,
		`DROP TABLE t`,
		`CREATE TABLE u (a int)`,
		`TRUNCATE TABLE t`,
	} {
		err := queryErr(src, source.Query{SQL: sql})
		if msg := wantPart(t, err, source.PartReadOnly); !contains(msg, "read-only") {
			t.Errorf("%s: %q does not say read-only", sql, msg)
		}
	}
	// A second statement behind the first is not run at all: multiple statements are off.
	if err := queryErr(src, source.Query{SQL: `COMMIT; DELETE FROM t`}); err == nil {
		t.Error("COMMIT; DELETE ran")
	}
	_, rows := readAll(t, src, source.Query{SQL: `SELECT COUNT(*), (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'u') FROM t`})
	wantValues(t, rows[0], int64(3), int64(0))
}

func TestMySQLStopsAQueryAtItsTimeout(t *testing.T) {
	rawURL, _ := sourcetest.MySQL(t)
	src := open(t, rawURL, source.Options{})
	start := time.Now()
	err := queryErr(src, source.Query{SQL: `SELECT SLEEP(5)`, Timeout: 200 * time.Millisecond})
	msg := wantPart(t, err, source.PartTimeout)
	if !contains(msg, "200ms") {
		t.Errorf("%q does not name the timeout", msg)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the query ran %s", took)
	}
	// The limit belongs to that query's session alone: the next query has none.
	if _, rows := readAll(t, src, source.Query{SQL: `SELECT SLEEP(0.3)`}); len(rows) != 1 {
		t.Fatal("no row")
	}
}

func TestMySQLTestNamesWhatIsWrong(t *testing.T) {
	rawURL, exec := sourcetest.MySQL(t)
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
	user := sourcetest.RandomName("etl_")
	exec(`CREATE USER '` + user + `'@'%' IDENTIFIED BY 'right-password'`)
	t.Cleanup(func() { exec(`DROP USER '` + user + `'@'%'`) })
	db := strings.TrimPrefix(base.Path, "/")
	exec(`CREATE TABLE open_table (a int)`)
	exec(`CREATE TABLE secrets (a int)`)

	for _, c := range []struct {
		name string
		url  string
		part source.Part
		says []string
	}{
		{"nothing listens on the port", with(func(u *url.URL) { u.Host = "127.0.0.1:1" }), source.PartHost, []string{"127.0.0.1:1", "refused the connection"}},
		{"the host name does not exist", with(func(u *url.URL) { u.Host = "db.nonexistent.invalid" }), source.PartHost, []string{`"db.nonexistent.invalid" was not found`}},
		{"the password is wrong", with(func(u *url.URL) { u.User = url.UserPassword(user, "wrong-password") }), source.PartAuth, []string{`refused the password for user "` + user + `"`}},
		{"the database does not exist", with(func(u *url.URL) { u.Path = "/no_such_db" }), source.PartDatabase, []string{`MariaDB`, `no database "no_such_db"`}},
		{"the user may not use the database", with(func(u *url.URL) { u.User = url.UserPassword(user, "right-password") }), source.PartPermission, []string{`user "` + user + `" is not allowed to use database "` + db + `"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.url, source.Options{ConnectTimeout: 3 * time.Second}).Test(ctx)
			if msg := wantPart(t, err, c.part); !contains(msg, c.says...) {
				t.Errorf("%q does not say %q", msg, c.says)
			}
		})
	}

	t.Run("the user may not read the table", func(t *testing.T) {
		exec(`GRANT SELECT ON ` + db + `.open_table TO '` + user + `'@'%'`)
		src := open(t, with(func(u *url.URL) { u.User = url.UserPassword(user, "right-password") }), source.Options{})
		if err := src.Test(ctx); err != nil {
			t.Fatalf("Test: %v", err)
		}
		readAll(t, src, source.Query{Table: "open_table"})
		msg := wantPart(t, queryErr(src, source.Query{Table: "secrets"}), source.PartPermission)
		if !contains(msg, user, "secrets") {
			t.Errorf("%q does not name the user and the table", msg)
		}
	})
}

func TestMySQLQueryErrorsCarryTheDatabaseMessage(t *testing.T) {
	rawURL, exec := sourcetest.MySQL(t)
	exec(`CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	for sql, says := range map[string]string{
		`SELECT * FROM nope`: `nope' doesn't exist`,
		`SELECT b FROM t`:    `Unknown column 'b'`,
		`SELEC 1`:            `syntax`,
	} {
		if msg := wantPart(t, queryErr(src, source.Query{SQL: sql}), source.PartQuery); !strings.Contains(msg, says) {
			t.Errorf("%s: %q does not say %q", sql, msg, says)
		}
	}
}
