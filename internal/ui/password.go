package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/resource"
)

type passwordView struct {
	Tokens       int // the account's API tokens, which a change may revoke
	RevokeTokens bool
	Problem      *resource.Problem
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	h.showPassword(w, r, http.StatusOK, passwordView{})
}

func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request, status int, v passwordView) {
	tokens, err := h.svc.Store.APITokens(r.Context(), sessionOf(r).admin.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Tokens = len(tokens)
	h.render(w, r, status, "password", page{Title: "Change your password", Section: "password", Data: v})
}

// passwordSave changes the signed-in account's password (and, when asked, revokes its API tokens),
// which ends every session of it: the browser is sent to sign in again.
func (h *Handler) passwordSave(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := passwordView{RevokeTokens: r.PostFormValue("revoke_tokens") == "on"}
	current, password := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	refuse := func(p *resource.Problem) {
		v.Problem = p
		h.showPassword(w, r, p.Status, v)
	}
	if err := resource.CheckLengths(resource.Text{Field: "password", Value: current}, resource.Text{Field: "password", Value: password}); err != nil {
		refuse(resource.ProblemOf(err))
		return
	}
	if password != r.PostFormValue("new_password_again") {
		refuse(&resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_password", Field: "new_password_again",
			Message: "The two new passwords differ: type the same one twice."})
		return
	}
	revoked, err := h.auth.ChangePassword(r.Context(), s.admin, current, password, v.RevokeTokens, auth.Client{Addr: h.clientAddr(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		refuse(&resource.Problem{Status: http.StatusUnprocessableEntity, Code: "bad_credentials", Field: "current_password",
			Message: "Your current password is not right."})
		return
	case err != nil:
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		refuse(p)
		return
	}
	h.clearSession(w)
	msg := "Your password is changed and you are signed out everywhere: sign in with the new one. Your API tokens still work."
	if v.RevokeTokens {
		tokens := fmt.Sprintf("your %d API tokens are", revoked)
		if revoked == 1 {
			tokens = "your API token is"
		}
		msg = "Your password is changed, you are signed out everywhere and " + tokens + " revoked: sign in with the new password."
	}
	h.redirectWith(w, r, "/login", "ok", msg)
}
