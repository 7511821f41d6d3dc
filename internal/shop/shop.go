// Package shop is bcsync's BigCommerce stores: adding one (its credentials checked against the store
// first), changing and removing it, and the API clients of its syncs. Every client of a store in this
// process shares one pacer, so the store's marketing sync and its warehouse syncs together stay inside
// the store's share of its API quota; on PostgreSQL, processes share it through the state database.
package shop

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/endpoint"
	"github.com/bcsync/bcsync/internal/store"
)

// Options tune the service; the zero value is production-ready.
type Options struct {
	Logger *slog.Logger
	// Observer sees every API call (the debugger, metrics).
	Observer apicall.Observer
	// HTTPClient carries every request (its Transport is wrapped by the client).
	HTTPClient *http.Client
	// QuotaShare is the share of a store's quota bcsync may use unless the store says otherwise
	// (default 0.5: other apps share it).
	QuotaShare float64
	// Shared makes the processes that talk to a store share its quota share through the state
	// database. Default: on with PostgreSQL, where several processes run syncs.
	Shared *bool
	// BigCommerce adjusts each client's configuration (tests, benchmarks).
	BigCommerce func(*bigcommerce.Config)
	// AllowInsecureEndpoints lets a store use a plain-HTTP API path or base URL outside loopback (see
	// internal/endpoint).
	AllowInsecureEndpoints bool
}

// Service manages stores and builds their API clients.
type Service struct {
	store *store.Store
	opts  Options

	mu     sync.Mutex
	pacers map[int64]*pacer
}

type pacer struct {
	share float64
	p     *bigcommerce.Pacer
}

// New returns the stores of a state database.
func New(s *store.Store, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.QuotaShare <= 0 || opts.QuotaShare > 1 {
		opts.QuotaShare = 0.5
	}
	if opts.Shared == nil {
		shared := s.Engine() == store.Postgres
		opts.Shared = &shared
	}
	return &Service{store: s, opts: opts, pacers: map[int64]*pacer{}}
}

// CredentialError says BigCommerce refused a store's credentials (or could not be reached to check
// them), in words a user can act on.
type CredentialError struct{ Err error }

func (e *CredentialError) Error() string { return "BigCommerce: " + e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// Share is the share of its quota bcsync may use of a store.
func (s *Service) Share(sh *store.Shop) float64 {
	if sh.QuotaShare > 0 && sh.QuotaShare <= 1 {
		return sh.QuotaShare
	}
	return s.opts.QuotaShare
}

// Client builds a client of a store, paced with every other client of the store in this process.
// prefetch is how many pages a read may have in flight; secrets are further values to keep out of the
// debugger.
func (s *Service) Client(sh *store.Shop, prefetch int, secrets ...string) (*bigcommerce.Client, error) {
	var p *bigcommerce.Pacer
	if sh.ID != 0 {
		p = s.pacer(sh)
	}
	return s.client(sh, prefetch, p, secrets...)
}

// client builds a client paced by p (nil: a pacer of its own, for a store not saved).
func (s *Service) client(sh *store.Shop, prefetch int, p *bigcommerce.Pacer, secrets ...string) (*bigcommerce.Client, error) {
	cfg := bigcommerce.Config{
		Credentials: bigcommerce.Credentials{APIPath: sh.BigCommerce.APIPath, ClientID: sh.BigCommerce.ClientID, AccessToken: sh.BigCommerce.AccessToken},
		BaseURL:     sh.BigCommerce.BaseURL, HTTPClient: s.opts.HTTPClient, Observer: s.opts.Observer, Logger: s.opts.Logger,
		Prefetch: prefetch, Secrets: append([]string{sh.WebhookSecret}, secrets...), Pacer: p, QuotaShare: s.Share(sh),
	}
	if s.opts.BigCommerce != nil {
		s.opts.BigCommerce(&cfg)
	}
	return bigcommerce.New(cfg)
}

// pacer returns the store's pacer in this process, made anew when its share changed.
func (s *Service) pacer(sh *store.Shop) *bigcommerce.Pacer {
	share := s.Share(sh)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pacers[sh.ID]; p != nil && p.share == share {
		return p.p
	}
	var coord bigcommerce.Coordinator
	if *s.opts.Shared {
		coord = grants{s.store, sh.ID}
	}
	p := &pacer{share: share, p: bigcommerce.NewPacer(share, coord)}
	s.pacers[sh.ID] = p
	return p.p
}

// adopt makes p, which paced the check of a store just saved, the store's pacer in this process.
func (s *Service) adopt(sh *store.Shop, p *bigcommerce.Pacer) {
	if *s.opts.Shared {
		p.Coordinate(grants{s.store, sh.ID})
	}
	s.mu.Lock()
	s.pacers[sh.ID] = &pacer{share: s.Share(sh), p: p}
	s.mu.Unlock()
}

// grants shares a store's quota share among processes through the state database.
type grants struct {
	st      *store.Store
	storeID int64
}

func (g grants) Grant(ctx context.Context, budget int, window time.Duration) (time.Duration, error) {
	return g.st.GrantRequest(ctx, g.storeID, budget, window)
}

// Input is what a user gives to add a store.
type Input struct {
	Name        string
	BigCommerce store.BigCommerceCredentials
	// QuotaShare is the share of the store's quota bcsync may use; 0: the default.
	QuotaShare float64
}

// Add checks a store's credentials against the store (GET /v2/store) and saves it, or, when bcsync
// knows the store already (the same API path), updates its credentials and details and returns it.
// created says which.
func (s *Service) Add(ctx context.Context, in Input) (sh *store.Shop, created bool, err error) {
	in.BigCommerce.APIPath = strings.TrimSpace(in.BigCommerce.APIPath)
	if in.BigCommerce.APIPath == "" || strings.TrimSpace(in.BigCommerce.AccessToken) == "" {
		return nil, false, &CredentialError{errors.New("the API path and the access token are required")}
	}
	if in.QuotaShare < 0 || in.QuotaShare > 1 {
		return nil, false, fmt.Errorf("the quota share must be between 0 and 1, not %g", in.QuotaShare)
	}
	hash, err := bigcommerce.ParseAPIPath(in.BigCommerce.APIPath)
	if err != nil {
		return nil, false, &CredentialError{err}
	}
	// The base URL, when given, replaces the API path's scheme and host: it is where requests go.
	origin := cmp.Or(strings.TrimSpace(in.BigCommerce.BaseURL), in.BigCommerce.APIPath)
	if err := endpoint.Check(origin, s.opts.AllowInsecureEndpoints); err != nil {
		return nil, false, &CredentialError{err}
	}
	existing, err := s.store.ShopByAPIPath(ctx, in.BigCommerce.APIPath, in.BigCommerce.BaseURL)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	// The check is paced with the store's other requests: a known store's pacer, or a new one that
	// becomes the new store's.
	probe := &store.Shop{StoreHash: hash, BigCommerce: in.BigCommerce, QuotaShare: in.QuotaShare}
	if existing != nil {
		probe.ID = existing.ID
		if in.QuotaShare == 0 {
			probe.QuotaShare = existing.QuotaShare
		}
	}
	pacer := bigcommerce.NewPacer(s.Share(probe), nil)
	bc, err := s.client(probe, 1, pacer)
	if existing != nil {
		bc, err = s.Client(probe, 1)
	}
	if err != nil {
		return nil, false, &CredentialError{err}
	}
	info, err := bc.Store(ctx)
	if err != nil {
		return nil, false, &CredentialError{endpoint.Opaque(err, origin, endpoint.BigCommerceHosts...)}
	}
	storeURL := info.SecureURL
	if storeURL == "" {
		storeURL = "https://" + info.Domain
	}
	name := strings.TrimSpace(in.Name)
	switch {
	case existing != nil:
		existing.BigCommerce = in.BigCommerce
		existing.StoreName, existing.StoreURL = info.Name, storeURL
		if name != "" {
			existing.Name = name
		}
		if in.QuotaShare > 0 {
			existing.QuotaShare = in.QuotaShare
		}
		if err := s.store.UpdateShop(ctx, existing); err != nil {
			return nil, false, err
		}
		if existing.Status != store.StatusOK {
			// The credentials just worked: whatever was refused before is fixed.
			if err := s.store.SetShopStatus(ctx, existing.ID, store.StatusOK, ""); err != nil {
				return nil, false, err
			}
			existing.Status, existing.StatusMessage = store.StatusOK, ""
		}
		return existing, false, nil
	}
	if name == "" {
		name = info.Name
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	sh = &store.Shop{Name: name, StoreHash: hash, StoreName: info.Name, StoreURL: storeURL, BigCommerce: in.BigCommerce,
		WebhookSecret: hex.EncodeToString(secret), QuotaShare: in.QuotaShare}
	if err := s.store.CreateShop(ctx, sh); err != nil {
		return nil, false, err
	}
	s.adopt(sh, pacer)
	if *s.opts.Shared {
		if err := s.store.RecordRequest(ctx, sh.ID); err != nil {
			return nil, false, err
		}
	}
	s.opts.Logger.Info("store added", slog.Int64("store_id", sh.ID), slog.String("store", sh.StoreName))
	return sh, true, nil
}

// Forget drops what this process keeps of a removed store.
func (s *Service) Forget(storeID int64) {
	s.mu.Lock()
	delete(s.pacers, storeID)
	s.mu.Unlock()
}
