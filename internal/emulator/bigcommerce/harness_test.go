package bigcommerce

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/emulator/bigcommerce/conformance"
)

// harness is an emulated store on loopback with a client whose every exchange is held to the official
// descriptions (less the exceptions of package conformance).
type harness struct {
	t    *testing.T
	s    *Server
	srv  *httptest.Server
	http *http.Client
	spec *conformance.Validator
}

// fixedNow pins the clock so that generated dates repeat from run to run.
func fixedNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	spec := conformance.Load(t)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	checked := spec.Checked()
	t.Cleanup(func() {
		if !t.Failed() && spec.Checked() == checked {
			t.Error("no exchange was checked against the official descriptions")
		}
	})
	return &harness{t: t, s: s, srv: srv, http: &http.Client{Transport: spec.Transport(t, nil)}, spec: spec}
}

// raw is do without the check against the descriptions, for requests that break them on purpose.
func (h *harness) raw(method, path string, body any, headers ...string) (*http.Response, []byte) {
	h.t.Helper()
	checked := h.http
	h.http = http.DefaultClient
	defer func() { h.http = checked }()
	return h.do(method, path, body, headers...)
}

// do sends a request with the store's token. A path starting with "/" is taken from the server's root;
// any other is below the store's API path. headers are name, value pairs that replace the defaults.
func (h *harness) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	u := h.s.APIPath(h.srv.URL) + path
	if strings.HasPrefix(path, "/") {
		u = h.srv.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", h.s.AccessToken())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, b
}

// json sends a request and decodes a JSON answer into out (when not nil); it returns the status.
func (h *harness) json(method, path string, body, out any) int {
	h.t.Helper()
	resp, b := h.do(method, path, body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// v3Error is BigCommerce's v3 error body.
type v3Error struct {
	Status int               `json:"status"`
	Title  string            `json:"title"`
	Type   string            `json:"type"`
	Errors map[string]string `json:"errors"`
}

type v2Error []struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
