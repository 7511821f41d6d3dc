package ui

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/auth"
)

// csrfField is the hidden input every form carries.
const csrfField = "csrf"

func (h *Handler) sessionCookieName() string {
	if h.opts.SecureCookies {
		return "__Host-bcsync_session" // the prefix makes browsers insist on Secure, Path=/ and no Domain
	}
	return "bcsync_session"
}

func (h *Handler) sessionToken(r *http.Request) string {
	c, err := r.Cookie(h.sessionCookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

func (h *Handler) cookie(name, value string, maxAge time.Duration, sameSite http.SameSite) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()), HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: sameSite}
}

func (h *Handler) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, h.cookie(h.sessionCookieName(), token, auth.SessionTTL, http.SameSiteLaxMode))
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	c := h.cookie(h.sessionCookieName(), "", 0, http.SameSiteLaxMode)
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// The sign-in form has no session to bind a CSRF token to: it carries a random token that must match
// a cookie of its own (a login-CSRF attacker can set neither).
const loginCSRFCookie = "bcsync_login"

// flash is a one-time message shown on the next page (after a redirect).
type flash struct {
	Kind    string // ok, error
	Message string
}

const flashCookie = "bcsync_flash"

func (h *Handler) setFlash(w http.ResponseWriter, kind, message string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + message))
	http.SetCookie(w, h.cookie(flashCookie, v, time.Minute, http.SameSiteLaxMode))
}

func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	clear := h.cookie(flashCookie, "", 0, http.SameSiteLaxMode)
	clear.MaxAge = -1
	http.SetCookie(w, clear)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "\x00")
	if !ok || (kind != "ok" && kind != "error") {
		return nil
	}
	return &flash{Kind: kind, Message: msg}
}

// redirectWith sends the browser to target with a message for the next page.
func (h *Handler) redirectWith(w http.ResponseWriter, r *http.Request, target, kind, message string) {
	h.setFlash(w, kind, message)
	http.Redirect(w, r, target, http.StatusSeeOther)
}
