package bigcommerce

import (
	"errors"
	"net"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

// A full read of 10,000 customers through 5xx, 429s without headers, cut bodies and timeouts returns
// exactly the records a clean read does.
func TestFullReadThroughFaultsIsExact(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	// Seed 10 draws each kind of fault at least once in this read (the draws are seeded too).
	cfg := bcemu.Config{Customers: 10_000, Seed: 10, Now: clock}
	clean := newStore(t, cfg, nil)
	want := readAll(t, clean.client.Customers(ctxT(t), CustomerQuery{}))

	cfg.Faults = "500=0.05,429=0.05,truncate=0.02,timeout=0.01"
	faulty := newStore(t, cfg, nil, func(c *Config) { c.AttemptTimeout = time.Second })
	got := readAll(t, faulty.client.Customers(ctxT(t), CustomerQuery{}))
	if len(got) != 10_000 || !reflect.DeepEqual(got, want) {
		t.Fatalf("read %d customers through faults; they differ from a clean read", len(got))
	}
	faults := faulty.emu.Stats().Faults
	if faults["500"] == 0 || faults["429"] == 0 || faults["truncate"] == 0 || faults["timeout"] == 0 {
		t.Fatalf("some kind of fault was not injected: %v", faults)
	}
	t.Logf("faults %v; %d requests for %d pages", faults, faulty.emu.Stats().Total, (10_000+249)/250)
}

// failFirst answers the first request matching match with status (no rate-limit headers).
func failFirst(status int, match func(*http.Request) bool) func(http.Handler) http.Handler {
	var once sync.Once
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fail := false
			if match(r) {
				once.Do(func() { fail = true })
			}
			if !fail {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`{"status":` + http.StatusText(status) + `}`))
		})
	}
}

func isPost(r *http.Request) bool { return r.Method == http.MethodPost }
func isPut(r *http.Request) bool  { return r.Method == http.MethodPut }

func TestRetryRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wrap     func(http.Handler) http.Handler
		write    func(*store) error
		requests int
		want     error
	}{
		{"a POST refused with 429 is repeated", failFirst(http.StatusTooManyRequests, isPost),
			func(s *store) error {
				_, err := s.client.CreateSubscriber(ctxT(s.t), SubscriberInput{Email: "a@example.com"})
				return err
			}, 2, nil},
		{"a POST answered 500 is not repeated", failFirst(http.StatusInternalServerError, isPost),
			func(s *store) error {
				_, err := s.client.CreateSubscriber(ctxT(s.t), SubscriberInput{Email: "a@example.com"})
				return err
			}, 1, ErrMaybeApplied},
		{"a PUT answered 503 is repeated", failFirst(http.StatusServiceUnavailable, isPut),
			func(s *store) error {
				_, err := s.client.UpdateSubscriber(ctxT(s.t), 1, SubscriberInput{FirstName: "B"})
				return err
			}, 2, nil},
		{"a PUT whose body was cut is repeated", dropFirst(isPut),
			func(s *store) error {
				_, err := s.client.UpdateSubscriber(ctxT(s.t), 1, SubscriberInput{FirstName: "B"})
				return err
			}, 2, nil},
		{"a 4xx is not repeated", nil,
			func(s *store) error {
				_, err := s.client.UpdateSubscriber(ctxT(s.t), 99, SubscriberInput{FirstName: "B"})
				return err
			}, 1, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, bcemu.Config{Subscribers: 3}, tc.wrap)
			err := tc.write(s)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if n := len(s.calls.all()); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

// A request that could not even connect never arrived: even a POST is tried again, boundedly, and
// only a few times whatever MaxAttempts says (a refusing host is seldom back within seconds: the run
// fails fast and the next one is scheduled with backoff).
func TestRefusedConnectionsAreRetriedBoundedly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	calls := &callLog{}
	cfg := Config{Credentials: Credentials{APIPath: "http://" + addr + "/stores/abc/", AccessToken: "token"}, Observer: calls, MaxAttempts: 8}
	fastRetries(&cfg)
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateSubscriber(ctxT(t), SubscriberInput{Email: "a@example.com"})
	if err == nil || errors.Is(err, ErrMaybeApplied) {
		t.Fatalf("err = %v", err)
	}
	if n := len(calls.all()); n != unreachableAttempts {
		t.Fatalf("%d attempts, want %d", n, unreachableAttempts)
	}
}
