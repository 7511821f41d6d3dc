package api_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/api"
	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/app/apptest"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
)

// Credentials go over plain HTTP only to this machine (emulators): an http:// endpoint elsewhere is
// refused before any request, unless the server allows insecure endpoints. (.invalid names never
// resolve: nothing leaves this machine.)
func TestPlainHTTPEndpointsOnOtherMachinesAreRefused(t *testing.T) {
	c := newClient(t)
	in := c.env.ConnectInput()
	connect := map[string]any{"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
		"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint}
	with := func(body map[string]any, k, v string) map[string]any {
		out := map[string]any{}
		for key, value := range body {
			out[key] = value
		}
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v1/connections", with(connect, "bigcommerce_base_url", "http://emulator.bcsync-test.invalid:8080"), "bigcommerce_api_path"},
		{"/api/v1/connections", with(connect, "bigcommerce_api_path", "http://api.bigcommerce.com/stores/abc123xyz/"), "bigcommerce_api_path"},
		{"/api/v1/connections", with(connect, "dotdigital_endpoint", "http://emulator.bcsync-test.invalid:9090"), "dotdigital_endpoint"},
		{"/api/v1/stores", map[string]any{"bigcommerce_api_path": "http://emulator.bcsync-test.invalid/stores/abc123xyz/", "bigcommerce_access_token": "t"}, "bigcommerce_api_path"},
	} {
		status, out, _ := c.call("POST", tc.path, tc.body)
		if status != http.StatusUnprocessableEntity || out["code"] != "insecure_endpoint" || out["field"] != tc.field ||
			!strings.Contains(out["error"].(string), "--allow-insecure-endpoints") {
			t.Errorf("POST %s %v: %d %v", tc.path, tc.body, status, out)
		}
	}
	if n := len(c.must(http.StatusOK, "GET", "/api/v1/stores", nil)["stores"].([]any)); n != 0 {
		t.Errorf("%d stores saved", n)
	}
	// Plain HTTP on this machine is for emulators: connecting to them works.
	c.connect()
}

// bcsync must not map the networks it reaches: connecting to an address that is neither the API's own
// nor this machine gets the same answer whether nothing listens there, something that does not speak
// TLS, or an HTTPS server that refuses the credentials or does not know the path. (The test's transport
// plays the network: every name of bcsync-test.invalid is a server on loopback.)
func TestConnectingToOtherHostsTellsNothingOfWhatAnswered(t *testing.T) {
	closed := func() string { // a port nothing listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		return ln.Addr().String()
	}()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	refusing := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"status":401,"title":"You are not authorized to access this resource"}`))
	}))
	defer refusing.Close()
	unknown := httptest.NewTLSServer(http.NotFoundHandler())
	defer unknown.Close()
	hosts := map[string]string{
		"closed.bcsync-test.invalid:443":   closed,
		"plain.bcsync-test.invalid:443":    plain.Listener.Addr().String(),
		"refusing.bcsync-test.invalid:443": refusing.Listener.Addr().String(),
		"unknown.bcsync-test.invalid:443":  unknown.Listener.Addr().String(),
	}
	network := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := hosts[addr]; ok {
				addr = to
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test servers' certificates name other hosts
	}}
	env := apptest.New(t, func(_ *app.Config, so *app.ServiceOptions) {
		so.Engine.HTTPClient = network
		so.BigCommerce = func(c *bigcommerce.Config) { c.MaxAttempts = 1 }
		so.Engine.Dotdigital = func(c *dotdigital.Config) { c.Retry.MaxRetries = -1 }
	})
	srv := httptest.NewServer(api.New(env.Services, env.Services.Auth))
	defer srv.Close()
	c := &client{t: t, env: env, url: srv.URL, token: env.Token}
	in := env.ConnectInput()
	answers := map[string][]string{}
	for host := range hosts {
		name := strings.TrimSuffix(host, ":443")
		status, out, _ := c.call("POST", "/api/v1/connections", map[string]any{
			"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken, "bigcommerce_base_url": "https://" + name,
			"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint})
		answers["BigCommerce"] = append(answers["BigCommerce"], fmt.Sprint(status, out))
		status, out, _ = c.call("POST", "/api/v1/connections", map[string]any{
			"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
			"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": "https://" + name})
		answers["Dotdigital"] = append(answers["Dotdigital"], fmt.Sprint(status, out))
	}
	for api, got := range answers {
		for _, a := range got[1:] {
			if a != got[0] {
				t.Errorf("%s: the answers differ:\n%s", api, strings.Join(got, "\n"))
				break
			}
		}
		if !strings.HasPrefix(got[0], "422 ") {
			t.Errorf("%s: %s", api, got[0])
		}
	}
}
