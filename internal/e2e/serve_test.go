package e2e

import (
	"net/http"
	"os"
	"path/filepath"
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
