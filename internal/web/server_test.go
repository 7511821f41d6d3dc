package web_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// from is a browser of its own (own cookies) whose requests leave from the loopback address local,
// so that bcsync sees another client address.
func (s *site) from(local string) *site {
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &site{t: s.t, env: s.env, url: s.url, http: &http.Client{Jar: jar, CheckRedirect: s.http.CheckRedirect,
		Transport: &http.Transport{DialContext: dialer.DialContext}}}
}

// signInAs posts the sign-in form with a password and returns the answer's status.
func (s *site) signInAs(username, password string, header map[string]string) int {
	s.t.Helper()
	_, page := s.get("/login")
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		s.t.Fatalf("no sign-in form:\n%.300s", page)
	}
	return s.post("/login", url.Values{"csrf": {m[1]}, "username": {username}, "password": {password}}, header).StatusCode
}

// Wrong passwords for the admin from one address do not lock the admin out: from an address that has
// not failed, the right password signs in; the failing address is refused for a while.
func TestFailedSignInsFromOneAddressDoNotLockTheAdminOutElsewhere(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("127.0.0.2 is not an address of this machine (on macOS: sudo ifconfig lo0 alias 127.0.0.2): %v", err)
	} else {
		ln.Close()
	}
	s := newSite(t)
	attacker, admin := s.from("127.0.0.2"), s.from("127.0.0.1")
	for range 6 {
		attacker.signInAs("admin", "a wrong guess", nil)
	}
	if status := attacker.signInAs("admin", apptest.Password, nil); status != http.StatusTooManyRequests {
		t.Errorf("the right password from the address that failed: %d, want 429", status)
	}
	if status := admin.signInAs("admin", apptest.Password, nil); status != http.StatusSeeOther {
		t.Fatalf("the right password from another address: %d, want 303 (signed in)", status)
	}
}

// Behind a proxy (--trust-proxy) the client's address is the last of X-Forwarded-For; without it
// the header is ignored, so that no client can pick the address it is throttled by.
func TestBehindATrustedProxyFailuresCountByTheForwardedAddress(t *testing.T) {
	for _, trust := range []bool{true, false} {
		env := apptest.New(t)
		h, err := web.New(web.Deps{Services: env.Services, TrustProxy: trust})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		s := &site{t: t, env: env, url: srv.URL, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
		client := func(fwd string) *site {
			c := s.from("127.0.0.1")
			c.http.Transport = headerTransport{c.http.Transport, "X-Forwarded-For", fwd}
			return c
		}
		for range 6 { // the attacker claims an address of its own first: the proxy appends the real one
			client("203.0.113.9, 198.51.100.7").signInAs("admin", "a wrong guess", nil)
		}
		status := client("198.51.100.8").signInAs("admin", apptest.Password, nil)
		if want := map[bool]int{true: http.StatusSeeOther, false: http.StatusTooManyRequests}[trust]; status != want {
			t.Errorf("trust proxy %v: the right password from another forwarded address: %d, want %d", trust, status, want)
		}
		status = client("203.0.113.9, 198.51.100.7").signInAs("admin", apptest.Password, nil)
		if status != http.StatusTooManyRequests {
			t.Errorf("trust proxy %v: the right password from the failing address: %d, want 429", trust, status)
		}
	}
}

type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(t.name, t.value)
	return t.base.RoundTrip(r)
}

// 400 wrong sign-ins on random names from one address, 20 at a time: after a few, the address is
// refused without a password check, so the flood costs little and the server's other answers (here
// /healthz) stay about as fast as before it.
func TestAFloodOfWrongSignInsDoesNotSlowTheServer(t *testing.T) {
	s := newSite(t)
	attacker := s.from("127.0.0.1")
	_, page := attacker.get("/login")
	token := csrfInput.FindStringSubmatch(page)[1]
	u, _ := url.Parse(s.url)
	cookies := attacker.http.Jar.Cookies(u)
	// Every attempt sends the form's first cookie, as a script would.
	attacker.http.Jar = nil
	healthz := func(n int) time.Duration { // the median time of n /healthz
		var took []time.Duration
		for range n {
			start := time.Now()
			if status, _ := s.get("/healthz"); status != http.StatusOK {
				t.Fatalf("/healthz: %d", status)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		return took[len(took)/2]
	}
	healthz(20) // warm up
	before := healthz(50)

	var checked, refused atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for i := range next {
				form := url.Values{"csrf": {token}, "username": {fmt.Sprintf("nobody-%d-%d", i, rand.Int())}, "password": {"a wrong guess"}}
				req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, c := range cookies {
					req.AddCookie(c)
				}
				resp, err := attacker.http.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						t.Error(err)
					}
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusUnauthorized:
					if checked.Add(1) > 40 { // far more checks than one address is allowed: stop here
						cancel()
					}
				case http.StatusTooManyRequests:
					refused.Add(1)
				default:
					t.Errorf("a wrong sign-in: %d", resp.StatusCode)
				}
			}
		})
	}
	flood := make(chan struct{})
	var during time.Duration
	go func() {
		defer close(flood)
		time.Sleep(100 * time.Millisecond)
		during = healthz(50)
	}()
	func() {
		defer close(next)
		for i := range 400 {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	<-flood
	t.Logf("/healthz median %v before, %v during the flood; %d passwords checked, %d sign-ins refused", before, during, checked.Load(), refused.Load())
	if n := checked.Load(); n > 15 {
		t.Errorf("%d wrong passwords were checked for one address: its bcrypt work is not bounded", n)
	}
	if during > 10*before {
		t.Errorf("/healthz took %v during the flood, %v before", during, before)
	}
}

// postPage submits a form and returns the answer's status and page.
func (s *site) postPage(path string, form url.Values) (int, string) {
	s.t.Helper()
	resp, err := s.http.PostForm(s.url+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The UI's text inputs have the API's limits: a longer value is refused with a message naming the
// field, the page is shown again without growing with it, and nothing is saved. A form larger than any
// of bcsync's is refused as a whole.
func TestFormsRefuseTextLongerThanTheirFieldTakes(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	token := s.signIn()
	long := strings.Repeat("x", 500)
	in := s.env.ConnectInput()
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/tokens", url.Values{"name": {long}}, "The name is too long: at most 100 characters."},
		{"/connections", url.Values{"name": {long}, "bigcommerce_api_path": {in.BigCommerce.APIPath}, "bigcommerce_access_token": {in.BigCommerce.AccessToken},
			"dotdigital_username": {in.Dotdigital.Username}, "dotdigital_password": {in.Dotdigital.Password}, "dotdigital_endpoint": {in.Dotdigital.Endpoint}},
			"The name is too long: at most 100 characters."},
		{"/connections", url.Values{"bigcommerce_api_path": {in.BigCommerce.APIPath}, "bigcommerce_access_token": {long}}, "The BigCommerce access token is too long"},
		{"/stores", url.Values{"name": {long}, "bigcommerce_api_path": {in.BigCommerce.APIPath}, "bigcommerce_access_token": {in.BigCommerce.AccessToken}},
			"The name is too long"},
		{"/connections/" + itoa(c.ID) + "/mapping", url.Values{"new_kind": {"form_field"}, "new_source": {"Nickname"}, "new_data_field": {long}},
			"A data field&#39;s name is too long: at most 100 characters."},
		{"/warehouse/sources", url.Values{"name": {long}, "engine": {"sqlite"}, "path": {"/tmp/dwh.db"}}, "The name is too long"},
		{"/warehouse/models", url.Values{"name": {long}, "source": {"1"}, "table": {"people"}, "primary_key": {"id"}}, "The name is too long"},
	} {
		tc.form.Set("csrf", token)
		status, page := s.postPage(tc.path, tc.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
			t.Errorf("POST %s: %d, want 422 saying %q:\n%.300s", tc.path, status, tc.want, page)
		}
		if strings.Contains(page, long) {
			t.Errorf("POST %s: the page shows the long value again", tc.path)
		}
	}
	if status, page := s.get("/connections/" + itoa(c.ID) + "/rejected?q=" + strings.Repeat("a", 321)); status != http.StatusUnprocessableEntity || !strings.Contains(page, "The search is too long") {
		t.Errorf("a long search: %d %.300s", status, page)
	}
	if tokens, _ := s.env.Services.Store.APITokens(t.Context(), s.env.Admin.ID); len(tokens) != 1 {
		t.Errorf("%d tokens: a refused name was saved", len(tokens))
	}
	if shops, _ := s.env.Services.Store.Shops(t.Context()); len(shops) != 1 || shops[0].Name == long[:100] {
		t.Errorf("stores: %+v", shops)
	}
	// A 500 KB name is more than any form of bcsync's holds.
	if status, _ := s.postPage("/tokens", url.Values{"csrf": {token}, "name": {strings.Repeat("x", 500<<10)}}); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 500 KB form: %d", status)
	}
	// The sign-in form too (a new browser: the session above stays).
	other := newSiteSharing(t, s)
	_, page := other.get("/login")
	status, page := other.postPage("/login", url.Values{"csrf": {csrfInput.FindStringSubmatch(page)[1]}, "username": {long}, "password": {"whatever it is"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "The username is too long") || strings.Contains(page, long) {
		t.Errorf("sign in with a long name: %d %.300s", status, page)
	}
}

// A delivery without the right secret gets the same answer whether its store exists or not: the
// answers do not tell which store ids exist.
func TestWebhookDeliveriesWithoutTheSecretGetOneAnswerWhetherTheStoreExistsOrNot(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	deliver := func(id int64, secret string) string {
		req, _ := http.NewRequest("POST", s.url+"/webhooks/bigcommerce/"+itoa(id), strings.NewReader(`{"scope":"store/customer/updated","store_id":"1","data":{"type":"customer","id":1},"hash":"h","created_at":1,"producer":"stores/abc123xyz"}`))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Bcsync-Webhook-Secret", secret)
		}
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	known := deliver(c.StoreID, "a wrong secret")
	for _, other := range []string{deliver(c.StoreID, ""), deliver(c.StoreID+1000, "a wrong secret"), deliver(c.StoreID+1000, "")} {
		if other != known {
			t.Errorf("a known store: %s; another answer: %s", known, other)
		}
	}
	if !strings.HasPrefix(known, "401 ") {
		t.Errorf("a delivery without the secret: %s", known)
	}
}

// When users reach bcsync over HTTPS (--public-url https://…), every answer tells browsers to keep to
// HTTPS; over plain HTTP (a local try-out) it does not, or browsers would refuse the plain site.
func TestStrictTransportSecurityIsSentWhenTheSiteIsHTTPS(t *testing.T) {
	env := apptest.New(t)
	for _, https := range []bool{true, false} {
		h, err := web.New(web.Deps{Services: env.Services, SecureCookies: https})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/login", "/connections", "/api/v1/connections", "/healthz", "/static/app.css"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			got := rec.Header().Get("Strict-Transport-Security")
			if https && !strings.HasPrefix(got, "max-age=") || !https && got != "" {
				t.Errorf("https=%v, %s: Strict-Transport-Security %q", https, path, got)
			}
		}
	}
}

// The password form says that API tokens outlive a password change and offers to revoke them: with the
// box ticked they stop working; without it they keep working. Either way every session ends.
func TestChangingThePasswordInTheUIOffersToRevokeTheAPITokens(t *testing.T) {
	s := newSite(t)
	api := func() int {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/connections", nil)
		req.Header.Set("Authorization", "Bearer "+s.env.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	password := apptest.Password
	for _, revoke := range []bool{false, true} {
		token := s.signInWith(password)
		status, page := s.get("/password")
		if status != http.StatusOK || !strings.Contains(page, "Also revoke all my API tokens (1)") || !strings.Contains(page, "keep working after a password change") {
			t.Fatalf("the password page: %d %.2000s", status, page)
		}
		form := url.Values{"csrf": {token}, "current_password": {password}, "new_password": {password + "!"}, "new_password_again": {password + "!"}}
		if revoke {
			form.Set("revoke_tokens", "on")
		}
		resp := s.post("/password", form, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Fatalf("revoke=%v: change: %d %s", revoke, resp.StatusCode, resp.Header.Get("Location"))
		}
		password += "!"
		if _, page := s.get("/login"); !strings.Contains(page, "Your password is changed") ||
			strings.Contains(page, "tokens still work") == revoke || strings.Contains(page, "your API token is revoked") != revoke {
			t.Errorf("revoke=%v: the sign-in page after the change: %.3000s", revoke, page)
		}
		if status, _ := s.get("/connections"); status != http.StatusSeeOther {
			t.Errorf("revoke=%v: the session outlived the change: %d", revoke, status)
		}
		if got, want := api(), map[bool]int{false: http.StatusOK, true: http.StatusUnauthorized}[revoke]; got != want {
			t.Errorf("revoke=%v: the API token after the change: %d, want %d", revoke, got, want)
		}
	}
	// A wrong current password and two new ones that differ are refused, naming the field.
	token := s.signInWith(password)
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"current_password": {"a wrong guess"}, "new_password": {"new password 1"}, "new_password_again": {"new password 1"}}, "Your current password is not right."},
		{url.Values{"current_password": {password}, "new_password": {"new password 1"}, "new_password_again": {"new password 2"}}, "The two new passwords differ"},
		{url.Values{"current_password": {password}, "new_password": {"short"}, "new_password_again": {"short"}}, "at least 10 characters"},
	} {
		tc.form.Set("csrf", token)
		if status, page := s.postPage("/password", tc.form); status != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
			t.Errorf("%v: %d, want 422 saying %q", tc.form, status, tc.want)
		}
	}
}

// signInWith signs in as admin with a password and returns the session's CSRF token.
func (s *site) signInWith(password string) string {
	s.t.Helper()
	if status := s.signInAs("admin", password, nil); status != http.StatusSeeOther {
		s.t.Fatalf("sign in: %d", status)
	}
	_, page := s.get("/tokens")
	return csrfInput.FindStringSubmatch(page)[1]
}

// A change the store announces waits, noted, for its window: the store's page says real time is on, how
// many changes wait and how far behind they are.
func TestTheStorePageSaysHowManyAnnouncedChangesWait(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	s.signIn()
	if _, page := s.get("/stores/" + itoa(c.StoreID)); !strings.Contains(page, "Real time: off") {
		t.Fatalf("a store without webhooks:\n%s", page)
	}
	if err := s.env.Services.Store.SetWebhooksURL(t.Context(), c.StoreID, "https://bcsync.example/webhooks/bigcommerce/"+itoa(c.StoreID)); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"1", "2", "1"} { // the second delivery for customer 1 is one change
		req, _ := http.NewRequest("POST", s.url+"/webhooks/bigcommerce/"+itoa(c.StoreID), strings.NewReader(
			`{"scope":"store/customer/updated","store_id":"1","data":{"type":"customer","id":`+id+`},"hash":"h`+strconv.Itoa(i)+`","created_at":1,"producer":"stores/abc123xyz"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Bcsync-Webhook-Secret", c.WebhookSecret)
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("delivery %d: %d", i, resp.StatusCode)
		}
	}
	_, page := s.get("/stores/" + itoa(c.StoreID))
	if !regexp.MustCompile(`Real time: on, 2 changes waiting, ~\d+ s behind`).MatchString(page) {
		t.Errorf("the store's page after two changed customers:\n%s", page)
	}
}
