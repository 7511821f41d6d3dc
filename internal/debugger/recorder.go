// Package debugger records the API calls bcsync makes, redacted, so that users can see every request
// and response of a run: the live debugger. Calls are written in batches, off the request's path.
package debugger

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/store"
)

// Recorder is an apicall.Observer that saves the calls made for a sync.
type Recorder struct {
	store *store.Store
	log   *slog.Logger
	keep  int

	mu      sync.Mutex
	buf     []store.APICall
	kick    chan struct{}
	done    chan struct{}
	stopped bool
	subs    map[chan store.APICall]struct{}
}

// Keep is how many calls are kept per sync by default.
const Keep = 5000

// New starts a recorder; Close flushes it.
func New(s *store.Store, logger *slog.Logger, keep int) *Recorder {
	if keep <= 0 {
		keep = Keep
	}
	r := &Recorder{store: s, log: logger, keep: keep, kick: make(chan struct{}, 1), done: make(chan struct{}), subs: map[chan store.APICall]struct{}{}}
	go r.loop()
	return r
}

// ObserveCall queues a call for saving. Calls outside any sync's work are not recorded.
func (r *Recorder) ObserveCall(ctx context.Context, c *apicall.Call) {
	scope, ok := apicall.ScopeFrom(ctx)
	if !ok || scope.SyncID == 0 {
		return
	}
	rec := store.APICall{
		SyncID: scope.SyncID, RunID: scope.RunID, API: c.API, Method: c.Method, URL: c.URL, Status: c.Status,
		Error: c.Err, Duration: c.Duration, StartedAt: c.Started, RequestHeaders: c.RequestHeader, RequestBody: string(c.RequestBody),
		ResponseHeaders: c.ResponseHeader, ResponseBody: string(c.ResponseBody), Truncated: c.Truncated,
	}
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.buf = append(r.buf, rec)
	full := len(r.buf) >= 200
	for ch := range r.subs {
		select {
		case ch <- rec:
		default: // a slow watcher misses calls rather than slowing syncs down
		}
	}
	r.mu.Unlock()
	if full {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Watch returns calls as they happen (for a live view), until cancel is called.
func (r *Recorder) Watch() (<-chan store.APICall, func()) {
	ch := make(chan store.APICall, 256)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subs, ch)
		r.mu.Unlock()
	}
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.kick:
		}
		stopped := r.flush()
		if stopped {
			return
		}
	}
}

func (r *Recorder) flush() bool {
	r.mu.Lock()
	batch, stopped := r.buf, r.stopped
	r.buf = nil
	r.mu.Unlock()
	if len(batch) > 0 {
		if err := r.store.AddAPICalls(context.Background(), batch, r.keep); err != nil {
			r.log.Warn("could not record API calls", slog.Int("calls", len(batch)), slog.Any("error", err))
		}
	}
	return stopped
}

// Flush writes what is queued now.
func (r *Recorder) Flush() { r.flush() }

// Close writes what is queued and stops.
func (r *Recorder) Close() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	<-r.done
}
