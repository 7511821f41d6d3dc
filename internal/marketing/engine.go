// Package marketing is the sync between a BigCommerce store and a Dotdigital account: subscribers and
// customers into lists with mapped data fields, orders and the catalogue into Insight data, programme
// enrolments, and unsubscribes written back to the store. Each stream reads incrementally, sends only
// what changed, and moves its cursor only after Dotdigital accepted what came before it.
package marketing

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// Options tune the engine; the zero value is production-ready.
type Options struct {
	Logger *slog.Logger
	// Observer sees every API call; calls made during a run carry an apicall.Scope in their context.
	Observer apicall.Observer
	// HTTPClient carries every Dotdigital request (its Transport is wrapped by the client).
	HTTPClient *http.Client
	// PublicURL is where the store can reach bcsync (https://…): with it, each connection registers the
	// store's webhooks, so changes arrive in seconds and abandoned carts at all. Empty: polling only.
	PublicURL string
	// Overlap re-reads this much before each cursor, so records that became visible late are not missed.
	Overlap time.Duration
	// ReconcileEvery is how often products are checked against the store for deletions (default 24 h).
	ReconcileEvery time.Duration
	// RetryWaitingEvery is how often orders waiting for a contact are tried again, in case the contact
	// was made in Dotdigital by something else (default 24 h).
	RetryWaitingEvery time.Duration
	// ContactImportMaxBytes and InsightImportMaxBytes bound one import body (default: the API's limit).
	ContactImportMaxBytes int64
	InsightImportMaxBytes int64
	// ImportPoll shapes how imports are polled (default: the client's).
	ImportPoll dotdigital.PollPolicy
	// Dotdigital adjusts each connection's client configuration (tests, benchmarks); BigCommerce clients
	// are the stores' (see shop.Options).
	Dotdigital func(*dotdigital.Config)
	Now        func() time.Time
	// ChangeWindow is how long changes announced by webhook coalesce before they are read (default 1 s).
	ChangeWindow time.Duration
	// AllowInsecureEndpoints lets a connection use a plain-HTTP Dotdigital endpoint outside loopback
	// (see internal/endpoint).
	AllowInsecureEndpoints bool
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Overlap <= 0 {
		o.Overlap = 5 * time.Minute
	}
	if o.ReconcileEvery <= 0 {
		o.ReconcileEvery = 24 * time.Hour
	}
	if o.RetryWaitingEvery <= 0 {
		o.RetryWaitingEvery = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ChangeWindow <= 0 {
		o.ChangeWindow = time.Second
	}
}

// Engine syncs connections: it is the jobs.Runner of marketing syncs.
type Engine struct {
	store *store.Store
	shops *shop.Service
	runs  *ledger.Ledger
	opts  Options

	mu       sync.Mutex
	running  map[int64]context.CancelFunc
	accounts accountCache
	dd       ddAccounts
}

// New returns an engine over a state store, its stores (the BigCommerce clients) and the run ledger.
func New(s *store.Store, shops *shop.Service, runs *ledger.Ledger, opts Options) *Engine {
	opts.defaults()
	return &Engine{store: s, shops: shops, runs: runs, opts: opts, running: map[int64]context.CancelFunc{},
		accounts: accountCache{entries: map[int64]*Account{}}, dd: ddAccounts{entries: map[int64]*ddAccount{}}}
}

// Stop cancels the connection's sync if it runs in this process (a removed connection stops at once)
// and forgets its Dotdigital client.
func (e *Engine) Stop(connectionID int64) {
	e.mu.Lock()
	cancel := e.running[connectionID]
	e.mu.Unlock()
	e.dd.mu.Lock()
	delete(e.dd.entries, connectionID)
	e.dd.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Clients builds the API clients of a connection.
func (e *Engine) Clients(c *store.Connection) (*bigcommerce.Client, *dotdigital.Client, error) {
	return e.clients(c, 1)
}

func (e *Engine) clients(c *store.Connection, prefetch int) (*bigcommerce.Client, *dotdigital.Client, error) {
	bc, err := e.shops.Client(shopOf(c), prefetch)
	if err != nil {
		return nil, nil, err
	}
	a, err := e.account(c)
	if err != nil {
		return nil, nil, err
	}
	return bc, a.client, nil
}

// dotdigital builds a client of an account.
func (e *Engine) dotdigital(creds store.DotdigitalCredentials) (*dotdigital.Client, error) {
	cfg := dotdigital.Config{
		Credentials: dotdigital.Credentials{Username: creds.Username, Password: creds.Password},
		Endpoint:    creds.Endpoint, HTTPClient: e.opts.HTTPClient, Observer: e.opts.Observer, Logger: e.opts.Logger, Poll: e.opts.ImportPoll,
	}
	if e.opts.Dotdigital != nil {
		e.opts.Dotdigital(&cfg)
	}
	return dotdigital.New(cfg)
}

// shopOf is the store a connection syncs.
func shopOf(c *store.Connection) *store.Shop {
	return &store.Shop{ID: c.StoreID, Name: c.Name, StoreHash: c.StoreHash, StoreName: c.StoreName, StoreURL: c.StoreURL,
		BigCommerce: c.BigCommerce, WebhookSecret: c.WebhookSecret, WebhooksURL: c.WebhooksURL, QuotaShare: c.QuotaShare}
}

// errYield ends a stream early: the run's time slice is used up.
var errYield = errors.New("time slice used up")

// PermanentError stops syncing a connection until the user acts (credentials revoked or wrong).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string   { return e.Err.Error() }
func (e *PermanentError) Unwrap() error   { return e.Err }
func (e *PermanentError) Permanent() bool { return true }

// credentialsRefused tells errors only the user can fix.
func credentialsRefused(err error) bool {
	return errors.Is(err, bigcommerce.ErrUnauthorized) || errors.Is(err, bigcommerce.ErrStoreNotFound) ||
		errors.Is(err, dotdigital.ErrUnauthorized) || errors.Is(err, dotdigital.ErrWrongRegion)
}

// Run runs or continues one sync of a connection for about budget (0: no limit). See jobs.Runner.
func (e *Engine) Run(ctx context.Context, connectionID int64, trigger string, budget time.Duration) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	e.running[connectionID] = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, connectionID)
		e.mu.Unlock()
	}()

	conn, err := e.store.Connection(ctx, connectionID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return false, &PermanentError{err}
		}
		return false, err
	}
	if !conn.Settings.DataSync {
		// Turned off after this sync was queued: nothing runs until it is turned on again.
		if run, err := e.store.RunningRun(ctx, conn.ID); err != nil || run == nil {
			return true, err
		}
	}
	changes, err := e.plan(ctx, conn, trigger)
	if err != nil {
		return false, err
	}
	if changes != nil {
		// Empty: nothing waits and the poll is not due (a run of changes left running ends).
		return e.runChanges(ctx, conn, changes, budget)
	}
	rc, err := e.startRun(ctx, conn, trigger, budget)
	if err != nil {
		return false, err
	}
	return rc.execute(ctx)
}
