package shop_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// emulated is a store served on loopback.
type emulated struct {
	emu *bcemu.Server
	srv *httptest.Server
}

func newEmulated(t *testing.T, cfg bcemu.Config) *emulated {
	t.Helper()
	emu, err := bcemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &emulated{emu: emu, srv: httptest.NewServer(emu.Handler())}
	t.Cleanup(func() { e.srv.Close(); emu.Close() })
	return e
}

func (e *emulated) input() shop.Input {
	return shop.Input{BigCommerce: store.BigCommerceCredentials{APIPath: e.emu.APIPath(e.srv.URL), ClientID: e.emu.ClientID(), AccessToken: e.emu.AccessToken()}}
}

func TestAddChecksTheCredentialsAndReusesAKnownStore(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	e := newEmulated(t, bcemu.Config{})
	shops := shop.New(s, shop.Options{})
	ctx := context.Background()

	bad := e.input()
	bad.BigCommerce.AccessToken = "wrong"
	var cerr *shop.CredentialError
	if _, _, err := shops.Add(ctx, bad); !errors.As(err, &cerr) || !errors.Is(err, bigcommerce.ErrUnauthorized) {
		t.Fatalf("a wrong token: %v", err)
	}
	if all, err := s.Shops(ctx); err != nil || len(all) != 0 {
		t.Fatalf("a refused store was saved: %v %v", all, err)
	}

	first, created, err := shops.Add(ctx, e.input())
	if err != nil || !created || first.StoreName == "" || first.StoreHash != e.emu.StoreHash() || first.WebhookSecret == "" {
		t.Fatalf("add: %+v %v %v", first, created, err)
	}
	in := e.input()
	in.Name, in.QuotaShare = "Renamed", 0.3
	again, created, err := shops.Add(ctx, in)
	if err != nil || created || again.ID != first.ID || again.Name != "Renamed" || shops.Share(again) != 0.3 {
		t.Fatalf("the same store again: %+v %v %v", again, created, err)
	}
	if in.QuotaShare = 1.5; true {
		if _, _, err := shops.Add(ctx, in); err == nil {
			t.Fatal("a quota share over 1 was accepted")
		}
	}
}

// read reads every customer with a client of the store's and fails the test on an error.
func read(t *testing.T, c *bigcommerce.Client, wg *sync.WaitGroup) {
	defer wg.Done()
	for _, err := range c.Customers(context.Background(), bigcommerce.CustomerQuery{}) {
		if err != nil {
			t.Error(err)
			return
		}
	}
}

func client(t *testing.T, shops *shop.Service, sh *store.Shop) *bigcommerce.Client {
	t.Helper()
	c, err := shops.Client(sh, 1)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func smallPages(c *bigcommerce.Config) { c.PageSize = 10 }

// The syncs of one store in one process (a marketing sync and a warehouse sync, say) reading at once
// together stay inside the store's share of each rate-limit window.
func TestTheSyncsOfAStoreShareItsQuotaInOneProcess(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			s := storetest.Open(t, engine)
			e := newEmulated(t, bcemu.Config{Customers: 150, RateLimit: bcemu.RateLimit{Quota: 10, Window: 400 * time.Millisecond}})
			shops := shop.New(s, shop.Options{QuotaShare: 0.5, BigCommerce: smallPages})
			sh, _, err := shops.Add(context.Background(), e.input())
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go read(t, client(t, shops, sh), &wg)
			go read(t, client(t, shops, sh), &wg)
			wg.Wait()
			if th := e.emu.Stats().Throttled; th != 0 {
				t.Fatalf("%d requests were throttled", th)
			}
			if most := e.emu.BusiestWindow(); most > 5 {
				t.Fatalf("the store counted %d requests in one window; the share is 5 of 10", most)
			}
		})
	}
}

// Processes that run syncs of the same store (bcsync worker on PostgreSQL) share the store's share
// through the state database: together they stay inside it.
func TestProcessesShareAStoresQuotaThroughPostgres(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	e := newEmulated(t, bcemu.Config{Customers: 150, RateLimit: bcemu.RateLimit{Quota: 10, Window: 400 * time.Millisecond}})
	var clients []*bigcommerce.Client
	var sh *store.Shop
	for i := range 2 {
		s, err := store.Open(context.Background(), url, storetest.Box(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if err := s.Migrate(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
		shops := shop.New(s, shop.Options{QuotaShare: 0.5, BigCommerce: smallPages}) // a process of its own
		if sh == nil {
			if sh, _, err = shops.Add(context.Background(), e.input()); err != nil {
				t.Fatal(err)
			}
		}
		clients = append(clients, client(t, shops, sh))
	}
	var wg sync.WaitGroup
	wg.Add(2)
	for _, c := range clients {
		go read(t, c, &wg)
	}
	wg.Wait()
	if most := e.emu.BusiestWindow(); most > 5 {
		t.Fatalf("the store counted %d requests in one window; the share is 5 of 10", most)
	}
}

// Without a shared pacer, two clients of one store would each take the whole share: what the tests
// above measure is real.
func TestTwoClientsPacedAloneWouldExceedTheShare(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	e := newEmulated(t, bcemu.Config{Customers: 150, RateLimit: bcemu.RateLimit{Quota: 10, Window: 400 * time.Millisecond}})
	no := false
	shops := shop.New(s, shop.Options{QuotaShare: 0.5, BigCommerce: smallPages, Shared: &no})
	sh, _, err := shops.Add(context.Background(), e.input())
	if err != nil {
		t.Fatal(err)
	}
	alone := *sh
	alone.ID = 0 // not saved: a client with a pacer of its own
	var wg sync.WaitGroup
	wg.Add(2)
	go read(t, client(t, shops, &alone), &wg)
	go read(t, client(t, shops, &alone), &wg)
	wg.Wait()
	if most := e.emu.BusiestWindow(); most <= 5 {
		t.Fatalf("two clients paced alone stayed within the share (%d): the measurement cannot tell", most)
	}
}
