package bigcommerce

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// hook is a webhook subscription (webhook_Full). Times are unix seconds.
type hook struct {
	ID          int               `json:"id"`
	ClientID    string            `json:"client_id"`
	StoreHash   string            `json:"store_hash"`
	Scope       string            `json:"scope"`
	Destination string            `json:"destination"`
	Headers     map[string]string `json:"headers"`
	IsActive    bool              `json:"is_active"`
	CreatedAt   int64             `json:"created_at"`
	UpdatedAt   int64             `json:"updated_at"`
}

// hooksPerScope is BigCommerce's limit of hooks per store, client and scope.
const hooksPerScope = 10

type hookIn struct {
	Scope       *string           `json:"scope"`
	Destination *string           `json:"destination"`
	IsActive    *bool             `json:"is_active"`
	Headers     map[string]string `json:"headers"`
}

type hookResponse struct {
	Data hook     `json:"data"`
	Meta struct{} `json:"meta"`
}

// matches reports whether a hook's scope covers an event: "store/customer/*" covers
// "store/customer/updated" and "store/customer/address/created".
func (h *hook) matches(event string) bool {
	if prefix, ok := strings.CutSuffix(h.Scope, "*"); ok {
		return strings.HasPrefix(event, prefix)
	}
	return h.Scope == event
}

// checkHook validates a hook against the others. Unlike BigCommerce, which accepts only HTTPS on
// port 443, the emulator takes any http(s) URL so that tests can receive deliveries on loopback.
func (s *Server) checkHook(w http.ResponseWriter, r *http.Request, in hookIn, self int) bool {
	errs := map[string]string{}
	if self == 0 && in.Scope == nil {
		errs["scope"] = "error.path.missing"
	}
	if self == 0 && in.Destination == nil {
		errs["destination"] = "error.path.missing"
	}
	if in.Scope != nil && !strings.HasPrefix(*in.Scope, "store/") {
		errs["scope"] = "scope must be a store/… event, e.g. store/customer/*"
	}
	if in.Destination != nil {
		if u, err := url.Parse(*in.Destination); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs["destination"] = "destination must be an absolute http(s) URL"
		}
	}
	if len(errs) == 0 {
		scope, dest := "", ""
		if old, ok := s.hooks[self]; ok {
			scope, dest = old.Scope, old.Destination
		}
		if in.Scope != nil {
			scope = *in.Scope
		}
		if in.Destination != nil {
			dest = *in.Destination
		}
		same := 0
		for _, h := range s.hooks {
			if h.ID == self || h.Scope != scope {
				continue
			}
			same++
			if h.Destination == dest {
				errs["destination"] = fmt.Sprintf("hook %d already sends %s to this destination", h.ID, scope)
			}
		}
		if same >= hooksPerScope {
			errs["scope"] = fmt.Sprintf("at most %d hooks per scope", hooksPerScope)
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "JSON data is missing or invalid", errs)
		return false
	}
	return true
}

func (s *Server) listHooks(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []hook
	for id := 1; id <= s.nextHook; id++ {
		h, ok := s.hooks[id]
		if !ok || values.Has("scope") && h.Scope != values.Get("scope") ||
			values.Has("destination") && h.Destination != values.Get("destination") ||
			values.Has("is_active") && fmt.Sprint(h.IsActive) != values.Get("is_active") {
			continue
		}
		all = append(all, *h)
	}
	from := min((page-1)*limit, len(all))
	to := min(from+limit, len(all))
	out := struct {
		Data []hook   `json:"data"`
		Meta listMeta `json:"meta"`
	}{Data: append([]hook{}, all[from:to]...)}
	out.Meta.Pagination = newPagination(r, len(all), to-from, page, limit)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createHook(w http.ResponseWriter, r *http.Request) {
	var in hookIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkHook(w, r, in, 0) {
		return
	}
	s.nextHook++
	now := s.now()
	h := &hook{ID: s.nextHook, ClientID: s.cfg.ClientID, StoreHash: s.cfg.StoreHash, Scope: *in.Scope,
		Destination: *in.Destination, Headers: in.Headers, IsActive: true, CreatedAt: now, UpdatedAt: now}
	if in.IsActive != nil {
		h.IsActive = *in.IsActive
	}
	s.hooks[h.ID] = h
	writeJSON(w, http.StatusOK, hookResponse{Data: *h})
}

func (s *Server) findHook(w http.ResponseWriter, r *http.Request) (*hook, bool) {
	id, ok := pathID(r)
	h, found := s.hooks[id]
	if !ok || !found {
		s.writeError(w, r, http.StatusNotFound, "Webhook not found", nil)
		return nil, false
	}
	return h, true
}

func (s *Server) getHook(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if h, ok := s.findHook(w, r); ok {
		writeJSON(w, http.StatusOK, hookResponse{Data: *h})
	}
}

func (s *Server) updateHook(w http.ResponseWriter, r *http.Request) {
	var in hookIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.findHook(w, r)
	if !ok || !s.checkHook(w, r, in, h.ID) {
		return
	}
	updated := *h
	if in.Scope != nil {
		updated.Scope = *in.Scope
	}
	if in.Destination != nil {
		updated.Destination = *in.Destination
	}
	if in.IsActive != nil {
		updated.IsActive = *in.IsActive
	}
	if in.Headers != nil {
		updated.Headers = in.Headers
	}
	updated.UpdatedAt = s.now()
	s.hooks[h.ID] = &updated
	writeJSON(w, http.StatusOK, hookResponse{Data: updated})
}

func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.findHook(w, r)
	if !ok {
		return
	}
	delete(s.hooks, h.ID)
	writeJSON(w, http.StatusOK, hookResponse{Data: *h})
}
