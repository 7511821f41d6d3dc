// Package warehouse is the second half of bcsync: rows of a SQL model, read from a warehouse, written
// into a BigCommerce store's customers and orders. A run plans first — it reads the whole model,
// compares each row's mapped values with what was last sent for its primary key (a fingerprint in the
// state store: no write access to the warehouse is needed), and counts adds, changes, removes and
// invalid rows — then, unless the guard stops it for approval, sends only what changed. Rows the store
// refuses are kept with the error and retried on every later run until they succeed.
//
// Only this package (and its source subpackage) runs a user's model SQL.
package warehouse

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Options tune the engine; the zero value is production-ready.
type Options struct {
	Logger *slog.Logger
	// SourceHTTP fetches CSV sources over HTTPS (tests trust their own certificates through it).
	SourceHTTP *http.Client
	// AllowInsecureCSV accepts http:// CSV sources (tests).
	AllowInsecureCSV bool
	// QueryTimeout bounds one read of a model (default 1 h: a large model read twice per run).
	QueryTimeout time.Duration
	// Samples is how many rows of each kind a plan shows (default 10).
	Samples int
	Now     func() time.Time
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = time.Hour
	}
	if o.Samples <= 0 {
		o.Samples = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Engine manages sources, models and warehouse syncs, plans and runs them. It is the jobs.Runner of
// warehouse syncs.
type Engine struct {
	store *store.Store
	shops *shop.Service
	runs  *ledger.Ledger
	opts  Options

	mu      sync.Mutex
	running map[int64]context.CancelFunc
}

// New returns an engine over the state store, the stores (their paced clients) and the run ledger.
func New(s *store.Store, shops *shop.Service, runs *ledger.Ledger, opts Options) *Engine {
	opts.defaults()
	return &Engine{store: s, shops: shops, runs: runs, opts: opts, running: map[int64]context.CancelFunc{}}
}

func (e *Engine) sourceOptions() source.Options {
	return source.Options{HTTPClient: e.opts.SourceHTTP, AllowInsecureHTTP: e.opts.AllowInsecureCSV}
}

// Stop cancels the sync's run if it goes on in this process (a removed sync stops at once).
func (e *Engine) Stop(syncID int64) {
	e.mu.Lock()
	cancel := e.running[syncID]
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// client builds a client of a store, paced with everything else that talks to it.
func (e *Engine) client(ctx context.Context, storeID int64) (*bigcommerce.Client, error) {
	sh, err := e.store.Shop(ctx, storeID)
	if err != nil {
		return nil, err
	}
	return e.shops.Client(sh, 1)
}
