package bigcommerce

import (
	"context"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

// Each count is one request and agrees with what the read it counts for reads, filters included.
func TestCountsAgreeWithTheReadsTheyCountFor(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 620, Subscribers: 90, Orders: 310, Products: 270, Seed: 5}, nil)
	ctx := ctxT(t)
	customers := readAll(t, s.client.Customers(ctx, CustomerQuery{}))
	since := customers[400].DateModified
	visible := true
	for _, tc := range []struct {
		name  string
		count func() (int, error)
		read  func() int
	}{
		{"customers", func() (int, error) { return s.client.CountCustomers(ctx, CustomerQuery{}) },
			func() int { return len(customers) }},
		{"customers since", func() (int, error) { return s.client.CountCustomers(ctx, CustomerQuery{ModifiedSince: since}) },
			func() int { return len(readAll(t, s.client.Customers(ctx, CustomerQuery{ModifiedSince: since}))) }},
		{"subscribers", func() (int, error) { return s.client.CountSubscribers(ctx, SubscriberQuery{}) },
			func() int { return len(readAll(t, s.client.Subscribers(ctx, SubscriberQuery{}))) }},
		{"orders", func() (int, error) { return s.client.CountOrders(ctx, OrderQuery{}) },
			func() int { return len(readAll(t, s.client.Orders(ctx, OrderQuery{}))) }},
		{"visible products", func() (int, error) { return s.client.CountProducts(ctx, ProductQuery{Visible: &visible}) },
			func() int { return len(readAll(t, s.client.Products(ctx, ProductQuery{Visible: &visible}))) }},
	} {
		before := s.client.Requests()
		n, err := tc.count()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if used := s.client.Requests() - before; used != 1 {
			t.Errorf("%s: counting took %d requests", tc.name, used)
		}
		if want := tc.read(); n != want || n == 0 {
			t.Errorf("%s: counted %d, read %d", tc.name, n, want)
		}
	}
}

// The request rate is the client's share of the store's quota, once a response has said the quota.
func TestRequestRateIsTheShareOfTheStoresQuota(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 10, RateLimit: bcemu.RateLimit{Quota: 150, Window: 30 * time.Second}}, nil,
		func(c *Config) { c.Pacer = NewPacer(0.5, nil) })
	if r := s.client.RequestRate(); r != 0 {
		t.Fatalf("rate %v before the store said its quota", r)
	}
	if _, err := s.client.CountCustomers(ctxT(t), CustomerQuery{}); err != nil {
		t.Fatal(err)
	}
	// 75 requests per 30 s window (and the margin kept at its end): a little under 2.5 a second.
	if r := s.client.RequestRate(); r < 2.3 || r > 2.5 {
		t.Fatalf("rate %v, want about 2.5/s", r)
	}
}

// A read followed by progress learns its total with its first page: v3 lists say it, orders count once
// when there is more than a page, and a short first page is the total without a count.
func TestAReadSaysItsTotalWithItsFirstPage(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 600, Orders: 300, Seed: 3}, nil, func(c *Config) { c.PageSize = 250 })
	for _, tc := range []struct {
		name   string
		read   func(ctx context.Context) int
		counts int // /orders/count requests
		total  int
	}{
		{"customers", func(ctx context.Context) int { return len(readAll(t, s.client.Customers(ctx, CustomerQuery{}))) }, 0, 600},
		{"orders", func(ctx context.Context) int { return len(readAll(t, s.client.Orders(ctx, OrderQuery{}))) }, 1, 300},
		{"orders on one page", func(ctx context.Context) int { return len(readAll(t, s.client.Orders(ctx, OrderQuery{MinID: 200}))) }, 0, -1},
	} {
		var seen []Progress
		ctx := WithProgress(ctxT(t), func(p Progress) { seen = append(seen, p) })
		before := s.requests("GET /stores/{store_hash}/v2/orders/count")
		n := tc.read(ctx)
		want := tc.total
		if want < 0 {
			want = n
		}
		if len(seen) == 0 || seen[0].Total != want || seen[len(seen)-1].Total != want {
			t.Errorf("%s: read %d, progress %+v", tc.name, n, seen)
		}
		if counted := s.requests("GET /stores/{store_hash}/v2/orders/count") - before; counted != int64(tc.counts) {
			t.Errorf("%s: %d counts", tc.name, counted)
		}
	}
}
