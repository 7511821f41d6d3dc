package ui

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/resource"
)

type loginView struct {
	Username  string
	Next      string
	Token     string
	Problem   *resource.Problem
	NoAdmins  bool
	SignedOut bool
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, err := h.auth.Session(r.Context(), h.sessionToken(r)); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, loginView{Next: clipNext(r.URL.Query().Get("next")), SignedOut: r.URL.Query().Has("signed-out")})
}

// clipNext drops a next that would not be followed anyway, rather than write it into the page.
func clipNext(next string) string {
	if len(next) > maxNext {
		return ""
	}
	return next
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	token, err := auth.NewToken()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie(loginCSRFCookie, token, time.Hour, http.SameSiteStrictMode))
	v.Token = token
	has, err := h.auth.HasAdmins(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.NoAdmins = !has
	h.render(w, r, status, "login", page{Title: "Sign in", Data: v})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	v := loginView{Username: strings.TrimSpace(r.PostFormValue("username")), Next: r.PostFormValue("next")}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		h.log.Warn("a sign-in without a valid CSRF token was refused")
		v.Problem = &resource.Problem{Status: http.StatusForbidden, Message: "This sign-in form has expired: try again."}
		h.showLogin(w, r, http.StatusForbidden, v)
		return
	}
	if err := resource.CheckLengths(resource.Text{Field: "username", Value: v.Username}, resource.Text{Field: "password", Value: r.PostFormValue("password")}); err != nil {
		v.Username = clip("username", v.Username)
		v.Problem = resource.ProblemOf(err)
		h.showLogin(w, r, v.Problem.Status, v)
		return
	}
	token, admin, err := h.auth.SignIn(r.Context(), v.Username, r.PostFormValue("password"), auth.Client{Addr: h.clientAddr(r), UserAgent: r.UserAgent()})
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) && !errors.Is(err, auth.ErrThrottled) {
			h.fail(w, r, err)
			return
		}
		h.log.Info("a sign-in was refused", slog.String("username", v.Username), slog.String("client", h.clientAddr(r)), slog.String("reason", err.Error()))
		v.Problem = resource.ProblemOf(err)
		h.showLogin(w, r, v.Problem.Status, v)
		return
	}
	h.log.Info("signed in", slog.String("username", admin.Username))
	h.setSession(w, token)
	http.Redirect(w, r, safeNext(v.Next), http.StatusSeeOther)
}

// clientAddr is the address a sign-in came from, which throttling counts failures by: the peer's, or
// behind a trusted proxy the last address of X-Forwarded-For (the one that proxy added; those before
// it are the client's word). Without TrustProxy, a forwarded request counts as its proxy's, and every
// client behind the proxy shares its throttle: that is logged once.
func (h *Handler) clientAddr(r *http.Request) string {
	if h.opts.TrustProxy {
		fwd := r.Header.Values("X-Forwarded-For")
		if len(fwd) > 0 {
			list := fwd[len(fwd)-1]
			last := strings.TrimSpace(list[strings.LastIndexByte(list, ',')+1:])
			if ip, err := netip.ParseAddr(last); err == nil {
				return ip.String()
			}
			if ap, err := netip.ParseAddrPort(last); err == nil { // some proxies add the port
				return ap.Addr().String()
			}
		}
	} else if r.Header.Get("X-Forwarded-For") != "" {
		h.proxyWarning.Do(func() {
			h.log.Warn("sign-ins come through a proxy (X-Forwarded-For), but --trust-proxy is off: failed sign-ins are throttled by the proxy's address, which every client shares")
		})
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().String()
	}
	return r.RemoteAddr
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.auth.SignOut(r.Context(), sessionOf(r).token); err != nil {
		h.fail(w, r, err)
		return
	}
	h.clearSession(w)
	http.Redirect(w, r, "/login?signed-out", http.StatusSeeOther)
}

// maxNext is the longest next followed: longer than any of bcsync's own paths with their queries.
const maxNext = 2048

// safeNext keeps a post-sign-in redirect on this site: a path that parses with no scheme and no host.
// Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example"
// reaches them as "//evil.example", another site: a next with a control character or a backslash is
// not followed at all.
func safeNext(next string) string {
	const home = "/connections"
	if len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return home
	}
	return next
}
