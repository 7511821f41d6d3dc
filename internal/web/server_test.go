package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/app/apptest"
	"github.com/bcsync/bcsync/internal/web"
)

type site struct {
	t    *testing.T
	env  *apptest.Env
	url  string
	http *http.Client
}

func newSite(t *testing.T) *site {
	env := apptest.New(t)
	h, err := web.New(web.Deps{Services: env.Services})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &site{t: t, env: env, url: srv.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its status and body.
func (s *site) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form as a browser on the same site would.
func (s *site) post(path string, form url.Values, header map[string]string) *http.Response {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn signs in and returns the session's CSRF token.
func (s *site) signIn() string {
	s.t.Helper()
	_, page := s.get("/login")
	m := csrfInput.FindStringSubmatch(page)
	resp := s.post("/login", url.Values{"csrf": {m[1]}, "username": {"admin"}, "password": {apptest.Password}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connections" {
		s.t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = s.get("/connections/new")
	return csrfInput.FindStringSubmatch(page)[1]
}

func TestFormsWithoutTheSessionsCSRFTokenAreRefused(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	token := s.signIn()
	path := "/connections/" + itoa(c.ID) + "/settings"
	for name, form := range map[string]url.Values{
		"no token":    {"data_sync": {"off"}},
		"wrong token": {"data_sync": {"off"}, "csrf": {"forged"}},
	} {
		if resp := s.post(path, form, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	// The right token, but the browser says the form came from another site.
	if resp := s.post(path, url.Values{"csrf": {token}, "data_sync": {"off"}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form: %d", resp.StatusCode)
	}
	if resp := s.post(path, url.Values{"csrf": {token}, "data_sync": {"off"}}, map[string]string{"Origin": "https://evil.example"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("form from another origin: %d", resp.StatusCode)
	}
	if got, _ := s.env.Services.Store.Connection(t.Context(), c.ID); !got.Settings.DataSync {
		t.Fatal("a refused form changed the settings")
	}
	// A token from another session does not work either.
	other := newSiteSharing(t, s)
	otherToken := other.signIn()
	if resp := s.post(path, url.Values{"csrf": {otherToken}, "data_sync": {"off"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token: %d", resp.StatusCode)
	}
}

// newSiteSharing is a second browser (its own cookies) on the same bcsync.
func newSiteSharing(t *testing.T, s *site) *site {
	jar, _ := cookiejar.New(nil)
	return &site{t: t, env: s.env, url: s.url, http: &http.Client{Jar: jar, CheckRedirect: s.http.CheckRedirect}}
}

func TestTheSignInFormNeedsItsOwnCookie(t *testing.T) {
	s := newSite(t)
	_, page := s.get("/login")
	token := csrfInput.FindStringSubmatch(page)[1]
	fresh := newSiteSharing(t, s) // a forged sign-in from a page without the cookie
	if resp := fresh.post("/login", url.Values{"csrf": {token}, "username": {"admin"}, "password": {apptest.Password}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a sign-in without the form's cookie: %d", resp.StatusCode)
	}
}

func TestSessionCookiesAreHTTPOnlyAndSecureBehindHTTPS(t *testing.T) {
	for _, secure := range []bool{false, true} {
		env := apptest.New(t)
		h, err := web.New(web.Deps{Services: env.Services, SecureCookies: secure})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
		cookie := rec.Result().Cookies()[0]
		token := csrfInput.FindStringSubmatch(rec.Body.String())[1]
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"csrf": {token}, "username": {"admin"}, "password": {apptest.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var session *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if strings.Contains(c.Name, "session") {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.Secure != secure || session.SameSite != http.SameSiteLaxMode ||
			(secure && session.Name != "__Host-bcsync_session") {
			t.Errorf("secure=%v: session cookie %+v", secure, session)
		}
	}
}

func TestPagesSendSecurityHeadersAndProbesAnswer(t *testing.T) {
	s := newSite(t)
	resp, err := s.http.Get(s.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "frame-ancestors 'none'"} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s = %q", h, resp.Header.Get(h))
		}
	}
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`, "/metrics": "bcsync_runs_total"} {
		if status, body := s.get(path); status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d %.200s", path, status, body)
		}
	}
	if status, _ := s.get("/connections"); status != http.StatusSeeOther {
		t.Errorf("a page without a session: %d", status)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// After sign-in bcsync follows next only to a path of its own: a tab, newline or backslash after the
// slash is read by browsers as "//host", so such a next is dropped, on the sign-in form's POST and on
// its GET when already signed in.
func TestSignInRedirectsOnlyToPathsOfThisSite(t *testing.T) {
	s := newSite(t)
	evil := []string{"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\\evil.example", "//evil.example",
		"https://evil.example/", "\t//evil.example", " //evil.example"}
	_, page := s.get("/login")
	token := csrfInput.FindStringSubmatch(page)[1]
	for _, next := range evil {
		resp := s.post("/login", url.Values{"csrf": {token}, "username": {"admin"}, "password": {apptest.Password}, "next": {next}}, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/connections" {
			t.Errorf("POST /login with next=%q: %d, Location %q", next, resp.StatusCode, loc)
		}
	}
	for _, next := range evil { // signed in now: the sign-in page sends the browser on at once
		resp, err := s.http.Get(s.url + "/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/connections" {
			t.Errorf("GET /login?next=%q: %d, Location %q", next, resp.StatusCode, loc)
		}
	}
	// The raw query of the report: a tab after the slash.
	resp, err := s.http.Get(s.url + "/login?next=/%09/evil.com")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/connections" {
		t.Errorf("GET /login?next=/%%09/evil.com: Location %q", loc)
	}
	// A path of this site is followed.
	resp, err = s.http.Get(s.url + "/login?next=" + url.QueryEscape("/connections/3/runs?before=9"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/connections/3/runs?before=9" {
		t.Errorf("a path of this site: Location %q", loc)
	}
}
