package source

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlSource reads from MySQL or MariaDB. The two differ in how a statement's time is limited, so
// the server's flavour is read from VERSION() on the first connection.
type mysqlSource struct {
	failer
	db   *sql.DB
	cfg  *mysql.Config
	host string

	mu      sync.Mutex
	mariaDB bool
	known   bool // whether the flavour was read
}

func openMySQL(_ context.Context, rawURL string, opts Options) (Source, error) {
	f := failer{engine: "mysql", secrets: Secrets(rawURL)}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, f.badURL(rawURL, "special characters in the user or password, such as / @ : # ?, must be percent-encoded")
	}
	if u.Host == "" {
		return nil, f.badURL(rawURL, "no host")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if strings.Contains(cfg.DBName, "/") {
		return nil, f.badURL(rawURL, "the path is the database name, one word")
	}
	for key, values := range u.Query() {
		switch key {
		case "tls":
			// true, false, skip-verify or preferred, as the driver takes them.
			cfg.TLSConfig = values[0]
		default:
			return nil, f.badURL(rawURL, fmt.Sprintf("unknown parameter %q; the one known is tls", key))
		}
	}
	cfg.Timeout = opts.connectTimeout()
	// Times: DATETIME as written, read as UTC; TIMESTAMP converted by the server to UTC.
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	cfg.MultiStatements = false // a model is one statement: no "; DELETE …" behind a SELECT
	cfg.Logger = &mysql.NopLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, f.badURL(rawURL, rootCause(err))
	}
	db := sql.OpenDB(connector)
	// A query's read-only mode and time limit are session settings: a connection is never reused.
	db.SetMaxIdleConns(0)
	return &mysqlSource{failer: f, db: db, cfg: cfg, host: u.Hostname()}, nil
}

func (m *mysqlSource) Engine() string { return "mysql" }

func (m *mysqlSource) Close() error { return m.db.Close() }

// server names the server in sentences: "MariaDB at host:3306" once the flavour is known.
func (m *mysqlSource) server() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case !m.known:
		return "MySQL/MariaDB at " + m.cfg.Addr
	case m.mariaDB:
		return "MariaDB at " + m.cfg.Addr
	}
	return "MySQL at " + m.cfg.Addr
}

// conn opens a connection and reads the server's flavour from it once.
func (m *mysqlSource) conn(ctx, callerCtx context.Context) (*sql.Conn, error) {
	conn, err := m.db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, m.classify(callerCtx, err, 0, PartHost)
	}
	m.mu.Lock()
	known := m.known
	m.mu.Unlock()
	if !known {
		var version string
		if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
			conn.Close()
			return nil, m.classify(callerCtx, err, 0, PartHost)
		}
		m.mu.Lock()
		m.known, m.mariaDB = true, strings.Contains(strings.ToLower(version), "mariadb")
		m.mu.Unlock()
	}
	return conn, nil
}

func (m *mysqlSource) Test(ctx context.Context) error {
	conn, err := m.conn(ctx, ctx)
	if err != nil {
		return err
	}
	return conn.Close()
}

func (m *mysqlSource) Query(ctx context.Context, q Query) (Rows, error) {
	stmt, err := m.statement(q, '`')
	if err != nil {
		return nil, err
	}
	qctx, cancel := deadline(ctx, q.Timeout, serverGrace)
	classify := func(err error) error {
		if q.Timeout > 0 && qctx.Err() != nil && ctx.Err() == nil { // the driver may say "invalid connection"
			return m.timeout(m.server(), q.Timeout, err)
		}
		return m.classify(ctx, err, q.Timeout, PartQuery)
	}
	conn, err := m.conn(qctx, ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	var tx *sql.Tx
	r := &sqlRows{ctx: ctx, cancel: cancel, classify: classify, cleanup: func() {
		if tx != nil {
			tx.Rollback()
		}
		conn.Close()
	}, abort: func() { abortMySQL(conn) }}
	if err := m.prepareSession(qctx, conn, q.Timeout); err != nil {
		r.Close()
		return nil, classify(err)
	}
	if tx, err = conn.BeginTx(qctx, &sql.TxOptions{ReadOnly: true}); err != nil {
		r.Close()
		return nil, classify(err)
	}
	if r.rows, err = tx.QueryContext(qctx, stmt); err != nil {
		r.Close()
		return nil, classify(err)
	}
	if err := r.start(mysqlColumn); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// abortMySQL closes the connection under a query that is still sending rows. Cancelling its context is
// not enough: database/sql then closes the rows from its own goroutine, and the driver's Close stops
// watching the context before it reads (and drops) the rest of the result — a race that, when lost,
// read a hundred million rows before Close returned. Closing the driver's connection makes every read
// fail at once and the server ends the query when its next write fails, as the driver's own
// cancellation does. A connection is never reused, so nothing else sees it closed.
func abortMySQL(conn *sql.Conn) {
	conn.Raw(func(driverConn any) error {
		if c, ok := driverConn.(io.Closer); ok {
			c.Close()
		}
		return nil
	})
}

// prepareSession makes every transaction of the session read-only (DDL, which commits implicitly,
// included) and limits each statement to timeout: MariaDB's max_statement_time is in seconds,
// MySQL's max_execution_time in milliseconds (and applies to SELECT, which a model is).
func (m *mysqlSource) prepareSession(ctx context.Context, conn *sql.Conn, timeout time.Duration) error {
	if _, err := conn.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return err
	}
	if timeout <= 0 {
		return nil
	}
	m.mu.Lock()
	mariaDB := m.mariaDB
	m.mu.Unlock()
	limit := fmt.Sprintf("SET SESSION max_execution_time = %d", max(timeout.Milliseconds(), 1))
	if mariaDB {
		limit = fmt.Sprintf("SET SESSION max_statement_time = %.3f", max(timeout.Seconds(), 0.001))
	}
	_, err := conn.ExecContext(ctx, limit)
	return err
}

// mysqlColumn describes a column from the driver's type name. MySQL has no boolean type (BOOLEAN is
// TINYINT(1)) and MariaDB's JSON is LONGTEXT: those come as integer and text.
func mysqlColumn(t *sql.ColumnType) (Column, func(any) any) {
	name := t.DatabaseTypeName()
	kind := KindUnknown
	switch strings.TrimPrefix(name, "UNSIGNED ") {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR":
		kind = KindInteger
	case "DECIMAL":
		kind = KindDecimal
	case "FLOAT", "DOUBLE":
		kind = KindFloat
	case "DATE":
		kind = KindDate
	case "DATETIME", "TIMESTAMP":
		kind = KindTimestamp
	case "JSON":
		kind = KindJSON
	case "CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET":
		kind = KindText
	case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BIT":
		kind = KindBytes
	}
	col := Column{Name: t.Name(), DatabaseType: name, Kind: kind}
	if nullable, ok := t.Nullable(); ok {
		col.Nullable = NotNullable
		if nullable {
			col.Nullable = Nullable
		}
	}
	return col, converter(kind)
}

// classify turns a driver error into an *Error naming the part at fault.
func (m *mysqlSource) classify(ctx context.Context, err error, timeout time.Duration, fallback Part) error {
	if canceled(ctx, err) {
		return ctx.Err()
	}
	server, user := m.server(), m.cfg.User
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1045:
			return m.fail(PartAuth, err, "%s refused the password for user %q", server, user)
		case 1129, 1130:
			return m.fail(PartAuth, err, "%s does not accept user %q from this host: %s", server, user, myErr.Message)
		case 1044:
			return m.fail(PartPermission, err, "%s: user %q is not allowed to use database %q", server, user, m.cfg.DBName)
		case 1049:
			return m.fail(PartDatabase, err, "%s has no database %q: check the database name", server, m.cfg.DBName)
		case 1142, 1143:
			return m.fail(PartPermission, err, "%s: user %q is not allowed to read this: %s", server, user, myErr.Message)
		case 1792, 1836:
			return m.fail(PartReadOnly, err, "%s refused to run the model, which tries to write (%s): a model is read-only, a SELECT", server, myErr.Message)
		case 1969, 3024:
			return m.timeout(server, timeout, err)
		case 1317:
			if timeout > 0 {
				return m.timeout(server, timeout, err)
			}
		case 1040:
			return m.fail(PartHost, err, "%s cannot take the connection now: %s", server, myErr.Message)
		}
		return m.fail(PartQuery, err, "%s refused the query: %s (error %d)", server, myErr.Message, myErr.Number)
	}
	if n := m.network(server, m.host, err); n != nil {
		return n
	}
	if errors.Is(err, context.DeadlineExceeded) && timeout > 0 {
		return m.timeout(server, timeout, err)
	}
	if fallback == PartHost {
		return m.fail(PartHost, err, "%s could not be reached: %s", server, rootCause(err))
	}
	return m.fail(fallback, err, "%s: %s", server, rootCause(err))
}
