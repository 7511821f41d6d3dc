package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

// An account is its id at its regional endpoint, whichever API user reaches it; a link made before the
// id was kept (0) is known by its API user. A second store's link into a known account is refused.
func TestALinkIntoAnAccountThatSyncsAnotherStoreIsRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		shop := func(hash string) int64 {
			sh := &store.Shop{Name: hash, StoreHash: hash, WebhookSecret: "h",
				BigCommerce: store.BigCommerceCredentials{APIPath: "https://api.bigcommerce.com/stores/" + hash + "/", AccessToken: "t"}}
			if err := s.CreateShop(ctx, sh); err != nil {
				t.Fatal(err)
			}
			return sh.ID
		}
		link := func(storeID int64, dd store.DotdigitalCredentials) error {
			dd.Password = "pw"
			return s.CreateConnection(ctx, &store.Connection{Name: "c", StoreID: storeID, Dotdigital: dd,
				Settings: store.Settings{DataSync: true, SubscriberList: store.Ref{ID: 1, Name: "Store subscribers"}}})
		}
		const r1, r2 = "https://r1-api.dotdigital.com", "https://r2-api.dotdigital.com"
		a := shop("aaa")
		if err := link(a, store.DotdigitalCredentials{Username: "apiuser-a@apiconnector.com", APIEndpoint: r1, AccountID: 77}); err != nil {
			t.Fatal(err)
		}
		first, err := s.ConnectionOfStore(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if first.Dotdigital.AccountID != 77 {
			t.Fatalf("the account id did not round-trip: %+v", first.Dotdigital)
		}

		b := shop("bbb")
		// Another API user of the same account.
		other := store.DotdigitalCredentials{Username: "apiuser-other@apiconnector.com", APIEndpoint: r1, AccountID: 77}
		if err := link(b, other); !errors.Is(err, store.ErrAccountLinked) {
			t.Fatalf("a second store into account 77: %v", err)
		}
		got, err := s.ConnectionOfAccount(ctx, other, b)
		if err != nil || got.ID != first.ID {
			t.Fatalf("the account's connection = %+v, %v; want %d", got, err, first.ID)
		}
		// The store's own link is not another store's.
		if _, err := s.ConnectionOfAccount(ctx, other, a); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the account's own store counted as another: %v", err)
		}
		// The same id in another region is another account.
		if err := link(b, store.DotdigitalCredentials{Username: "apiuser-a@apiconnector.com", APIEndpoint: r2, AccountID: 77}); err != nil {
			t.Fatalf("account 77 of r2: %v", err)
		}

		// A link from before the id was kept is known by its API user, in any case.
		c := shop("ccc")
		if _, err := s.DB().Exec(`UPDATE dotdigital_links SET dd_account_id = 0 WHERE store_id = $1`, b); err != nil {
			t.Fatal(err)
		}
		if err := link(c, store.DotdigitalCredentials{Username: "APIUSER-A@apiconnector.com", APIEndpoint: r2, AccountID: 78}); !errors.Is(err, store.ErrAccountLinked) {
			t.Fatalf("a store into the account of an old link's API user: %v", err)
		}
		if err := link(c, store.DotdigitalCredentials{Username: "apiuser-c@apiconnector.com", APIEndpoint: r2, AccountID: 78}); err != nil {
			t.Fatalf("another account of r2: %v", err)
		}
		conns, err := s.Connections(ctx)
		if err != nil || len(conns) != 3 {
			t.Fatalf("connections = %d, %v; want 3 (refused links leave nothing)", len(conns), err)
		}
	})
}
