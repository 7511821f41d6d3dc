package dotdigital

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/emulator/dotdigital/ddspec"
)

// bundle is a client talking over loopback HTTP to an emulated account, with every exchange held to the
// official descriptions and recorded.
type bundle struct {
	t      *testing.T
	emu    *ddemu.Server
	url    string
	client *Client
	check  *ddspec.Checker
	calls  *recorder
}

// recorder keeps the calls the client's Observer saw.
type recorder struct {
	mu    sync.Mutex
	calls []*apicall.Call
}

func (r *recorder) ObserveCall(_ context.Context, c *apicall.Call) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *recorder) all() []*apicall.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*apicall.Call(nil), r.calls...)
}

// count counts the calls of one method and path.
func (r *recorder) count(method, path string) int {
	n := 0
	for _, c := range r.all() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}

// fastPolls and fastRetries keep tests quick: imports finish in tens of milliseconds in the emulator.
var (
	fastPolls   = PollPolicy{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond, PerRecord: time.Microsecond}
	fastRetries = RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, ImportWait: 10 * time.Millisecond, MaxImportWait: 30 * time.Second}
)

// setup starts an emulated account and a client of it. tweak, when given, adjusts the client's Config.
func setup(t *testing.T, emu ddemu.Config, tweak ...func(*Config)) *bundle {
	t.Helper()
	if emu.ImportDelay == 0 {
		emu.ImportDelay = 20 * time.Millisecond
	}
	srv, err := ddemu.New(emu)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	b := &bundle{t: t, emu: srv, url: hs.URL, check: ddspec.New(t), calls: &recorder{}}
	t.Cleanup(func() {
		if !t.Failed() && b.check.Checked() == 0 {
			t.Error("no exchange was checked against the descriptions")
		}
	})
	cfg := Config{
		Credentials: Credentials{Username: srv.Username(), Password: srv.Password()},
		Endpoint:    hs.URL,
		HTTPClient:  &http.Client{Transport: b.check.Transport(nil)},
		Observer:    b.calls,
		Timeout:     10 * time.Second,
		Retry:       fastRetries,
		Poll:        fastPolls,
		TempDir:     t.TempDir(),
	}
	for _, f := range tweak {
		f(&cfg)
	}
	b.client, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// reports collects importer reports.
type reports[T any] struct {
	mu  sync.Mutex
	all []T
}

func (r *reports[T]) add(x T) {
	r.mu.Lock()
	r.all = append(r.all, x)
	r.mu.Unlock()
}

func (r *reports[T]) list() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.all...)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
