package app

import (
	"context"
	"fmt"
	"log/slog"

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
