package e2e

import (
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// A store's emulator on another machine, reached over plain HTTP, needs the operator's
// --allow-insecure-endpoints: credentials would cross the network in the clear. (The other machine is
// played by an HTTP proxy on loopback that bcsync is told to use, in front of the emulator.)
func TestPlainHTTPToAnotherMachineNeedsTheOperatorsFlag(t *testing.T) {
	w := newWorld(t, small)
	target, _ := url.Parse(w.bcSrv.URL)
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }})
	defer proxy.Close()
	w.env = append(w.env, "HTTP_PROXY="+proxy.URL, "NO_PROXY=127.0.0.1,localhost")
	add := []string{"store", "add", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-access-token", w.bc.AccessToken(),
		"--bigcommerce-base-url", "http://emulator.bcsync-test.invalid"}
	out, err := w.try(add...)
	if err == nil || !strings.Contains(out, "--allow-insecure-endpoints") {
		t.Fatalf("plain HTTP to another machine without the flag: %v\n%s", err, out)
	}
	if out := w.bcsync("store", "list"); strings.Contains(out, "abc123xyz") {
		t.Fatalf("the store was saved:\n%s", out)
	}
	w.bcsync(append([]string{"--allow-insecure-endpoints"}, add...)...) // checked against the emulator through the proxy
	if out := w.bcsync("store", "list"); !strings.Contains(out, "abc123xyz") {
		t.Fatalf("with the flag, the store is not listed:\n%s", out)
	}
}
