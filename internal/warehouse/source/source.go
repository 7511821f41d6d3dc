package source

import (
	"context"
	"net/http"
	"time"
)

// Source is a place rows are read from. Open returns one; it holds no connection between calls.
type Source interface {
	// Engine names the engine: "postgres", "mysql" (MySQL and MariaDB), "sqlite" or "csv".
	Engine() string
	// Test connects and reads nothing, returning an *Error that names the part that failed.
	Test(ctx context.Context) error
	// Query starts reading q's rows. An error raised before the first row (a refused login, an unknown
	// table, a write) is returned here; later ones end the iteration and are returned by Rows.Err.
	// Errors are *Error, except when ctx itself is cancelled or expires: then it is ctx's error.
	Query(ctx context.Context, q Query) (Rows, error)
	// Close releases what the source keeps between calls.
	Close() error
}

// Query is what to read: a SQL statement or a whole table. A CSV source is its file: it takes
// neither (a Table is ignored, SQL is refused).
type Query struct {
	// SQL is one read-only statement, without parameters. A trailing semicolon is allowed.
	SQL string
	// Table is a table name, optionally schema-qualified ("analytics.customers"), read with SELECT *.
	// Each dot-separated part is quoted for the engine, so it must be spelled as the database stores
	// it (PostgreSQL folds unquoted names to lower case when tables are created).
	Table string
	// Timeout bounds the whole query, reading its rows included: a consumer that processes rows slowly
	// needs a timeout long enough for that. Zero means no limit beyond ctx.
	Timeout time.Duration
}

// Options tune how sources connect.
type Options struct {
	// HTTPClient fetches CSV files over HTTPS. Nil means a client that waits at most ConnectTimeout to
	// connect and 30 s for response headers, and leaves the body's duration to Query.Timeout.
	HTTPClient *http.Client
	// AllowInsecureHTTP accepts http:// CSV URLs. It is for tests: production data goes over HTTPS.
	AllowInsecureHTTP bool
	// ConnectTimeout bounds connecting to a server. Zero means 10 s.
	ConnectTimeout time.Duration
}

func (o Options) connectTimeout() time.Duration {
	if o.ConnectTimeout > 0 {
		return o.ConnectTimeout
	}
	return 10 * time.Second
}

// Open returns the source rawURL names. It checks the URL and connects to nothing: Test does that.
//
//	postgres://user:password@host:5432/database   (also postgresql://; libpq parameters such as sslmode)
//	mysql://user:password@host:3306/database      (MySQL or MariaDB; also mariadb://; ?tls=true)
//	sqlite:/path/to/file.db                       (also sqlite://PATH)
//	/path/to/file.csv, file:/path/to/file.csv     (also csv:PATH for other names)
//	https://example.com/export.csv                (any HTTPS URL is read as CSV)
//
// A CSV URL may end in ?delimiter=;&encoding=windows-1252 (see the package documentation).
func Open(ctx context.Context, rawURL string, opts Options) (Source, error) {
	e, ok := engineFor(rawURL)
	if !ok {
		return nil, unknownEngine(rawURL)
	}
	return e.open(ctx, rawURL, opts)
}
