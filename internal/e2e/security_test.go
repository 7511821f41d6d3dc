package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// bcsync serve --public-url https://… tells browsers to keep to HTTPS; without a public URL it does not.
func TestServeWithAnHTTPSPublicURLSendsStrictTransportSecurity(t *testing.T) {
	w := newWorld(t, small)
	for publicURL, want := range map[string]bool{"https://bcsync.example.test": true, "": false} {
		addr := freeAddr(t)
		args := []string{"serve", "--listen", addr}
		if publicURL != "" {
			args = append(args, "--public-url", publicURL)
		}
		serve := w.start(args...)
		var hsts string
		w.eventually("bcsync serve to answer", func() bool {
			resp, err := http.Get("http://" + addr + "/login")
			if err != nil {
				return false
			}
			resp.Body.Close()
			hsts = resp.Header.Get("Strict-Transport-Security")
			return resp.StatusCode == http.StatusOK
		})
		w.stop(serve)
		if got := strings.HasPrefix(hsts, "max-age="); got != want {
			t.Errorf("--public-url %q: Strict-Transport-Security %q", publicURL, hsts)
		}
	}
}

// bcsync admin password keeps the account's API tokens working and says so; with --revoke-tokens
// they stop working.
func TestAdminPasswordRevokesTheAPITokensWhenAsked(t *testing.T) {
	w := newWorld(t, small)
	w.bcsync("admin", "create", "--password", "correct horse battery")
	token := strings.TrimSpace(w.bcsync("admin", "token", "--name", "deploy"))
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr)
	defer w.stop(serve)
	api := func() int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/connections", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	w.eventually("bcsync serve to answer", func() bool { return api() == http.StatusOK })

	if out := w.bcsync("admin", "password", "--password", "a new password"); !strings.Contains(out, "--revoke-tokens") {
		t.Errorf("admin password does not say that the tokens still work:\n%s", out)
	}
	if status := api(); status != http.StatusOK {
		t.Fatalf("the token after a password change: %d", status)
	}
	if out := w.bcsync("admin", "password", "--password", "another new one", "--revoke-tokens"); !strings.Contains(out, "revoked: 1") {
		t.Errorf("admin password --revoke-tokens:\n%s", out)
	}
	if status := api(); status != http.StatusUnauthorized {
		t.Fatalf("the token after a password change with --revoke-tokens: %d", status)
	}
}
