package emulator

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Stats counts requests per operation (the route pattern that served them, e.g. "GET /v3/customers"),
// responses per status, injected faults and throttled requests. It is what /_emulator/stats reports.
type Stats struct {
	mu        sync.Mutex
	requests  map[string]int64
	statuses  map[string]int64
	faults    map[string]int64
	throttled int64
	total     int64
	started   time.Time
}

// NewStats returns empty statistics.
func NewStats() *Stats {
	return &Stats{requests: map[string]int64{}, statuses: map[string]int64{}, faults: map[string]int64{}, started: time.Now()}
}

// Snapshot is the JSON body of /_emulator/stats.
type Snapshot struct {
	Requests  map[string]int64 `json:"requests"`
	Statuses  map[string]int64 `json:"statuses"`
	Faults    map[string]int64 `json:"faults"`
	Total     int64            `json:"total"`
	Throttled int64            `json:"throttled"`
	UptimeS   float64          `json:"uptime_s"`
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Snapshot{
		Requests: maps.Clone(s.requests), Statuses: maps.Clone(s.statuses), Faults: maps.Clone(s.faults),
		Total: s.total, Throttled: s.throttled, UptimeS: time.Since(s.started).Seconds(),
	}
}

// Reset zeroes the counters.
func (s *Stats) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	clear(s.statuses)
	clear(s.faults)
	s.total, s.throttled, s.started = 0, 0, time.Now()
}

// Throttled counts a request refused by the quota.
func (s *Stats) Throttled() {
	s.mu.Lock()
	s.throttled++
	s.mu.Unlock()
}

type faultKey struct{}

type faultNote struct{ fault Fault }

// markFault notes on the request which fault it got, for Stats.
func markFault(r *http.Request, f Fault) {
	if n, ok := r.Context().Value(faultKey{}).(*faultNote); ok {
		n.fault = f
	}
}

// Middleware counts every request that reaches next. mux names the operation: the pattern it would
// route the request to.
func (s *Stats) Middleware(next http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, op := mux.Handler(r)
		if op == "" {
			op = "unrouted"
		}
		note := &faultNote{}
		r = r.WithContext(context.WithValue(r.Context(), faultKey{}, note))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.total++
			s.requests[op]++
			switch note.fault {
			case FaultTimeout, FaultReset:
				s.statuses["dropped"]++
			default:
				s.statuses[strconv.Itoa(sw.status)]++
			}
			if note.fault != "" {
				s.faults[string(note.fault)]++
			}
			s.mu.Unlock()
		}()
		next.ServeHTTP(sw, r)
	})
}

// ServeHTTP serves the snapshot as JSON; DELETE resets the counters.
func (s *Stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.Snapshot())
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for hijacking faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
