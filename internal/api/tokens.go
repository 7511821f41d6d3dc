package api

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) error {
	tokens, err := h.svc.Store.APITokens(r.Context(), adminOf(r).ID)
	if err != nil {
		return err
	}
	out := make([]resource.Token, len(tokens))
	for i, t := range tokens {
		out[i] = resource.NewToken(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

// createToken issues a token for the caller's account; the answer is the only place it appears.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name string `json:"name"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: "name", Value: b.Name}); err != nil {
		return err
	}
	token, t, err := h.auth.CreateAPIToken(r.Context(), adminOf(r).ID, b.Name)
	if err != nil {
		return err
	}
	out := resource.NewToken(*t)
	out.Token = token
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Store.DeleteAPIToken(r.Context(), adminOf(r).ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
