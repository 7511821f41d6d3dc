package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/web"
)

type serveCmd struct {
	Listen            string `help:"Address of the web UI and API." default:"127.0.0.1:8080"`
	AdminUsername     string `help:"Name of the admin account created on first start (with --admin-password)." default:"admin"`
	AdminPassword     string `help:"Creates the admin account on first start, when none exists (see also bcsync admin create)." placeholder:"PASSWORD"`
	AdminPasswordFile string `help:"File holding the password of --admin-password (for secrets mounted as files)." type:"path"`
}

func (c *serveCmd) Run(ctx context.Context, cfg app.Config, logger *slog.Logger) error {
	password := c.AdminPassword
	if password == "" && c.AdminPasswordFile != "" {
		b, err := os.ReadFile(c.AdminPasswordFile)
		if err != nil {
			return fmt.Errorf("admin password file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	return runWorkers(ctx, cfg, logger, func(s *app.Services) error {
		if password != "" {
			made, err := s.Auth.EnsureAdmin(ctx, c.AdminUsername, password)
			if err != nil {
				return fmt.Errorf("admin account: %w", err)
			}
			if made {
				logger.Info("admin account created", slog.String("username", c.AdminUsername))
			}
		}
		handler, err := web.New(web.Deps{Services: s, SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://")})
		if err != nil {
			return err
		}
		return serveHTTP(ctx, logger, c.Listen, handler)
	})
}

type workerCmd struct {
	Listen string `help:"Address to serve /healthz, /readyz and /metrics on (none when empty)." placeholder:"ADDR"`
}

func (c *workerCmd) Run(ctx context.Context, cfg app.Config, logger *slog.Logger) error {
	return runWorkers(ctx, cfg, logger, func(s *app.Services) error {
		if c.Listen == "" {
			<-ctx.Done()
			return nil
		}
		return serveHTTP(ctx, logger, c.Listen, web.NewProbes(s))
	})
}

// serveHTTP serves handler on addr until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, logger *slog.Logger, addr string, handler http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
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
