package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// postgres reads from PostgreSQL through pgx, one connection per query: a model runs once per sync, so
// a pool would only keep idle connections open on the user's server.
type postgres struct {
	failer
	cfg    *pgx.ConnConfig
	server string // "PostgreSQL at host:port", the subject of error sentences
}

func openPostgres(_ context.Context, rawURL string, opts Options) (Source, error) {
	f := failer{engine: "postgres", secrets: Secrets(rawURL)}
	// net/url's own error quotes the URL, password included, so it is replaced by a hint.
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, f.badURL(rawURL, "special characters in the user or password, such as / @ : # ?, must be percent-encoded")
	}
	// The URL alone says where to connect and as whom. libpq's defaults would fill the gaps from
	// bcsync's own process: a local socket with peer authentication, PGHOST, PGUSER, PGPASSWORD and
	// ~/.pgpass, which are the operator's, not the data team's.
	switch {
	case u.Hostname() == "":
		return nil, f.badURL(rawURL, "no host")
	case u.User.Username() == "":
		return nil, f.badURL(rawURL, "no user")
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		var pe *pgconn.ParseConfigError
		why := "it cannot be parsed"
		if errors.As(err, &pe) && pe.Unwrap() != nil {
			why = rootCause(pe.Unwrap())
		}
		return nil, f.badURL(rawURL, why)
	}
	// Read-only is the transaction's (BEGIN READ ONLY), not a startup parameter such as
	// default_transaction_read_only, which PgBouncer refuses: the extended protocol runs one statement,
	// so nothing can follow a COMMIT to write outside it.
	cfg.Password, _ = u.User.Password() // none is none: not PGPASSWORD, not a .pgpass entry
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "bcsync"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.connectTimeout()
	}
	// The extended protocol runs exactly one statement, and nothing is cached on a connection that is
	// closed after one query.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	cfg.StatementCacheCapacity = 0
	cfg.DescriptionCacheCapacity = 0

	if strings.HasPrefix(cfg.Host, "/") { // ?host=/run/postgresql
		return nil, f.badURL(rawURL, "a local socket is bcsync's own machine, not a warehouse")
	}
	server := "PostgreSQL at " + net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	return &postgres{failer: f, cfg: cfg, server: server}, nil
}

func (p *postgres) Engine() string { return "postgres" }

func (p *postgres) Close() error { return nil }

func (p *postgres) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, p.cfg.Copy())
	if err != nil {
		return nil, p.classify(ctx, err, 0, PartHost)
	}
	return conn, nil
}

func (p *postgres) Test(ctx context.Context) error {
	conn, err := p.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		return p.classify(ctx, err, 0, PartHost)
	}
	return nil
}

func (p *postgres) Query(ctx context.Context, q Query) (Rows, error) {
	sql, err := p.statement(q, '"')
	if err != nil {
		return nil, err
	}
	qctx, cancel := deadline(ctx, q.Timeout, serverGrace)
	r := &pgRows{p: p, ctx: ctx, qctx: qctx, cancel: cancel, timeout: q.Timeout}
	if err := r.start(sql, q.Table != ""); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// classify turns a pgx error into an *Error naming the part at fault. fallback is the part of an
// error that says nothing more precise: the host while connecting, the query afterwards.
func (p *postgres) classify(ctx context.Context, err error, timeout time.Duration, fallback Part) error {
	if canceled(ctx, err) {
		return ctx.Err()
	}
	user := p.cfg.User
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01":
			return p.fail(PartAuth, err, "%s refused the password for user %q", p.server, user)
		case "28000":
			return p.fail(PartAuth, err, "%s refused user %q: %s", p.server, user, pgErr.Message)
		case "3D000":
			return p.fail(PartDatabase, err, "%s has no database %q: check the database name", p.server, p.cfg.Database)
		case "42501":
			return p.fail(PartPermission, err, "%s: user %q is not allowed to read this: %s", p.server, user, pgErr.Message)
		case "25006":
			return p.fail(PartReadOnly, err, "%s refused to run the model, which tries to write (%s): a model is read-only, a SELECT", p.server, pgErr.Message)
		case "57014":
			return p.timeout(p.server, timeout, err)
		case "53300", "57P03":
			return p.fail(PartHost, err, "%s cannot take the connection now: %s", p.server, pgErr.Message)
		}
		if fallback == PartHost && strings.HasPrefix(pgErr.Code, "08") {
			return p.fail(PartHost, err, "%s: %s", p.server, pgErr.Message)
		}
		return p.fail(PartQuery, err, "%s refused the query: %s (SQLSTATE %s)", p.server, pgErr.Message, pgErr.Code)
	}
	if n := p.network(p.server, p.cfg.Host, err); n != nil {
		return n
	}
	if errors.Is(err, context.DeadlineExceeded) && timeout > 0 {
		return p.timeout(p.server, timeout, err)
	}
	if fallback == PartHost {
		return p.fail(PartHost, err, "%s could not be reached: %s", p.server, rootCause(err))
	}
	return p.fail(fallback, err, "%s: %s", p.server, rootCause(err))
}

// statementTimeout is the SET LOCAL that makes the server stop the query after d.
func statementTimeout(d time.Duration) string {
	return fmt.Sprintf("SET LOCAL statement_timeout = %d", max(d.Milliseconds(), 1))
}
