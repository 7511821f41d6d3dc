package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/web"
)

type serveCmd struct {
	serviceFlags
	workFlags
	Listen            string `help:"Address of the web UI and API." default:"127.0.0.1:8080"`
	AdminUsername     string `help:"Name of the admin account created on first start (with --admin-password)." default:"admin"`
	AdminPassword     string `help:"Creates the admin account on first start, when none exists (see also bcsync admin create)." placeholder:"PASSWORD"`
	AdminPasswordFile string `help:"File holding the password of --admin-password (for secrets mounted as files)." type:"path"`
	TrustProxy        bool   `help:"Every request comes through one proxy that appends the client's address to X-Forwarded-For: sign-in throttling counts failures by that address."`
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
	return app.Run(ctx, app.Process{Config: cfg, Services: app.ServiceOptions{Work: true}, Listen: c.Listen,
		Prepare: func(ctx context.Context, s *app.Services) error {
			if password == "" {
				return nil
			}
			made, err := s.Auth.EnsureAdmin(ctx, c.AdminUsername, password)
			if err != nil {
				return fmt.Errorf("admin account: %w", err)
			}
			if made {
				logger.Info("admin account created", slog.String("username", c.AdminUsername))
			}
			return nil
		},
		Handler: func(s *app.Services) (http.Handler, error) {
			return web.New(web.Deps{Services: s, SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"), TrustProxy: c.TrustProxy})
		}})
}

type workerCmd struct {
	serviceFlags
	workFlags
	Listen string `help:"Address to serve /healthz, /readyz and /metrics on (none when empty)." placeholder:"ADDR"`
}

func (c *workerCmd) Run(ctx context.Context, cfg app.Config) error {
	return app.Run(ctx, app.Process{Config: cfg, Services: app.ServiceOptions{Work: true}, Listen: c.Listen,
		Handler: func(s *app.Services) (http.Handler, error) { return web.NewProbes(s), nil }})
}
