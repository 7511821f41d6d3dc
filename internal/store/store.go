// Package store keeps bcsync's state: connections and their settings, encrypted credentials, stream
// cursors, what was sent for each record, runs and their counts, rejected records and recorded API
// calls. It is the only package that writes SQL. Two engines are supported with the same queries:
// embedded SQLite (the default, one process) and PostgreSQL (any number of processes).
//
// With SQLite the pool has a single connection (River requires it), so no method may issue a query
// while it still iterates the rows of another: every method reads its rows fully before returning.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/bcsync/bcsync/internal/secret"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

//go:embed migrations
var migrations embed.FS

// Store is bcsync's state in one database.
type Store struct {
	db     *sql.DB
	engine Engine
	path   string // SQLite: the database file
	box    *secret.Box
	now    func() time.Time
}

// Location is where a database lives, parsed from a URL.
type Location struct {
	Engine Engine
	DSN    string // what database/sql opens
	Path   string // SQLite: the file
}

// ParseURL reads "postgres://…"/"postgresql://…" or "sqlite:PATH" / "sqlite://PATH" / a bare file path.
func ParseURL(raw string) (Location, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return Location{}, fmt.Errorf("store: database URL: %w", err)
		}
		return Location{Engine: Postgres, DSN: raw}, nil
	case raw == "":
		return Location{}, errors.New("store: no database URL")
	}
	path := raw
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		if rest, ok := strings.CutPrefix(raw, p); ok {
			path = rest
			break
		}
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return Location{}, fmt.Errorf("store: database URL %q names no file", raw)
	}
	if strings.Contains(raw, "://") && !strings.HasPrefix(raw, "sqlite://") {
		return Location{}, fmt.Errorf("store: unsupported database URL %q (use postgres://… or sqlite:PATH)", raw)
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	return Location{Engine: SQLite, Path: path, DSN: "file:" + path + "?" + pragmas}, nil
}

// Open connects to the database at rawURL. box seals and opens credentials.
func Open(ctx context.Context, rawURL string, box *secret.Box) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	switch loc.Engine {
	case SQLite:
		if err := os.MkdirAll(filepath.Dir(loc.Path), 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := ownerOnly(loc.Path); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db, err = sql.Open("sqlite", loc.DSN)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// One connection: SQLite has one writer, and River's SQLite driver requires it.
		db.SetMaxOpenConns(1)
	case Postgres:
		db, err = sql.Open("pgx", loc.DSN)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := ping(ctx, db, loc.Engine); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s database: %w", loc.Engine, err)
	}
	return &Store{db: db, engine: loc.Engine, path: loc.Path, box: box, now: time.Now}, nil
}

// ownerOnly makes an SQLite database and its -wal, -shm and -journal files readable by their owner
// only, whatever the directory's mode and the umask: they hold customers' personal data and recorded
// API bodies. SQLite would create the database 0644 (less the umask) and gives its other files the
// database's mode, so the database is created 0600 before SQLite opens it; the files of a database an
// older release made readable by others are tightened.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	if runtime.GOOS == "windows" { // no mode bits: the directory's ACL decides who reads
		return nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// ping opens the first connection. SQLite answers SQLITE_BUSY at once, without waiting out
// busy_timeout, when a connection's pragmas (WAL mode) meet another process opening the same database
// (a CLI command beside bcsync serve): that is retried for a few seconds.
func ping(ctx context.Context, db *sql.DB, engine Engine) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || engine != SQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB is the underlying pool, shared with the job queue (River keeps its tables in the same database).
func (s *Store) DB() *sql.DB { return s.db }

// Engine tells which database engine the store uses.
func (s *Store) Engine() Engine { return s.engine }

// Migrate brings bcsync's tables up to date. With PostgreSQL a session lock keeps concurrent
// processes from migrating at once.
func (s *Store) Migrate(ctx context.Context, logger *slog.Logger) error {
	p, err := s.migrator()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("migrated", slog.String("migration", r.Source.Path), slog.Duration("took", r.Duration))
		}
	}
	return s.rebindSecrets(ctx, logger)
}

// migrator runs the engine's migrations.
func (s *Store) migrator() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.engine == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, s.db, fsys, append(opts, goose.WithTableName("bcsync_migrations"))...)
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// placeholders returns "$from,$from+1,…" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// inTx runs f in a transaction and commits it when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// ReclaimOrphanedJobs makes jobs that a stopped process left running available again. Only for
// SQLite, and only by the holder of the workers lock (see LockWorkers): then no other process can be
// working them. With PostgreSQL, River's rescuer takes over jobs whose process died.
func (s *Store) ReclaimOrphanedJobs(ctx context.Context) (int64, error) {
	if s.engine != SQLite {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec') WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("store: reclaim orphaned jobs: %w", err)
	}
	return res.RowsAffected()
}

// WorkersAlive reports whether some process runs sync workers: with SQLite, whether one holds the
// workers lock; with PostgreSQL, whether one leads the job queue (River's leader).
func (s *Store) WorkersAlive(ctx context.Context) (bool, error) {
	if s.engine == SQLite {
		unlock, err := s.LockWorkers()
		if errors.Is(err, ErrWorkersElsewhere) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		unlock()
		return false, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_leader WHERE expires_at > now()`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: workers alive: %w", err)
	}
	return n > 0, nil
}

type rowScanner interface{ Scan(...any) error }
