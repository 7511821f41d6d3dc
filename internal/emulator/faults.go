package emulator

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is a way a request can go wrong on purpose.
type Fault string

const (
	// Fault429 answers 429 without any rate-limit headers, as a platform under load does. (Quota
	// exhaustion, with headers, is the rate limiter's job, not a fault.)
	Fault429 Fault = "429"
	Fault500 Fault = "500"
	Fault502 Fault = "502"
	Fault503 Fault = "503"
	Fault504 Fault = "504"
	// FaultTimeout holds the request without answering until the client gives up.
	FaultTimeout Fault = "timeout"
	// FaultTruncate runs the request, then sends only half of the response body and drops the
	// connection: the change happened but the client cannot know it.
	FaultTruncate Fault = "truncate"
	// FaultReset drops the connection before anything is done.
	FaultReset Fault = "reset"
)

var knownFaults = []Fault{Fault429, Fault500, Fault502, Fault503, Fault504, FaultTimeout, FaultTruncate, FaultReset}

// Faults injects faults at given rates. The zero value and nil inject nothing.
type Faults struct {
	rates []faultRate
	mu    sync.Mutex
	rng   *rand.Rand
	// Hold bounds how long a timeout fault holds a request whose client never gives up.
	Hold time.Duration
}

type faultRate struct {
	fault Fault
	rate  float64
}

// ParseFaults reads "429=0.02,500=0.05,timeout=0.01,truncate=0.01". The rates are probabilities per
// request and must add up to at most 1. The same seed gives the same sequence of draws.
func ParseFaults(spec string, seed uint64) (*Faults, error) {
	f := &Faults{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), Hold: 2 * time.Minute}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return f, nil
	}
	total := 0.0
	for part := range strings.SplitSeq(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("fault %q: want kind=rate, e.g. 500=0.05", part)
		}
		fault := Fault(strings.ToLower(strings.TrimSpace(name)))
		if !slices.Contains(knownFaults, fault) {
			return nil, fmt.Errorf("fault %q: unknown kind (known: %s)", name, joinFaults())
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || rate < 0 || rate > 1 {
			return nil, fmt.Errorf("fault %q: rate must be a number from 0 to 1", part)
		}
		total += rate
		f.rates = append(f.rates, faultRate{fault, rate})
	}
	if total > 1 {
		return nil, fmt.Errorf("faults %q: rates add up to %.3f, more than 1", spec, total)
	}
	return f, nil
}

func joinFaults() string {
	s := make([]string, len(knownFaults))
	for i, f := range knownFaults {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// String gives the spec back in canonical form.
func (f *Faults) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, len(f.rates))
	for i, r := range f.rates {
		parts[i] = string(r.fault) + "=" + strconv.FormatFloat(r.rate, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// draw picks the fault for one request, or "" for none.
func (f *Faults) draw() Fault {
	if f == nil || len(f.rates) == 0 {
		return ""
	}
	f.mu.Lock()
	x := f.rng.Float64()
	f.mu.Unlock()
	for _, r := range f.rates {
		if x < r.rate {
			return r.fault
		}
		x -= r.rate
	}
	return ""
}

// ErrorWriter writes an error response in an emulated API's own dialect.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int)

// Middleware injects faults in front of next. writeError gives status faults the API's error body.
// skip, when not nil, exempts requests (e.g. the emulator's own /_emulator endpoints).
func (f *Faults) Middleware(next http.Handler, writeError ErrorWriter, skip func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if skip != nil && skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		fault := f.draw()
		if fault != "" {
			markFault(r, fault)
		}
		switch fault {
		case "":
			next.ServeHTTP(w, r)
		case Fault429, Fault500, Fault502, Fault503, Fault504:
			status, _ := strconv.Atoi(string(fault))
			writeError(w, r, status)
		case FaultReset:
			dropConnection(w)
		case FaultTimeout:
			// Go's server notices a client that gave up only once the request body was read.
			io.Copy(io.Discard, r.Body)
			hold := f.Hold
			if hold <= 0 {
				hold = 2 * time.Minute
			}
			t := time.NewTimer(hold)
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			t.Stop()
			dropConnection(w)
		case FaultTruncate:
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			if rec.body.Len() < 2 {
				dropConnection(w)
				return
			}
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
			w.WriteHeader(rec.status)
			w.Write(rec.body.Bytes()[:rec.body.Len()/2])
			http.NewResponseController(w).Flush()
			dropConnection(w)
		}
	})
}

// dropConnection closes the client's connection without (the rest of) a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a test recorder cannot be hijacked: abort the handler, which resets the stream.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// recorder buffers a handler's whole response.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}
func (r *recorder) Write(b []byte) (int, error) { r.wrote = true; return r.body.Write(b) }
