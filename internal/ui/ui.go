// Package ui is bcsync's admin web UI: server-rendered pages (html/template, embedded), forms that
// work without JavaScript, and a little script that refreshes live parts (a sync's progress, the
// debugger's calls) without reloading. One file per page or action.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// Options tune the UI.
type Options struct {
	// SecureCookies marks cookies Secure (and names the session cookie __Host-…): set it when users
	// reach bcsync over HTTPS.
	SecureCookies bool
	// TrustProxy takes the client's address of a sign-in from the last address of X-Forwarded-For, the
	// one the proxy in front of bcsync added: set it only when every request comes through that proxy.
	TrustProxy bool
}

// Handler serves the UI's pages.
type Handler struct {
	svc    *app.Services
	auth   *auth.Service
	log    *slog.Logger
	opts   Options
	views  *views
	static http.Handler

	proxyWarning sync.Once
}

// New builds the UI.
func New(svc *app.Services, a *auth.Service, opts Options) (*Handler, error) {
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	return &Handler{svc: svc, auth: a, log: svc.Logger, opts: opts, views: v, static: staticHandler()}, nil
}

// Register adds the UI's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", h.static)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.signedIn(h.logout))
	mux.HandleFunc("GET /{$}", h.signedIn(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/connections", http.StatusSeeOther)
	}))
	mux.HandleFunc("GET /connections", h.signedIn(h.connectionList))
	mux.HandleFunc("GET /connections/live", h.signedIn(h.connectionListLive))
	mux.HandleFunc("GET /connections/new", h.signedIn(h.connectionNew))
	mux.HandleFunc("POST /connections", h.signedIn(h.connectionCreate))
	mux.HandleFunc("GET /connections/{id}", h.connection(h.storeTab))
	mux.HandleFunc("GET /connections/{id}/live", h.connection(h.storeLive))
	mux.HandleFunc("POST /connections/{id}/settings", h.connection(h.settingsSave))
	mux.HandleFunc("POST /connections/{id}/credentials", h.connection(h.credentialsSave))
	mux.HandleFunc("POST /connections/{id}/sync", h.connection(h.syncNow))
	mux.HandleFunc("GET /connections/{id}/mapping", h.connection(h.mappingTab))
	mux.HandleFunc("POST /connections/{id}/mapping", h.connection(h.mappingSave))
	mux.HandleFunc("GET /connections/{id}/remove", h.connection(h.removeConfirm))
	mux.HandleFunc("POST /connections/{id}/remove", h.connection(h.remove))
	mux.HandleFunc("GET /connections/{id}/runs", h.connection(h.runList))
	mux.HandleFunc("GET /connections/{id}/runs/{run}", h.connection(h.runDetail))
	mux.HandleFunc("GET /connections/{id}/rejected", h.connection(h.rejectedList))
	mux.HandleFunc("GET /connections/{id}/rejected.csv", h.connection(h.rejectedCSV))
	mux.HandleFunc("GET /connections/{id}/debugger", h.connection(h.debugger))
	mux.HandleFunc("GET /connections/{id}/debugger/rows", h.connection(h.debuggerRows))
	mux.HandleFunc("GET /connections/{id}/debugger/{call}", h.connection(h.apiCall))
	mux.HandleFunc("GET /stores", h.signedIn(h.storeList))
	mux.HandleFunc("POST /stores", h.signedIn(h.storeCreate))
	mux.HandleFunc("GET /stores/{id}", h.shopPage(h.storeDetail))
	mux.HandleFunc("GET /stores/{id}/remove", h.shopPage(h.storeRemoveConfirm))
	mux.HandleFunc("POST /stores/{id}/remove", h.shopPage(h.storeRemove))
	mux.HandleFunc("GET /warehouse/sources", h.signedIn(h.sourceList))
	mux.HandleFunc("POST /warehouse/sources", h.signedIn(h.sourceCreate))
	mux.HandleFunc("POST /warehouse/sources/{id}/test", h.sourcePage(h.sourceCheck))
	mux.HandleFunc("GET /warehouse/sources/{id}/remove", h.sourcePage(h.sourceRemoveConfirm))
	mux.HandleFunc("POST /warehouse/sources/{id}/remove", h.sourcePage(h.sourceRemove))
	mux.HandleFunc("GET /warehouse/models", h.signedIn(h.modelList))
	mux.HandleFunc("GET /warehouse/models/new", h.signedIn(h.modelNew))
	mux.HandleFunc("POST /warehouse/models", h.signedIn(h.modelCreate))
	mux.HandleFunc("GET /warehouse/models/{id}", h.modelPage(h.modelDetail))
	mux.HandleFunc("GET /warehouse/models/{id}/remove", h.modelPage(h.modelRemoveConfirm))
	mux.HandleFunc("POST /warehouse/models/{id}/remove", h.modelPage(h.modelRemove))
	mux.HandleFunc("GET /warehouse/syncs", h.signedIn(h.warehouseSyncList))
	mux.HandleFunc("GET /warehouse/syncs/new", h.signedIn(h.warehouseSyncNew))
	mux.HandleFunc("POST /warehouse/syncs", h.signedIn(h.warehouseSyncCreate))
	mux.HandleFunc("GET /warehouse/syncs/{id}", h.warehouseSync(h.warehouseSyncDetail))
	mux.HandleFunc("GET /warehouse/syncs/{id}/live", h.warehouseSync(h.warehouseSyncLive))
	mux.HandleFunc("GET /warehouse/syncs/{id}/settings", h.warehouseSync(h.warehouseSyncSettings))
	mux.HandleFunc("POST /warehouse/syncs/{id}/settings", h.warehouseSync(h.warehouseSyncSave))
	mux.HandleFunc("GET /warehouse/syncs/{id}/plan", h.warehouseSync(h.warehouseSyncPlan))
	mux.HandleFunc("POST /warehouse/syncs/{id}/plan", h.warehouseSync(h.warehouseSyncPlanNow))
	mux.HandleFunc("POST /warehouse/syncs/{id}/run", h.warehouseSync(h.warehouseSyncRun))
	mux.HandleFunc("POST /warehouse/syncs/{id}/approve", h.warehouseSync(h.warehouseSyncApprove))
	mux.HandleFunc("POST /warehouse/syncs/{id}/discard", h.warehouseSync(h.warehouseSyncDiscard))
	mux.HandleFunc("POST /warehouse/syncs/{id}/test", h.warehouseSync(h.warehouseSyncTest))
	mux.HandleFunc("GET /warehouse/syncs/{id}/runs", h.warehouseSync(h.warehouseSyncRuns))
	mux.HandleFunc("GET /warehouse/syncs/{id}/runs/{run}", h.warehouseSync(h.warehouseSyncRunDetail))
	mux.HandleFunc("GET /warehouse/syncs/{id}/rejected", h.warehouseSync(h.warehouseSyncRejected))
	mux.HandleFunc("GET /warehouse/syncs/{id}/rejected.csv", h.warehouseSync(h.rejectedCSV))
	mux.HandleFunc("GET /warehouse/syncs/{id}/rejected.json", h.warehouseSync(h.rejectedJSON))
	mux.HandleFunc("GET /warehouse/syncs/{id}/debugger", h.warehouseSync(h.debugger))
	mux.HandleFunc("GET /warehouse/syncs/{id}/debugger/rows", h.warehouseSync(h.debuggerRows))
	mux.HandleFunc("GET /warehouse/syncs/{id}/debugger/{call}", h.warehouseSync(h.apiCall))
	mux.HandleFunc("GET /warehouse/syncs/{id}/remove", h.warehouseSync(h.warehouseSyncRemoveConfirm))
	mux.HandleFunc("POST /warehouse/syncs/{id}/remove", h.warehouseSync(h.warehouseSyncRemove))
	mux.HandleFunc("GET /tokens", h.signedIn(h.tokenList))
	mux.HandleFunc("POST /tokens", h.signedIn(h.tokenCreate))
	mux.HandleFunc("POST /tokens/{token}/revoke", h.signedIn(h.tokenRevoke))
	h.registerAlerts(mux)
	mux.HandleFunc("GET /password", h.signedIn(h.passwordPage))
	mux.HandleFunc("POST /password", h.signedIn(h.passwordSave))
}

type ctxKey int

const sessionKey ctxKey = iota

// session is the signed-in admin of a request.
type session struct {
	admin *store.Admin
	token string
}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey).(*session)
	return s
}

// signedIn runs next for a signed-in admin, after checking a form's CSRF token; others are sent to
// the sign-in page.
func (h *Handler) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := h.sessionToken(r)
		admin, err := h.auth.Session(r.Context(), token)
		if err != nil {
			if !errors.Is(err, auth.ErrNotSignedIn) {
				h.fail(w, r, err)
				return
			}
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/live") && !strings.HasSuffix(r.URL.Path, "/rows") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "Your session has ended: sign in again.", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !h.parseForm(w, r) {
			return
		}
		if r.Method == http.MethodPost && !auth.ValidCSRF(token, r.PostFormValue(csrfField)) {
			h.log.Warn("a form without a valid CSRF token was refused", slog.String("path", r.URL.Path))
			http.Error(w, "This form has expired or did not come from bcsync: go back, reload the page and try again.", http.StatusForbidden)
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey, &session{admin: admin, token: token})
		next(w, r.WithContext(ctx))
	}
}

type connKey struct{}

// connection is signedIn for pages of one connection: it loads the connection named in the path.
func (h *Handler) connection(next http.HandlerFunc) http.HandlerFunc {
	return byID(h, connKey{}, h.svc.Store.Connection, next)
}

// byID is signedIn for pages of one thing named by the path's id: it loads it and puts it in the
// request's context under key; an unknown id is a 404.
func byID[T any](h *Handler, key any, load func(context.Context, int64) (T, error), next http.HandlerFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			h.notFound(w, r)
			return
		}
		v, err := load(r.Context(), id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				h.notFound(w, r)
				return
			}
			h.fail(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), key, v)))
	})
}

func connectionOf(r *http.Request) *store.Connection {
	c, _ := r.Context().Value(connKey{}).(*store.Connection)
	return c
}

// maxForm bounds a form's body: bcsync's forms are a few kilobytes, each field at most
// resource.MaxLength of it.
const maxForm = 64 << 10

// parseForm reads a posted form, refusing one larger than maxForm; it says whether to go on.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "This form is too large: no field of bcsync's forms takes more than a few hundred characters.", http.StatusRequestEntityTooLarge)
			return false
		}
		http.Error(w, "This form could not be read.", http.StatusBadRequest)
		return false
	}
	return true
}

// clip cuts a value given for field to the longest the field takes, to show it again in a form
// without letting a page grow with it.
func clip(field, v string) string {
	max := resource.MaxLength(field)
	if len(v) <= max {
		return v
	}
	for i := range v {
		if max == 0 {
			return v[:i]
		}
		max--
	}
	return v
}

// fail shows an error page: a problem the user can act on as it is, anything else as an internal
// error (logged).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := resource.ProblemOf(err)
	if p.Status >= 500 {
		h.log.Error("a page failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	h.render(w, r, p.Status, "error", page{Title: http.StatusText(p.Status), Data: p})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, store.ErrNotFound)
}
