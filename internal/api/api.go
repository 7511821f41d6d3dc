// Package api is bcsync's JSON API, /api/v1: everything the UI does, for scripts. Requests carry an
// API token (Authorization: Bearer bcs_…); answers are JSON, errors {"code", "error", "field"}.
// The resources are internal/resource's; docs/api.md documents each endpoint.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// Handler serves /api/v1.
type Handler struct {
	svc  *app.Services
	auth *auth.Service
	log  *slog.Logger
	mux  *http.ServeMux
}

// New builds the API.
func New(svc *app.Services, a *auth.Service) *Handler {
	h := &Handler{svc: svc, auth: a, log: svc.Logger, mux: http.NewServeMux()}
	route := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		h.mux.HandleFunc(pattern, h.authed(f))
	}
	route("GET /api/v1/connections", h.listConnections)
	route("POST /api/v1/connections", h.createConnection)
	route("GET /api/v1/connections/{id}", h.getConnection)
	route("DELETE /api/v1/connections/{id}", h.deleteConnection)
	route("PATCH /api/v1/connections/{id}/settings", h.patchSettings)
	route("PUT /api/v1/connections/{id}/credentials", h.putCredentials)
	route("GET /api/v1/connections/{id}/mapping", h.getMapping)
	route("PUT /api/v1/connections/{id}/mapping", h.putMapping)
	route("GET /api/v1/connections/{id}/account", h.getAccount)
	route("POST /api/v1/connections/{id}/sync", h.syncNow)
	route("GET /api/v1/connections/{id}/runs", h.listRuns)
	route("GET /api/v1/connections/{id}/runs/{run}", h.getRun)
	route("GET /api/v1/connections/{id}/rejected", h.listRejected)
	route("GET /api/v1/connections/{id}/calls", h.listCalls)
	route("GET /api/v1/connections/{id}/calls/{call}", h.getCall)
	route("GET /api/v1/stores", h.listStores)
	route("POST /api/v1/stores", h.createStore)
	route("GET /api/v1/stores/{id}", h.getStore)
	route("DELETE /api/v1/stores/{id}", h.deleteStore)
	route("GET /api/v1/warehouse/sources", h.listSources)
	route("POST /api/v1/warehouse/sources", h.createSource)
	route("GET /api/v1/warehouse/sources/{id}", h.getSource)
	route("DELETE /api/v1/warehouse/sources/{id}", h.deleteSource)
	route("POST /api/v1/warehouse/sources/{id}/test", h.testSource)
	route("GET /api/v1/warehouse/models", h.listModels)
	route("POST /api/v1/warehouse/models", h.createModel)
	route("GET /api/v1/warehouse/models/{id}", h.getModel)
	route("DELETE /api/v1/warehouse/models/{id}", h.deleteModel)
	route("GET /api/v1/warehouse/models/{id}/preview", h.previewModel)
	route("GET /api/v1/warehouse/syncs", h.listWarehouseSyncs)
	route("POST /api/v1/warehouse/syncs", h.createWarehouseSync)
	route("GET /api/v1/warehouse/syncs/{id}", h.getWarehouseSync)
	route("PUT /api/v1/warehouse/syncs/{id}", h.updateWarehouseSync)
	route("DELETE /api/v1/warehouse/syncs/{id}", h.deleteWarehouseSync)
	route("POST /api/v1/warehouse/syncs/{id}/plan", h.planWarehouseSync)
	route("GET /api/v1/warehouse/syncs/{id}/plan", h.latestPlan)
	route("POST /api/v1/warehouse/syncs/{id}/run", h.runWarehouseSync)
	route("POST /api/v1/warehouse/syncs/{id}/approve", h.approveWarehouseSync)
	route("POST /api/v1/warehouse/syncs/{id}/discard", h.discardWarehouseSync)
	route("POST /api/v1/warehouse/syncs/{id}/test", h.testWarehouseRow)
	route("GET /api/v1/warehouse/syncs/{id}/runs", h.listRuns)
	route("GET /api/v1/warehouse/syncs/{id}/runs/{run}", h.getRun)
	route("GET /api/v1/warehouse/syncs/{id}/rejected", h.listRejected)
	route("GET /api/v1/warehouse/syncs/{id}/calls", h.listCalls)
	route("GET /api/v1/warehouse/syncs/{id}/calls/{call}", h.getCall)
	route("GET /api/v1/warehouse/fields", h.listWarehouseFields)
	route("GET /api/v1/fields", h.listFields)
	route("GET /api/v1/tokens", h.listTokens)
	route("POST /api/v1/tokens", h.createToken)
	route("DELETE /api/v1/tokens/{id}", h.deleteToken)
	h.alertRoutes(route)
	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, &resource.Problem{Status: http.StatusNotFound, Code: "not_found", Message: "No such endpoint: see docs/api.md."})
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

type adminKey struct{}

func adminOf(r *http.Request) *store.Admin {
	a, _ := r.Context().Value(adminKey{}).(*store.Admin)
	return a
}

// authed checks the bearer token, runs f and writes the error it returns as a problem.
func (h *Handler) authed(f func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		admin, err := h.auth.TokenAdmin(r.Context(), strings.TrimSpace(token))
		if !ok || err != nil {
			if err != nil && !errors.Is(err, auth.ErrNotSignedIn) {
				h.problem(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="bcsync"`)
			writeProblem(w, resource.ProblemOf(auth.ErrNotSignedIn))
			return
		}
		if err := f(w, r.WithContext(context.WithValue(r.Context(), adminKey{}, admin))); err != nil {
			h.problem(w, r, err)
		}
	}
}

func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := resource.ProblemOf(err)
	if p.Status >= 500 {
		h.log.Error("an API request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	} else if resource.Withheld(err) {
		h.log.Warn("an API request was refused", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p *resource.Problem) {
	writeJSON(w, p.Status, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// maxBody bounds a request body: settings and credentials are small.
const maxBody = 1 << 20

// decode reads a JSON body strictly: unknown fields are refused, so a misspelt setting is not
// silently ignored.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &resource.Problem{Status: http.StatusBadRequest, Code: "bad_json", Message: "The body is not the JSON this endpoint takes: " + err.Error()}
	}
	return nil
}

func badParam(name, why string) error {
	return &resource.Problem{Status: http.StatusBadRequest, Code: "bad_parameter", Message: name + ": " + why, Field: name}
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// queryInt reads an optional non-negative integer parameter.
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badParam(name, "a whole number ≥ 0")
	}
	return n, nil
}

// limit reads ?limit= (1…max, default def).
func limit(r *http.Request, def, max int) (int, error) {
	n, err := queryInt(r, "limit", int64(def))
	if err != nil {
		return 0, err
	}
	if n < 1 || n > int64(max) {
		return 0, badParam("limit", "between 1 and "+strconv.Itoa(max))
	}
	return int(n), nil
}

// syncOf returns the id of the sync named in the path, after checking it exists: a connection's
// (/api/v1/connections/{id}/…) or a warehouse sync's (/api/v1/warehouse/syncs/{id}/…).
func (h *Handler) syncOf(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(r.Pattern, "GET /api/v1/warehouse/") || strings.HasPrefix(r.Pattern, "POST /api/v1/warehouse/") {
		_, err = h.svc.Store.WarehouseSync(r.Context(), id)
	} else {
		_, err = h.svc.Store.Connection(r.Context(), id)
	}
	return id, err
}

// connection loads the connection named in the path.
func (h *Handler) connection(r *http.Request) (*store.Connection, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.svc.Store.Connection(r.Context(), id)
}
