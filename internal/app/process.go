package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Process is a long-running bcsync process: bcsync serve, bcsync worker and bcsync demo.
type Process struct {
	Config   Config
	Services ServiceOptions
	// Listener serves Handler; nil with Listen "": no HTTP.
	Listener net.Listener
	Listen   string
	// Handler builds what HTTP serves over the running services.
	Handler func(*Services) (http.Handler, error)
	// Prepare runs once the services are built, before the workers start (the first admin account, the
	// demo's connection).
	Prepare func(ctx context.Context, s *Services) error
	// Ready runs once the workers and HTTP serve, until the process stops (its context ends then).
	Ready func(ctx context.Context, s *Services, url string)
	// StopTimeout bounds the graceful stop of HTTP and of the workers (default 30 s).
	StopTimeout time.Duration
}

// ErrWorkersElsewhere means another process runs the workers of this SQLite database.
var ErrWorkersElsewhere = store.ErrWorkersElsewhere

// Run opens the state, builds the services, starts the workers and serves HTTP until ctx ends (a
// signal), then stops gracefully: HTTP first, then the workers, whose running syncs reach a checkpoint
// and continue in the next process that starts.
func Run(ctx context.Context, p Process) error {
	log := p.Config.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		p.Config.Logger = log
	}
	if p.StopTimeout <= 0 {
		p.StopTimeout = 30 * time.Second
	}
	a, err := Open(ctx, p.Config)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(p.Services)
	if err != nil {
		return err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.StopTimeout)
		defer cancel()
		if err := s.Stop(sctx); err != nil {
			log.Warn("stopping workers", slog.Any("error", err))
		}
	}
	if p.Prepare != nil {
		if err := p.Prepare(ctx, s); err != nil {
			stop()
			return err
		}
	}
	if err := s.Start(ctx); err != nil {
		stop()
		if errors.Is(err, store.ErrWorkersElsewhere) {
			return fmt.Errorf("another bcsync process runs the workers of this SQLite database; stop it, or use PostgreSQL (--database-url) to run several: %w", err)
		}
		return err
	}
	if p.Services.Work {
		log.Info("workers started", slog.String("database", string(a.Store.Engine())), slog.Int("workers", p.Config.Workers))
	}
	defer stop()

	ln := p.Listener
	if ln == nil && p.Listen != "" {
		if ln, err = net.Listen("tcp", p.Listen); err != nil {
			return err
		}
	}
	var srv *http.Server
	served := make(chan error, 1)
	url := ""
	if ln != nil && p.Handler != nil {
		h, err := p.Handler(s)
		if err != nil {
			ln.Close()
			return err
		}
		srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		url = "http://" + ln.Addr().String()
		log.Info("serving", slog.String("url", url))
		go func() { served <- srv.Serve(ln) }()
	}

	bg, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	if p.Ready != nil {
		background.Go(func() { p.Ready(bg, s, url) })
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	log.Info("stopping")
	stopBackground()
	background.Wait()
	if srv != nil {
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.StopTimeout)
		srv.Shutdown(shut)
		cancel()
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTP: %w", serveErr)
	}
	return nil
}
