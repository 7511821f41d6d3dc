package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A password mounted as a file (a container secret) creates the first admin account of bcsync serve.
func TestServeCreatesTheFirstAdminFromAPasswordFile(t *testing.T) {
	w := newWorld(t, small)
	file := filepath.Join(t.TempDir(), "admin-password")
	if err := os.WriteFile(file, []byte("from a mounted secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr, "--admin-username", "ops", "--admin-password-file", file)
	url := "http://" + addr
	w.eventually("bcsync serve to answer", func() bool {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	signIn(t, url, "ops", "from a mounted secret")
	w.stop(serve)

	if out, err := w.try("serve", "--listen", addr, "--admin-password-file", filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(out, "admin password file") {
		t.Fatalf("serve with a missing password file: %v\n%s", err, out)
	}
}

// signIn signs in to the UI through its form, as a browser without JavaScript would, and returns the
// page it lands on (the connections).
func signIn(t *testing.T, url, username, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatalf("no CSRF token on the sign-in page:\n%s", page)
	}
	resp, err = client.PostForm(url+"/login", neturl.Values{"csrf": {string(token[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/connections" {
		t.Fatalf("signing in as %s / %s led to %d %s:\n%s", username, password, resp.StatusCode, resp.Request.URL, page)
	}
	return string(page)
}
