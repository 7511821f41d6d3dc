package endpoint

import (
	"errors"
	"testing"
)

func TestPlainHTTPIsRefusedOutsideLoopbackUnlessAllowed(t *testing.T) {
	for raw, want := range map[string]error{
		"https://api.bigcommerce.com/stores/abc123/": nil,
		"https://emulator.example:8443":              nil,
		"http://127.0.0.1:8080":                      nil,
		"http://127.8.9.10":                          nil,
		"http://[::1]:9000/stores/abc123/":           nil,
		"http://localhost:9000":                      nil,
		"http://emulator.localhost":                  nil,
		"http://api.bigcommerce.com/stores/abc123/":  ErrInsecure,
		"http://10.0.0.5:8080":                       ErrInsecure,
		"http://192.168.1.1":                         ErrInsecure,
		"http://localhost.evil.example":              ErrInsecure,
		"http://127.0.0.1.evil.example":              ErrInsecure,
		"http://[::ffff:10.0.0.1]":                   ErrInsecure,
	} {
		if err := Check(raw, false); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("Check(%q) = %v, want %v", raw, err, want)
		}
		if err := Check(raw, true); err != nil {
			t.Errorf("Check(%q) with insecure endpoints allowed = %v", raw, err)
		}
	}
	for _, raw := range []string{"ftp://127.0.0.1/", "127.0.0.1:8080", "", "https://"} {
		if err := Check(raw, true); err == nil {
			t.Errorf("Check(%q) passed: not an http(s) URL", raw)
		}
	}
}

func TestOnlyFailuresAtOtherHostsAreOpaque(t *testing.T) {
	failed := errors.New("dial tcp: connection refused")
	for raw, opaque := range map[string]bool{
		"https://api.bigcommerce.com/stores/abc123/": false,
		"http://127.0.0.1:8080/stores/abc123/":       false,
		"https://api.bigcommerce.com:8443/":          true, // not the API's own port
		"https://10.0.0.5/stores/abc123/":            true,
		"https://intranet.example":                   true,
	} {
		var o *OpaqueError
		if got := errors.As(Opaque(failed, raw, BigCommerceHosts...), &o); got != opaque {
			t.Errorf("Opaque at %s: %v, want %v", raw, got, opaque)
		}
	}
	if Opaque(nil, "https://10.0.0.5/") != nil {
		t.Error("no error became one")
	}
}
