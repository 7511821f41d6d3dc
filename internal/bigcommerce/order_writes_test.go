package bigcommerce

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

func guestOrder(external string) OrderInput {
	return OrderInput{
		BillingAddress:  OrderAddress{FirstName: "Ana", LastName: "Lima", Street1: "Rua Augusta 1", City: "São Paulo", Zip: "01001-000", CountryISO2: "BR", Email: "ana@example.com"},
		Products:        []OrderProductInput{{ProductID: 1, Quantity: 1}},
		ExternalSource:  "bcsync",
		ExternalOrderID: external,
	}
}

// An order created by a POST whose answer was lost is found by its external order id, in one request,
// and is not created twice.
func TestOrderInsertFoundByExternalID(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 2, Products: 2, Orders: 30, Seed: 5},
		dropFirst(func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v2/orders")
		}))
	ctx := ctxT(t)
	key := "bcsync:sync-7:row-42"
	if _, err := s.client.CreateOrder(ctx, guestOrder(key)); !errors.Is(err, ErrMaybeApplied) {
		t.Fatalf("err = %v", err)
	}
	s.emu.ResetStats()
	found, err := s.client.OrdersByExternalID(ctx, key)
	if err != nil || len(found) != 1 || found[0].ExternalOrderID != key || found[0].ExternalSource != "bcsync" || len(found[0].LineItems) != 1 || found[0].ID != 31 {
		t.Fatalf("found %+v, %v", found, err)
	}
	if st := s.emu.Stats(); st.Total != 1 || st.Requests[opOrders] != 1 {
		t.Fatalf("the lookup cost %v", st.Requests)
	}
	if none, err := s.client.OrdersByExternalID(ctx, "bcsync:sync-7:row-43"); err != nil || len(none) != 0 {
		t.Fatalf("an unknown key: %+v, %v", none, err)
	}
	// BigCommerce does not make the external order id unique: every match is returned, by id.
	second, err := s.client.CreateOrder(ctx, guestOrder(key))
	if err != nil {
		t.Fatal(err)
	}
	found, err = s.client.OrdersByExternalID(ctx, key)
	if err != nil || len(found) != 2 || found[0].ID != 31 || found[1].ID != second.ID {
		t.Fatalf("found %+v, %v", found, err)
	}
	// Archived orders are not listed, so not found either.
	if err := s.client.ArchiveOrder(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if found, _ := s.client.OrdersByExternalID(ctx, key); len(found) != 1 {
		t.Fatalf("after archiving one: %+v", found)
	}
	if _, err := s.client.OrdersByExternalID(ctx, " "); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("an empty key: %v", err)
	}
}

func TestOrderStatusByNameOrID(t *testing.T) {
	s := newStore(t, bcemu.Config{Products: 2, Orders: 3, Seed: 5}, nil)
	ctx := ctxT(t)
	statuses, err := All(s.client.OrderStatuses(ctx))
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]int{"awaiting fulfillment ": 11, "11": 11, "Shipped": 2, "0": 0, "INCOMPLETE": 0} {
		if got, err := OrderStatusID(statuses, in); err != nil || got != want {
			t.Errorf("%q: %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"15", "Lost", ""} {
		if _, err := OrderStatusID(statuses, bad); err == nil {
			t.Errorf("%q resolved", bad)
		}
	}
	id, _ := OrderStatusID(statuses, "Awaiting Shipment")
	o, err := s.client.UpdateOrder(ctx, 2, OrderUpdate{StatusID: &id, ExternalOrderID: ptr("k-2"), ExternalSource: ptr("bcsync")})
	if err != nil || o.StatusID != 9 || o.Status != "Awaiting Shipment" || o.ExternalOrderID != "k-2" || o.ExternalSource != "bcsync" {
		t.Fatalf("updated %+v, %v", o, err)
	}
	if _, err := s.client.UpdateOrder(ctx, 2, OrderUpdate{StatusID: ptr(15)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a status the store does not have: %v", err)
	}
	bad := guestOrder("k")
	bad.BillingAddress.Zip = "1"
	if _, err := s.client.CreateOrder(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a one-character zip: %v", err)
	}
}

// applyThenFail lets the first request matching match through to the store, then answers status in
// its place: the change is made, the client sees a 5xx.
func applyThenFail(status int, match func(*http.Request) bool) func(http.Handler) http.Handler {
	var once sync.Once
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fail := false
			if match(r) {
				once.Do(func() { fail = true })
			}
			if !fail {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(discard{header: http.Header{}}, r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`{"status":502,"title":"Bad Gateway"}`))
		})
	}
}

// Creates are POSTs that BigCommerce does not deduplicate: after a 5xx they are not sent again and
// report ErrMaybeApplied. Upserts (PUT) are sent again.
func TestWritesAfterA5xx(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wrap     func(http.Handler) http.Handler
		write    func(*store) error
		requests int
		want     error
	}{
		{"an order create", applyThenFail(http.StatusBadGateway, isPost), func(s *store) error {
			_, err := s.client.CreateOrder(ctxT(s.t), guestOrder("k1"))
			return err
		}, 1, ErrMaybeApplied},
		{"an attribute definition", applyThenFail(http.StatusBadGateway, isPost), func(s *store) error {
			_, err := s.client.CreateCustomerAttributes(ctxT(s.t), []CustomerAttributeInput{{"Joined", AttributeDate}})
			return err
		}, 1, ErrMaybeApplied},
		{"a metafield", applyThenFail(http.StatusBadGateway, isPost), func(s *store) error {
			_, err := s.client.CreateCustomerMetafield(ctxT(s.t), 1, MetafieldInput{Namespace: "n", Key: "k", Value: "v", PermissionSet: MetafieldRead})
			return err
		}, 1, ErrMaybeApplied},
		{"a batch of metafields", applyThenFail(http.StatusBadGateway, isPost), func(s *store) error {
			results, err := s.client.CreateCustomerMetafields(ctxT(s.t), []MetafieldInput{
				{ResourceID: 1, Namespace: "n", Key: "k", Value: "v", PermissionSet: MetafieldRead},
				{ResourceID: 2, Namespace: "n", Key: "k", Value: "v", PermissionSet: MetafieldRead}})
			if err != nil && (!errors.Is(results[0].Err, ErrMaybeApplied) || !errors.Is(results[1].Err, ErrMaybeApplied)) {
				s.t.Fatalf("results %+v", results)
			}
			return err
		}, 1, ErrMaybeApplied},
		{"a customer create", applyThenFail(http.StatusBadGateway, isPost), func(s *store) error {
			results, err := s.client.CreateCustomers(ctxT(s.t), []CustomerInput{newCustomer(1), newCustomer(2)})
			if err != nil && !errors.Is(results[1].Err, ErrMaybeApplied) {
				s.t.Fatalf("results %+v", results)
			}
			return err
		}, 1, ErrMaybeApplied},
		{"an attribute value upsert", applyThenFail(http.StatusServiceUnavailable, isPut), func(s *store) error {
			_, err := s.client.UpsertAttributeValues(ctxT(s.t), []AttributeValueInput{{CustomerID: 1, AttributeID: 1, Value: "Gold"}})
			return err
		}, 2, nil},
		{"an order update", applyThenFail(http.StatusBadGateway, isPut), func(s *store) error {
			_, err := s.client.UpdateOrder(ctxT(s.t), 1, OrderUpdate{StatusID: ptr(10)})
			return err
		}, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, bcemu.Config{Customers: 3, Products: 2, Orders: 2}, tc.wrap)
			err := tc.write(s)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if n := len(s.calls.all()); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}
