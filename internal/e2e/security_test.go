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
