package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type tokensView struct {
	Tokens  []store.APIToken
	New     string // a token just created, shown once
	NewName string
	Problem *resource.Problem
}

func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request) {
	h.showTokens(w, r, http.StatusOK, tokensView{})
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, status int, v tokensView) {
	tokens, err := h.svc.Store.APITokens(r.Context(), sessionOf(r).admin.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Tokens = tokens
	h.render(w, r, status, "tokens", page{Title: "API tokens", Section: "tokens", Data: v})
}

// tokenCreate issues a token and shows it once, on the response page itself (never in a redirect).
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	err := resource.CheckLengths(resource.Text{Field: "name", Value: name})
	var token string
	var t *store.APIToken
	if err == nil {
		token, t, err = h.auth.CreateAPIToken(r.Context(), sessionOf(r).admin.ID, name)
	}
	if err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		h.showTokens(w, r, p.Status, tokensView{Problem: p})
		return
	}
	h.showTokens(w, r, http.StatusOK, tokensView{New: token, NewName: t.Name})
}

func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err := h.svc.Store.DeleteAPIToken(r.Context(), sessionOf(r).admin.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.redirectWith(w, r, "/tokens", "error", "That token does not exist (any more).")
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/tokens", "ok", "Token revoked: requests with it are refused from now on.")
}
