package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// A store with its Dotdigital link and a warehouse sync: removing the link leaves the store and its
// other sync; removing the store removes everything under it.
func TestRemovingAStoreRemovesEverySyncOfItAndTheirState(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		wh := &store.Sync{Kind: store.KindWarehouse, StoreID: c.StoreID, Name: "Loyalty tiers", Enabled: true, Cron: "0 3 * * *"}
		if err := s.CreateSync(ctx, wh); err != nil {
			t.Fatal(err)
		}
		syncs, err := s.Syncs(ctx, c.StoreID)
		if err != nil || len(syncs) != 2 || syncs[0].Kind != store.KindMarketing || syncs[1].Cron != "0 3 * * *" {
			t.Fatalf("syncs of the store = %+v, %v", syncs, err)
		}
		for _, id := range []int64{c.ID, wh.ID} {
			run, err := s.StartRun(ctx, id, "manual", []string{"part"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddRejected(ctx, []store.Rejected{{SyncID: id, RunID: run.ID, Stream: "part", Key: "1", Reason: "Refused"}}); err != nil {
				t.Fatal(err)
			}
			if err := s.AddAPICalls(ctx, []store.APICall{{SyncID: id, RunID: run.ID, API: "bigcommerce", Method: "GET", URL: "http://x/", Status: 200, StartedAt: time.Now()}}, 100); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.FirstDelivery(ctx, c.StoreID, "h1", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GrantRequest(ctx, c.StoreID, 5, time.Second); err != nil {
			t.Fatal(err)
		}

		if err := s.DeleteSync(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Shop(ctx, c.StoreID); err != nil {
			t.Fatalf("removing the Dotdigital link removed the store: %v", err)
		}
		if y, err := s.Sync(ctx, wh.ID); err != nil || y.Name != "Loyalty tiers" {
			t.Fatalf("removing the Dotdigital link removed the warehouse sync: %v", err)
		}
		if runs, err := s.Runs(ctx, wh.ID, 10, 0); err != nil || len(runs) != 1 {
			t.Fatalf("the warehouse sync's runs: %v %v", runs, err)
		}

		if err := s.DeleteShop(ctx, c.StoreID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Shop(ctx, c.StoreID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		for _, table := range []string{"syncs", "dotdigital_links", "runs", "run_streams", "rejected_records", "api_calls", "webhook_deliveries", "quota_grants"} {
			var n int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s still has %d rows", table, n)
			}
		}
	})
}

func TestAStoreHasAtMostOneDotdigitalLink(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		c := newConnection(t, s)
		again := &store.Connection{Name: "Again", StoreID: c.StoreID, Dotdigital: store.DotdigitalCredentials{Username: "u", Password: "p"}}
		if err := s.CreateConnection(context.Background(), again); !errors.Is(err, store.ErrExists) {
			t.Fatalf("a second link: %v", err)
		}
		got, err := s.ConnectionOfStore(context.Background(), c.StoreID)
		if err != nil || got.ID != c.ID {
			t.Fatalf("the store's link: %+v %v", got, err)
		}
	})
}

func TestStoresAreFoundByAPIPathAndUpdated(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		sh, err := s.ShopByAPIPath(ctx, c.BigCommerce.APIPath, "")
		if err != nil || sh.ID != c.StoreID || sh.BigCommerce.AccessToken != "tok-secret-1" || sh.WebhookSecret != "hook-secret-3" {
			t.Fatalf("by API path: %+v %v", sh, err)
		}
		if _, err := s.ShopByAPIPath(ctx, c.BigCommerce.APIPath, "http://127.0.0.1:1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another base URL is another store: %v", err)
		}
		sh.BigCommerce.AccessToken, sh.QuotaShare, sh.Name = "tok-secret-new", 0.25, "Renamed"
		if err := s.UpdateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
		got, err := s.Connection(ctx, c.ID)
		if err != nil || got.BigCommerce.AccessToken != "tok-secret-new" || got.QuotaShare != 0.25 {
			t.Fatalf("the connection sees its store's new credentials: %+v %v", got, err)
		}
		if err := s.SetWebhooksURL(ctx, c.StoreID, "https://bcsync.example.com/webhooks/bigcommerce/1"); err != nil {
			t.Fatal(err)
		}
		if all, err := s.Shops(ctx); err != nil || len(all) != 1 || all[0].WebhooksURL == "" {
			t.Fatalf("stores: %+v %v", all, err)
		}
	})
}

// Grants count the requests of every process to a store in a window: within the budget they go at
// once, beyond it they wait for the oldest to leave the window. A process that does not know the
// store's quota yet uses what another learned.
func TestQuotaGrantsKeepEveryProcessInsideTheBudget(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		window := 2 * time.Second
		for i := range 3 {
			wait, err := s.GrantRequest(ctx, c.StoreID, 3, window)
			if err != nil || wait != 0 {
				t.Fatalf("grant %d: wait %v, %v", i, wait, err)
			}
		}
		wait, err := s.GrantRequest(ctx, c.StoreID, 3, window)
		if err != nil || wait <= 0 || wait > window+time.Millisecond {
			t.Fatalf("a fourth request in the window: wait %v, %v", wait, err)
		}
		if wait, err := s.GrantRequest(ctx, c.StoreID, 0, 0); err != nil || wait <= 0 {
			t.Fatalf("a process that does not know the quota yet was let through: wait %v, %v", wait, err)
		}
		if err := s.RecordRequest(ctx, c.StoreID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM quota_grants WHERE store_id = $1`, c.StoreID).Scan(&n); err != nil || n != 4 {
			t.Fatalf("grants recorded = %d, %v", n, err)
		}
	})
}
