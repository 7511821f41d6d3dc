package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/web"
)

type serveCmd struct {
	Listen string `help:"Address of the web UI and API." default:"127.0.0.1:8080"`
}

func (c *serveCmd) Run(ctx context.Context, cfg app.Config, logger *slog.Logger) error {
	return runWorkers(ctx, cfg, logger, func(s *app.Services) error {
		ln, err := net.Listen("tcp", c.Listen)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: web.New(s), ReadHeaderTimeout: 10 * time.Second}
		logger.Info("serving", slog.String("url", "http://"+ln.Addr().String()))
		go func() {
			<-ctx.Done()
			shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			srv.Shutdown(shut)
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}

type workerCmd struct{}

func (workerCmd) Run(ctx context.Context, cfg app.Config, logger *slog.Logger) error {
	return runWorkers(ctx, cfg, logger, func(*app.Services) error {
		<-ctx.Done()
		return nil
	})
}

// runWorkers runs sync workers and the scheduler while body runs, then stops them gracefully: running
// syncs reach a checkpoint and continue in the next process that starts.
func runWorkers(ctx context.Context, cfg app.Config, logger *slog.Logger, body func(*app.Services) error) error {
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(app.ServiceOptions{Work: true})
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		if errors.Is(err, store.ErrWorkersElsewhere) {
			return errors.New("another bcsync process runs the workers of this SQLite database; stop it, or use PostgreSQL (--database-url) to run several")
		}
		return err
	}
	logger.Info("workers started", slog.String("database", string(a.Store.Engine())), slog.Int("workers", cfg.Workers))
	bodyErr := body(s)
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.Stop(stop); err != nil {
		logger.Warn("stopping workers", slog.Any("error", err))
	}
	logger.Info("stopped")
	return bodyErr
}
