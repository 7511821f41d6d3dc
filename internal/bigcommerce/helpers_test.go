package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/emulator/bigcommerce/conformance"
)

// store is a client wired to an emulated store over loopback HTTP, with every exchange held to the
// official descriptions.
type store struct {
	t      *testing.T
	emu    *bcemu.Server
	srv    *httptest.Server
	client *Client
	calls  *callLog
	spec   *conformance.Validator
}

// callLog keeps what the observer saw.
type callLog struct {
	mu    sync.Mutex
	calls []*apicall.Call
}

func (l *callLog) ObserveCall(_ context.Context, c *apicall.Call) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

func (l *callLog) all() []*apicall.Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*apicall.Call(nil), l.calls...)
}

// fastRetries keep failure tests quick.
func fastRetries(c *Config) {
	c.BackoffBase, c.BackoffMax = 5*time.Millisecond, 50*time.Millisecond
	c.AttemptTimeout = 2 * time.Second
}

// newStore starts an emulator and a client of it. wrap, when set, sits in front of the emulator's
// handler (to inject exact failures); options adjust the client's configuration.
func newStore(t *testing.T, ecfg bcemu.Config, wrap func(http.Handler) http.Handler, options ...func(*Config)) *store {
	t.Helper()
	spec := conformance.Load(t)
	emu, err := bcemu.New(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = emu.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	checked := spec.Checked()
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	calls := &callLog{}
	cfg := Config{
		Credentials: Credentials{APIPath: emu.APIPath(srv.URL), ClientID: emu.ClientID(), AccessToken: emu.AccessToken()},
		HTTPClient:  &http.Client{Transport: spec.Transport(t, nil)},
		Observer:    calls,
	}
	fastRetries(&cfg)
	for _, o := range options {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &store{t: t, emu: emu, srv: srv, client: c, calls: calls, spec: spec}
	t.Cleanup(func() {
		if !t.Failed() && spec.Checked() == checked {
			t.Error("no exchange was checked against the official descriptions")
		}
	})
	return s
}

// raw sends a request to the store as another app would, checked against the descriptions too.
func (s *store) raw(method, path string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	u := s.emu.APIPath(s.srv.URL) + path
	if strings.HasPrefix(path, "/") { // the emulator's own endpoints
		u = s.srv.URL + path
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("X-Auth-Token", s.emu.AccessToken())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: s.spec.Transport(s.t, nil)}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// requests counts the emulator's requests of one operation, e.g. "GET /stores/{store_hash}/v3/customers".
func (s *store) requests(op string) int64 { return s.emu.Stats().Requests[op] }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// readAll drains an iterator, failing the test on error.
func readAll[T any](t *testing.T, seq func(func([]T, error) bool)) []T {
	t.Helper()
	var out []T
	for page, err := range seq {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, page...)
	}
	return out
}
