package source

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteSource reads a SQLite file. SQLite has no server to refuse a write, so three locks keep a
// model from changing anything: the file is opened read-only (mode=ro), PRAGMA query_only is on, and
// an authorizer lets a statement only read. The last one also refuses what the first two let through:
// ATTACH, which would create and open another file for writing, and setting PRAGMAs.
type sqliteSource struct {
	failer
	path string
	db   *sql.DB
}

func openSQLite(_ context.Context, rawURL string, _ Options) (Source, error) {
	f := failer{engine: "sqlite", secrets: Secrets(rawURL)}
	path := rawURL[len("sqlite:"):]
	path = strings.TrimPrefix(path, "//") // sqlite:///abs/path and sqlite://rel/path
	if strings.ContainsAny(path, "?#") {
		return nil, f.badURL(rawURL, "a SQLite URL takes no parameters")
	}
	if path == "" {
		return nil, f.badURL(rawURL, "no file")
	}
	// A file: URI, escaped, so that SQLite applies mode=ro; a plain name would be created if missing.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_query_only=1&_busy_timeout=5000"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, f.badURL(rawURL, rootCause(err))
	}
	return &sqliteSource{failer: f, path: path, db: db}, nil
}

func (s *sqliteSource) Engine() string { return "sqlite" }

func (s *sqliteSource) Close() error { return s.db.Close() }

func (s *sqliteSource) Test(ctx context.Context) error {
	if err := s.stat(); err != nil {
		return err
	}
	// Reading the schema is what tells a SQLite file from any other.
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return s.classify(ctx, ctx, err, 0)
	}
	return nil
}

// stat names what is wrong with the file before SQLite gives its terser "unable to open".
func (s *sqliteSource) stat() error {
	info, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.fail(PartFile, err, "there is no SQLite database at %s: the file does not exist", s.path)
	case errors.Is(err, fs.ErrPermission):
		return s.fail(PartFile, err, "the SQLite database at %s cannot be read: permission denied", s.path)
	case err != nil:
		return s.fail(PartFile, err, "the SQLite database at %s cannot be read: %s", s.path, rootCause(err))
	case info.IsDir():
		return s.fail(PartFile, nil, "%s is a directory, not a SQLite database", s.path)
	}
	return nil
}

func (s *sqliteSource) Query(ctx context.Context, q Query) (Rows, error) {
	stmt, err := s.statement(q, '"')
	if err != nil {
		return nil, err
	}
	if err := s.stat(); err != nil {
		return nil, err
	}
	// No server enforces the timeout: the query's context interrupts SQLite when it runs out.
	qctx, cancel := deadline(ctx, q.Timeout, 0)
	r := &sqlRows{ctx: ctx, cancel: cancel, classify: func(err error) error { return s.classify(ctx, qctx, err, q.Timeout) }}
	conn, err := s.db.Conn(qctx)
	if err != nil {
		r.Close()
		return nil, r.classify(err)
	}
	r.cleanup = func() { conn.Close() }
	if err := conn.Raw(func(driverConn any) error {
		a, ok := driverConn.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("the SQLite driver cannot restrict statements to reading")
		}
		return a.RegisterAuthorizer(readOnlyAuthorizer)
	}); err != nil {
		r.Close()
		return nil, r.classify(err)
	}
	if r.rows, err = conn.QueryContext(qctx, stmt); err != nil {
		r.Close()
		return nil, r.classify(err)
	}
	if err := r.start(sqliteColumn); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// sqliteColumn describes a column from its declared type, by SQLite's own affinity rules refined with
// the names people declare (BOOLEAN, DATE, DATETIME, JSON). An expression has no declared type: its
// kind is unknown and its values come as SQLite stored them. SQLite does not say whether a result
// column is nullable.
func sqliteColumn(t *sql.ColumnType) (Column, func(any) any) {
	decl := t.DatabaseTypeName()
	kind := KindUnknown
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(decl, p) {
				return true
			}
		}
		return false
	}
	switch {
	case decl == "":
	case has("BOOL"):
		kind = KindBoolean
	case decl == "DATE":
		kind = KindDate
	case has("DATETIME", "TIMESTAMP"):
		kind = KindTimestamp
	case has("INT"):
		kind = KindInteger
	case has("JSON"):
		kind = KindJSON
	case has("CHAR", "CLOB", "TEXT"):
		kind = KindText
	case has("BLOB"):
		kind = KindBytes
	case has("REAL", "FLOA", "DOUB"):
		kind = KindFloat
	case has("DEC", "NUMERIC"):
		kind = KindDecimal
	}
	return Column{Name: t.Name(), DatabaseType: decl, Kind: kind}, converter(kind)
}

func (s *sqliteSource) classify(ctx, qctx context.Context, err error, timeout time.Duration) error {
	if canceled(ctx, err) {
		return ctx.Err()
	}
	var sqErr *sqlite.Error
	code := 0
	if errors.As(err, &sqErr) {
		code = sqErr.Code() & 0xff // the primary code of an extended one
	}
	switch {
	case timeout > 0 && qctx.Err() != nil && (code == sqlite3.SQLITE_INTERRUPT || errors.Is(err, context.DeadlineExceeded)):
		return s.timeout("SQLite", timeout, err)
	case code == sqlite3.SQLITE_READONLY || code == sqlite3.SQLITE_AUTH: // SQLITE_AUTH comes from readOnlyAuthorizer alone
		return s.fail(PartReadOnly, err, "SQLite refused to run the model, which tries to write or to change the connection: a model is read-only, a SELECT")
	case code == sqlite3.SQLITE_NOTADB:
		return s.fail(PartFormat, err, "%s is not a SQLite database", s.path)
	case code == sqlite3.SQLITE_CANTOPEN || code == sqlite3.SQLITE_PERM:
		return s.fail(PartFile, err, "the SQLite database at %s cannot be opened: %s", s.path, rootCause(err))
	}
	return s.fail(PartQuery, err, "SQLite refused the query: %s", rootCause(err))
}

// readOnlyAuthorizer lets a statement read tables, call functions and recurse, read a PRAGMA's value,
// and use the PRAGMAs that describe the schema (pragma_table_info('t') and the like, whose argument
// SQLite passes as the value); anything else is denied when the statement is prepared.
func readOnlyAuthorizer(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthPragma:
		if arg2 == "" || schemaPragmas[strings.ToLower(arg1)] {
			return sqlite.AuthorizerOK
		}
	}
	return sqlite.AuthorizerDeny
}

// schemaPragmas describe the database and change nothing, whatever their argument.
var schemaPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true, "index_info": true,
	"index_xinfo": true, "foreign_key_list": true, "database_list": true, "collation_list": true,
	"function_list": true, "pragma_list": true, "module_list": true, "compile_options": true,
}
