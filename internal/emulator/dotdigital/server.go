// Package dotdigital emulates the parts of a Dotdigital account's API that bcsync uses: account info and
// region discovery, address books, contact data fields, v3 contacts and their bulk import, v3 Insight
// data, programs and enrolments, and the v2 unsubscribe and suppression calls. It keeps the account in
// memory and answers with the official paths, bodies, status codes and error bodies, imports finish
// asynchronously, and the documented limits are enforced. It is a test double and the engine of the
// demo; production code never depends on it. docs/dotdigital.md lists its behaviours and deviations.
package dotdigital

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/emulator"
)

// Defaults of the documented limits.
const (
	DefaultMaxBodyBytes      = 50 << 20 // 50 MB per request (read as MiB)
	DefaultMaxContactImports = 25
	DefaultMaxInsightImports = 5
	DefaultMaxCollections    = 1000
	// DefaultEnrolmentAllowance is enrolment calls per rolling hour, as Dotdigital documented it
	// (ERROR_ENROLMENT_ALLOWANCE_EXCEEDED, see docs/dotdigital.md): clients must queue beyond it.
	DefaultEnrolmentAllowance = 20
)

// Config describes the emulated account and how the emulator misbehaves.
type Config struct {
	Username string // API user; empty means "apiuser-demo@apiconnector.com"
	Password string // empty means "demo-password"

	Seed uint64    // seed of the generated data and of fault draws
	Data DataSizes // pre-existing data to generate; the zero value is an empty account

	ImportDelay time.Duration // an import (or enrolment) reaches its final status this long after it was accepted
	// ImportFailures is the share of imports (0 to 1) that end failed, applying nothing: contact imports
	// as RejectedByWatchdog, Insight imports as Failed. Draws follow Seed.
	ImportFailures float64
	Latency        time.Duration // added to every request
	Faults         string        // e.g. "429=0.02,500=0.05,timeout=0.01,truncate=0.01" (see emulator.ParseFaults)
	// TimeoutHold bounds how long a "timeout" fault holds a request (default: the harness's 2 minutes). Go's
	// server only notices a client that gave up once the request body is read, which a held request's is
	// not, so tests that inject timeouts set this short.
	TimeoutHold time.Duration
	RateLimit   string // per-tier budgets, see ParseRateLimit; "" is DefaultRateLimit, "off" disables

	// Region is where the account lives: "r1" (default), "r2" or "r3". For r1 the account's API endpoint is
	// the one serving Handler; otherwise Handler answers only /v2/account-info and every other call gets
	// 403, and the account is served by RegionHandler at the endpoint given to SetRegionEndpoint.
	Region string

	MaxBodyBytes       int64 // default DefaultMaxBodyBytes
	MaxContactImports  int   // active contact imports; default 25
	MaxInsightImports  int   // active Insight imports; default 5
	MaxCollections     int   // Insight collections per account; default 1000
	EnrolmentAllowance int   // program enrolment calls per rolling hour; default DefaultEnrolmentAllowance
	// Now is the clock of the enrolment allowance and of enrolments' dateCreated (tests that cross an
	// hour without waiting one); default the wall clock. Processing delays keep the wall clock.
	Now func() time.Time

	// OnImportDone, when set, is told of every import as it reaches its final status (benchmarks measure
	// when a change became visible through it). It is called outside the account's lock.
	OnImportDone func(ImportDone)

	Logger *slog.Logger
}

// ImportDone is an import that reached its final status: its kind ("contacts" or "insight"), its
// collection (Insight), the keys of its records (contacts: lower-case emails) and when it finished.
type ImportDone struct {
	ID         string
	Kind       string
	Collection string
	Keys       []string
	Failed     bool
	At         time.Time
}

// Server is one emulated Dotdigital account.
type Server struct {
	cfg      Config
	credMu   sync.RWMutex // guards cfg.Password, which SetPassword changes
	log      *slog.Logger
	st       *state
	stats    *emulator.Stats
	limits   *RateLimits
	faults   *emulator.Faults
	mux      *http.ServeMux
	inspect  *http.ServeMux
	tiers    map[string]tier
	r1       http.Handler
	regional http.Handler

	mu             sync.Mutex
	regionEndpoint string

	jobs   sync.WaitGroup // import and enrolment processing
	closed chan struct{}
	once   sync.Once
}

// New builds an account from cfg, with its generated data.
func New(cfg Config) (*Server, error) {
	if cfg.Username == "" {
		cfg.Username = DefaultUsername
	}
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	if cfg.Region == "" {
		cfg.Region = "r1"
	}
	switch cfg.Region {
	case "r1", "r2", "r3":
	default:
		return nil, fmt.Errorf("dotdigital emulator: region %q: want r1, r2 or r3", cfg.Region)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxContactImports <= 0 {
		cfg.MaxContactImports = DefaultMaxContactImports
	}
	if cfg.MaxInsightImports <= 0 {
		cfg.MaxInsightImports = DefaultMaxInsightImports
	}
	if cfg.MaxCollections <= 0 {
		cfg.MaxCollections = DefaultMaxCollections
	}
	if cfg.EnrolmentAllowance <= 0 {
		cfg.EnrolmentAllowance = DefaultEnrolmentAllowance
	}
	if cfg.ImportFailures < 0 || cfg.ImportFailures > 1 {
		return nil, fmt.Errorf("dotdigital emulator: import failures %v: want a share from 0 to 1", cfg.ImportFailures)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	limits, err := ParseRateLimit(cfg.RateLimit)
	if err != nil {
		return nil, fmt.Errorf("dotdigital emulator: %w", err)
	}
	faults, err := emulator.ParseFaults(cfg.Faults, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("dotdigital emulator: %w", err)
	}
	if cfg.TimeoutHold > 0 {
		faults.Hold = cfg.TimeoutHold
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		st:      newState(),
		stats:   emulator.NewStats(),
		limits:  limits,
		faults:  faults,
		mux:     http.NewServeMux(),
		inspect: http.NewServeMux(),
		tiers:   map[string]tier{},
		closed:  make(chan struct{}),
	}
	s.st.failRng = rand.New(rand.NewPCG(cfg.Seed, 0xfa11))
	s.st.accountID = accountID(cfg.Username)
	seed(s.st, cfg.Seed, cfg.Data, time.Now().UTC())
	s.routes()
	s.r1 = s.chain(false)
	if cfg.Region == "r1" {
		s.regional = s.r1
	} else {
		s.regional = s.chain(true)
	}
	return s, nil
}

// Default credentials of the emulated API user.
const (
	DefaultUsername = "apiuser-demo@apiconnector.com"
	DefaultPassword = "demo-password"
)

// accountID is the emulated account's id in account-info, derived from its API user so that accounts of
// different users differ (as real accounts do) and an account keeps its id across restarts. Emulators
// with the same user are still distinct accounts to a client: each is served at an API endpoint of its
// own, and an account is its id at its endpoint (Dotdigital's ids are only unique within a region).
func accountID(username string) int {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(username)))
	return 100000 + int(h.Sum32()%900000)
}

// Username and Password are the emulated API user's credentials.
func (s *Server) Username() string { return s.cfg.Username }
func (s *Server) Password() string {
	s.credMu.RLock()
	defer s.credMu.RUnlock()
	return s.cfg.Password
}

// SetPassword changes the API user's password, as a marketer who resets it does: the old one is
// refused (401) from now on.
func (s *Server) SetPassword(password string) {
	s.credMu.Lock()
	s.cfg.Password = password
	s.credMu.Unlock()
}

// Region is the account's region.
func (s *Server) Region() string { return s.cfg.Region }

// Handler serves the r1 endpoint, where every client starts with GET /v2/account-info.
func (s *Server) Handler() http.Handler { return s.r1 }

// RegionHandler serves the account's regional endpoint. For an r1 account it is Handler.
func (s *Server) RegionHandler() http.Handler { return s.regional }

// SetRegionEndpoint tells the r1 endpoint which base URL to give as the account's ApiEndpoint when the
// account is not in r1. For an r1 account the ApiEndpoint is the base URL the request arrived on.
func (s *Server) SetRegionEndpoint(url string) {
	s.mu.Lock()
	s.regionEndpoint = strings.TrimSuffix(url, "/")
	s.mu.Unlock()
}

// Stats are the request counters that /_emulator/stats reports.
func (s *Server) Stats() *emulator.Stats { return s.stats }

// Close stops the processing of imports that have not finished. It does not close listeners.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.closed) })
	s.jobs.Wait()
	return nil
}

// Endpoints are the base URLs a running emulator listens on.
type Endpoints struct {
	R1       string // where clients start (account-info)
	Regional string // the account's API endpoint (same as R1 for an r1 account)
}

// ListenAndServe serves the emulator on addr (and, for an account outside r1, its regional endpoint on
// regionAddr) until ctx is cancelled, then shuts down gracefully. ready is called once both listen.
func (s *Server) ListenAndServe(ctx context.Context, addr, regionAddr string, ready func(Endpoints)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dotdigital emulator: %w", err)
	}
	servers := []*http.Server{{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	listeners := []net.Listener{ln}
	ep := Endpoints{R1: "http://" + ln.Addr().String()}
	ep.Regional = ep.R1
	if s.cfg.Region != "r1" {
		rln, err := net.Listen("tcp", regionAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("dotdigital emulator: region endpoint: %w", err)
		}
		ep.Regional = "http://" + rln.Addr().String()
		s.SetRegionEndpoint(ep.Regional)
		servers = append(servers, &http.Server{Handler: s.RegionHandler(), ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, rln)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	if ready != nil {
		ready(ep)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		srv.Shutdown(shutdownCtx)
	}
	s.Close()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("dotdigital emulator: %w", serveErr)
	}
	return nil
}

// chain wraps the API mux in the emulator's behaviours, outermost first: the /_emulator endpoints (which
// bypass everything), request statistics, latency, injected faults, authentication, the region check,
// the body size limit and the rate limits.
func (s *Server) chain(regional bool) http.Handler {
	var h http.Handler = s.mux
	h = s.rateLimit(h)
	h = s.bodyLimit(h)
	h = s.regionCheck(h, regional)
	h = s.authenticate(h)
	h = s.faults.Middleware(h, s.writeFault, nil)
	h = emulator.Latency(s.cfg.Latency, h)
	h = s.stats.Middleware(h, s.mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_emulator/") {
			s.inspect.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(s.Password())) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="apiconnector.com"`)
			if isV3(r) {
				writeV3Error(w, http.StatusUnauthorized, "unauthorized", "Authorization has been denied for this request.")
				return
			}
			writeV2Error(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// regionCheck answers 403 on the r1 endpoint of an account that lives elsewhere, as Dotdigital does for
// a call made to another region's endpoint. Account info answers everywhere: it is how clients find
// their region.
func (s *Server) regionCheck(next http.Handler, regional bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Region != "r1" && !regional && r.URL.Path != "/v2/account-info" {
			writeV2Error(w, http.StatusForbidden, "Forbidden: Access is denied.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bodyLimit refuses bodies over MaxBodyBytes with 413 before reading them when their length is declared,
// and while reading them otherwise (handlers see a *http.MaxBytesError and call tooLarge).
func (s *Server) bodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.tooLarge(w, r)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// tooLarge answers a body over the 50 MB limit. Dotdigital documents the limit but not the answer; the
// emulator uses 413 Content Too Large in the API's own error dialect (see docs/dotdigital.md).
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	msg := fmt.Sprintf("The request body exceeds the maximum size of %d bytes.", s.cfg.MaxBodyBytes)
	switch {
	case strings.HasPrefix(r.URL.Path, "/contacts/"):
		writeV3Error(w, http.StatusRequestEntityTooLarge, "contacts:requestTooLarge", msg)
	case strings.HasPrefix(r.URL.Path, "/insightData/"):
		writeV3Error(w, http.StatusRequestEntityTooLarge, "insightData:requestTooLarge", msg)
	default:
		writeV2Error(w, http.StatusRequestEntityTooLarge, msg+" ERROR_REQUEST_TOO_LARGE")
	}
}

// writeFault gives an injected status fault the API's error body (and no rate-limit headers).
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, status int) {
	text := http.StatusText(status)
	if isV3(r) {
		writeV3Error(w, status, "serverError", text)
		return
	}
	writeV2Error(w, status, text)
}

func isV3(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/contacts/v3") || strings.HasPrefix(r.URL.Path, "/insightData/v3")
}

// done reports whether Close was called.
func (s *Server) done() <-chan struct{} { return s.closed }
