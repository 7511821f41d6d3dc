package bigcommerce

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/version"
)

// windowLog groups the store's answers by the rate-limit window they were counted in and counts this
// client's accepted requests in each.
type windowLog struct {
	mu      sync.Mutex
	windows []window
	ours    int
}

type window struct {
	end        time.Time
	ours, used int
}

func (l *windowLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		h := w.Header()
		quota, _ := strconv.Atoi(h.Get("X-Rate-Limit-Requests-Quota"))
		left, _ := strconv.Atoi(h.Get("X-Rate-Limit-Requests-Left"))
		reset, _ := strconv.Atoi(h.Get("X-Rate-Limit-Time-Reset-Ms"))
		if quota == 0 || h.Get("X-Retry-After") != "" {
			return // a fault, or a request the quota refused: not counted by the store
		}
		end := time.Now().Add(time.Duration(reset) * time.Millisecond)
		l.mu.Lock()
		defer l.mu.Unlock()
		i := len(l.windows) - 1
		if i < 0 || end.Sub(l.windows[i].end).Abs() > 100*time.Millisecond {
			l.windows = append(l.windows, window{end: end})
			i++
		}
		l.windows[i].used = max(l.windows[i].used, quota-left)
		if r.Header.Get("User-Agent") == version.UserAgent() {
			l.windows[i].ours++
			l.ours++
		}
	})
}

// Alone on a store, the client never lets the store count more than its share of a window.
func TestPacingKeepsToTheQuotaShare(t *testing.T) {
	var log windowLog
	s := newStore(t, bcemu.Config{Customers: 200, RateLimit: bcemu.RateLimit{Quota: 10, Window: 400 * time.Millisecond}}, log.wrap,
		func(c *Config) { c.PageSize = 10 })
	got := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
	if len(got) != 200 {
		t.Fatalf("read %d customers", len(got))
	}
	if th := s.emu.Stats().Throttled; th != 0 {
		t.Fatalf("%d requests throttled", th)
	}
	if len(log.windows) < 4 {
		t.Fatalf("20 requests in %d windows: faster than 5 per window", len(log.windows))
	}
	for _, w := range log.windows {
		if w.used > 5 {
			t.Fatalf("the store counted %d requests in one window; the share is 5 of 10 (windows %+v)", w.used, log.windows)
		}
	}
}

// Sharing the store with an app that ignores the quota, the client still keeps to its share, waits
// when the store has nothing left, and reads everything.
func TestPacingWithAnotherApp(t *testing.T) {
	var log windowLog
	s := newStore(t, bcemu.Config{Customers: 150, RateLimit: bcemu.RateLimit{Quota: 12, Window: 400 * time.Millisecond}}, log.wrap,
		func(c *Config) { c.PageSize = 10 })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				req, _ := http.NewRequest("GET", s.emu.APIPath(s.srv.URL)+"v2/time", nil)
				req.Header.Set("X-Auth-Token", s.emu.AccessToken())
				req.Header.Set("User-Agent", "another-app/1.0")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	got := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
	close(stop)
	wg.Wait()
	if len(got) != 150 {
		t.Fatalf("read %d customers", len(got))
	}
	for _, w := range log.windows {
		if w.ours > 6 {
			t.Fatalf("the client had %d requests counted in one window; its share is 6 of 12 (windows %+v)", w.ours, log.windows)
		}
	}
	if log.ours < 15 {
		t.Fatalf("only %d of the client's requests were counted", log.ours)
	}
}

// throttleFirst answers the first request 429 with the given rate-limit headers.
func throttleFirst(resetMs, retryAfterS int, at *time.Time) func(http.Handler) http.Handler {
	var once sync.Once
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first := false
			once.Do(func() { first = true })
			if !first {
				next.ServeHTTP(w, r)
				return
			}
			*at = time.Now()
			h := w.Header()
			h.Set("X-Rate-Limit-Requests-Quota", "150")
			h.Set("X-Rate-Limit-Requests-Left", "0")
			h.Set("X-Rate-Limit-Time-Window-Ms", "30000")
			h.Set("X-Rate-Limit-Time-Reset-Ms", strconv.Itoa(resetMs))
			h.Set("X-Retry-After", strconv.Itoa(retryAfterS))
			w.WriteHeader(http.StatusTooManyRequests)
		})
	}
}

// After a 429 the client waits for the longer of X-Retry-After and the reset, then goes on.
func TestThrottledRequestWaitsForTheLongerOfRetryAfterAndReset(t *testing.T) {
	for _, tc := range []struct {
		name            string
		resetMs, retryS int
		wantAtLeast     time.Duration
	}{
		{"reset is longer", 1300, 1, 1300 * time.Millisecond},
		{"retry-after is longer", 100, 1, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var throttledAt time.Time
			s := newStore(t, bcemu.Config{Customers: 3}, throttleFirst(tc.resetMs, tc.retryS, &throttledAt))
			start := time.Now()
			got := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
			calls := s.calls.all()
			if len(got) != 3 || len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests {
				t.Fatalf("%d customers, calls %d", len(got), len(calls))
			}
			if gap := calls[1].Started.Sub(throttledAt); gap < tc.wantAtLeast-20*time.Millisecond || time.Since(start) > 10*time.Second {
				t.Fatalf("retried %v after the 429, want at least %v", gap, tc.wantAtLeast)
			}
		})
	}
}
