package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/store"
)

// App is bcsync's opened state.
type App struct {
	Config Config
	Store  *store.Store
	Logger *slog.Logger
}

// Open opens (and migrates) the state database.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	url := cfg.databaseURL()
	loc, err := store.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if cfg.DatabaseURL != "" && loc.Engine == store.SQLite {
		// A path given by hand that points nowhere is a mistake, not a place to make.
		if _, err := os.Stat(filepath.Dir(loc.Path)); err != nil {
			return nil, fmt.Errorf("the directory of %s does not exist: create it, or correct --database-url", cfg.DatabaseURL)
		}
	}
	box, err := cfg.secretBox(loc)
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, url, box)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: s, Logger: cfg.Logger}
	if err := a.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return a, nil
}

// NoStateError says there is no bcsync state where a command looked: it was not created.
type NoStateError struct{ Path string }

func (e *NoStateError) Error() string {
	return fmt.Sprintf("no bcsync state at %s (nothing was created there): `bcsync connection add` or `bcsync serve` starts one; "+
		"--data-dir or --database-url (BCSYNC_DATA_DIR, BCSYNC_DATABASE_URL) point at another", e.Path)
}

// OpenExisting opens the state only if it exists: commands that read or change what is there never
// create a database (a fresh machine's `bcsync connection list` says where it looked instead).
func OpenExisting(ctx context.Context, cfg Config) (*App, error) {
	loc, err := store.ParseURL(cfg.databaseURL())
	if err != nil {
		return nil, err
	}
	if loc.Engine == store.SQLite {
		if _, err := os.Stat(loc.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, &NoStateError{Path: loc.Path}
		}
	}
	return Open(ctx, cfg)
}

// Migrate brings bcsync's and River's tables up to date.
func (a *App) Migrate(ctx context.Context) error {
	unlock, err := a.Store.LockMigrations()
	if err != nil {
		return err
	}
	defer unlock()
	if err := a.Store.Migrate(ctx, a.Logger); err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, a.Store, a.Logger); err != nil {
		return fmt.Errorf("migrate job tables: %w", err)
	}
	return nil
}

// Close closes the state database.
func (a *App) Close() error { return a.Store.Close() }
