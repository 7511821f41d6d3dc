// Package web serves bcsync over HTTP: it mounts the admin UI, the JSON API, the store's webhook
// deliveries, health and readiness probes and Prometheus metrics on one handler, behind the
// middleware every request shares (security headers, panics recovered, requests logged at debug).
package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/api"
	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/ui"
)

// Deps are what the server serves.
type Deps struct {
	Services *app.Services
	// SecureCookies says users reach bcsync over HTTPS (--public-url https://…): the UI's cookies are
	// Secure, and every answer tells browsers to use HTTPS only (Strict-Transport-Security).
	SecureCookies bool
	// TrustProxy reads a sign-in's client address from X-Forwarded-For (see ui.Options).
	TrustProxy bool
}

// Server is bcsync's HTTP handler.
type Server struct {
	svc     *app.Services
	log     *slog.Logger
	handler http.Handler
}

// New builds the handler.
func New(d Deps) (*Server, error) {
	s := &Server{svc: d.Services, log: d.Services.Logger}
	mux := http.NewServeMux()
	s.probes(mux)
	mux.HandleFunc("POST /webhooks/bigcommerce/{id}", s.bigcommerceWebhook)
	mux.Handle("/api/v1/", api.New(d.Services, d.Services.Auth))

	pages, err := ui.New(d.Services, d.Services.Auth, ui.Options{SecureCookies: d.SecureCookies, TrustProxy: d.TrustProxy})
	if err != nil {
		return nil, err
	}
	uiMux := http.NewServeMux()
	pages.Register(uiMux)
	// Browsers say where a request comes from (Sec-Fetch-Site, Origin): a form posted from another
	// site is refused before it reaches a handler, on top of the forms' CSRF tokens.
	mux.Handle("/", http.NewCrossOriginProtection().Handler(uiMux))

	s.handler = s.recover(securityHeaders(mux, d.SecureCookies))
	return s, nil
}

// NewProbes serves only /healthz, /readyz and /metrics: what a worker process shows its operator.
func NewProbes(svc *app.Services) http.Handler {
	s := &Server{svc: svc, log: svc.Logger}
	mux := http.NewServeMux()
	s.probes(mux)
	s.handler = s.recover(mux)
	return s
}

func (s *Server) probes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.svc.Metrics.Handler())
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the state database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Store.DB().PingContext(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "state database: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// securityHeaders keeps pages from being framed, sniffed or running scripts from elsewhere, and, when
// bcsync is reached over HTTPS, browsers from ever using plain HTTP for it: a network attacker could
// otherwise catch the first http:// request and the cookies and passwords after it. The header is sent
// whatever the scheme of the request itself: behind a TLS proxy bcsync sees plain HTTP, and browsers
// ignore the header on answers they did not get over HTTPS.
func securityHeaders(next http.Handler, https bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000") // a year; subdomains are not bcsync's to decide
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// recover turns a handler's panic into a 500 and a log line, and logs each request at debug.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("a request panicked", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("panic", v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
		s.log.Debug("request", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Duration("took", time.Since(start)))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
