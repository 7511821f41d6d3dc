package source_test

import (
	"context"
	"testing"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

func TestOpenPicksTheEngineFromTheURL(t *testing.T) {
	for rawURL, engine := range map[string]string{
		"postgres://etl:pw@db.example.com:5432/shop?sslmode=require": "postgres",
		"postgresql://etl@db.example.com/shop":                       "postgres",
		"mysql://etl:pw@db.example.com:3306/shop":                    "mysql",
		"mariadb://etl:pw@db.example.com/shop?tls=true":              "mysql",
		"sqlite:/var/lib/warehouse.db":                               "sqlite",
		"sqlite:///var/lib/warehouse.db":                             "sqlite",
		"sqlite://relative/warehouse.db":                             "sqlite",
		"/data/customers.csv":                                        "csv",
		"exports/Customers.CSV":                                      "csv",
		"file:/data/customers.csv":                                   "csv",
		"file:///data/my%20customers.csv?delimiter=;":                "csv",
		"csv:/data/customers.txt":                                    "csv",
		"https://files.example.com/export?id=7":                      "csv",
	} {
		src, err := source.Open(context.Background(), rawURL, source.Options{})
		if err != nil {
			t.Errorf("%s: %v", rawURL, err)
			continue
		}
		if src.Engine() != engine {
			t.Errorf("%s: engine %q, want %q", rawURL, src.Engine(), engine)
		}
		src.Close()
	}
}

func TestOpenRefusesMalformedURLsSayingWhatAValidOneLooksLike(t *testing.T) {
	for rawURL, says := range map[string]string{
		"":                                    "postgres://user:password@host:5432/database",
		"ftp://files.example.com/x.csv":       "mysql://user:password@host:3306/database",
		"customers.xlsx":                      "/path/to/file.csv",
		"postgres://etl@db:port/shop":         "postgres://user:password@host:5432/database",
		"postgres://etl@db/shop?sslmode=nope": "sslmode",
		"mysql:///shop":                       "no host",
		"mysql://etl@db/shop?charset=latin1":  `unknown parameter "charset"`,
		"mysql://etl@db/shop/more":            "database name",
		"sqlite:":                             "sqlite:/path/to/file.db",
		"sqlite:/x.db?mode=rwc":               "no parameters",
		"/data/x.csv?delimiter=ab":            `delimiter "ab"`,
		"/data/x.csv?encoding=ebcdic":         `encoding "ebcdic"`,
		"/data/x.csv?header=no":               `unknown parameter "header"`,
		"http://files.example.com/x.csv":      "https",
	} {
		_, err := source.Open(context.Background(), rawURL, source.Options{})
		if err == nil {
			t.Errorf("%q opened", rawURL)
			continue
		}
		if msg := wantPart(t, err, source.PartURL); !contains(msg, says) {
			t.Errorf("%q: %q does not say %q", rawURL, msg, says)
		}
	}
}

func TestQueryTakesEitherSQLOrATableWhoseNameIsQuoted(t *testing.T) {
	rawURL, _ := sqliteFile(t, `CREATE TABLE "odd ""name""" (a int)`, `INSERT INTO "odd ""name""" VALUES (1)`, `CREATE TABLE t (a int)`)
	src := open(t, rawURL, source.Options{})
	_, rows := readAll(t, src, source.Query{Table: `odd "name"`})
	wantValues(t, rows[0], int64(1))
	for _, q := range []source.Query{{}, {SQL: "SELECT 1", Table: "t"}, {SQL: "  ;  "}} {
		wantPart(t, queryErr(src, q), source.PartQuery)
	}
	// A table name is a name, never SQL.
	msg := wantPart(t, queryErr(src, source.Query{Table: "t; DROP TABLE t"}), source.PartQuery)
	if !contains(msg, `no such table: t; DROP TABLE t`) {
		t.Errorf("%q", msg)
	}
}
