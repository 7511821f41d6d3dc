package bigcommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

const (
	opCustomers     = "GET /stores/{store_hash}/v3/customers"
	opSubscribers   = "GET /stores/{store_hash}/v3/customers/subscribers"
	opOrders        = "GET /stores/{store_hash}/v2/orders"
	opOrderCount    = "GET /stores/{store_hash}/v2/orders/count"
	opOrderProducts = "GET /stores/{store_hash}/v2/orders/{id}/products"
	opProducts      = "GET /stores/{store_hash}/v3/catalog/products"
)

// sortedByModified checks the order a date_modified:asc read promises.
func sortedByModified[T any](t *testing.T, xs []T, key func(T) (time.Time, int)) {
	t.Helper()
	for i := 1; i < len(xs); i++ {
		a, ai := key(xs[i-1])
		b, bi := key(xs[i])
		if a.After(b) || a.Equal(b) && ai > bi {
			t.Fatalf("record %d (%v, %d) comes before (%v, %d)", i, a, ai, b, bi)
		}
	}
}

func uniqueIDs[T any](t *testing.T, xs []T, id func(T) int) map[int]T {
	t.Helper()
	out := map[int]T{}
	for _, x := range xs {
		if _, dup := out[id(x)]; dup {
			t.Fatalf("id %d read twice", id(x))
		}
		out[id(x)] = x
	}
	return out
}

func TestCustomersReadsEveryPageOnce(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 1003, Seed: 7}, nil)
	all := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
	byID := uniqueIDs(t, all, func(c Customer) int { return c.ID })
	if len(byID) != 1003 {
		t.Fatalf("read %d customers", len(byID))
	}
	sortedByModified(t, all, func(c Customer) (time.Time, int) { return c.DateModified, c.ID })
	if n := s.requests(opCustomers); n != 5 {
		t.Fatalf("%d requests for 1003 customers, want ceil(1003/250) = 5", n)
	}
	var withAddress, withAttribute, withForm, withCredit *Customer
	for i := range all {
		c := &all[i]
		if c.Email == "" || c.FirstName == "" || c.DateCreated.IsZero() || c.DateModified.Before(c.DateCreated) || c.DateModified.Location() != time.UTC {
			t.Fatalf("customer %+v", c)
		}
		if len(c.Addresses) > 0 {
			withAddress = c
		}
		if len(c.Attributes) > 0 {
			withAttribute = c
		}
		if len(c.FormFields) > 0 {
			withForm = c
		}
		if len(c.StoreCredit) > 0 && c.StoreCredit[0].Sign() > 0 {
			withCredit = c
		}
	}
	if withAddress == nil || withAttribute == nil || withForm == nil || withCredit == nil {
		t.Fatal("generated customers lack sub-resources")
	}
	if a := withAddress.Addresses[0]; a.Address1 == "" || len(a.CountryCode) != 2 || a.City == "" {
		t.Fatalf("address %+v", a)
	}
	if withAttribute.Attributes[0].AttributeID == 0 || withAttribute.Attributes[0].Value == "" || withForm.FormFields[0].String() == "" {
		t.Fatalf("attribute %+v form %+v", withAttribute.Attributes, withForm.FormFields)
	}
	// Store credit arrives as a JSON number and stays exact.
	status, body := s.raw("GET", "v3/customers?include=storecredit&id:in="+itoa(withCredit.ID), nil)
	var raw struct {
		Data []struct {
			StoreCredit []struct {
				Amount json.Number `json:"amount"`
			} `json:"store_credit_amounts"`
		} `json:"data"`
	}
	if status != 200 || json.Unmarshal(body, &raw) != nil || len(raw.Data) != 1 {
		t.Fatalf("raw read %d %s", status, body)
	}
	if want := money.MustParse(raw.Data[0].StoreCredit[0].Amount.String()); !want.Equal(withCredit.StoreCredit[0]) {
		t.Fatalf("store credit %s, the store says %s", withCredit.StoreCredit[0], want)
	}
}

func itoa(n int) string { return joinInts([]int{n}) }

// A cursor taken from a record's date_modified must bring that record and every record of the same
// second back: the filter is inclusive and sent as a full UTC timestamp.
func TestCustomersModifiedSinceKeepsTheBoundarySecond(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 800, Seed: 11}, nil)
	all := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
	ties := 0
	for i := 1; i < len(all); i++ {
		if all[i].DateModified.Equal(all[i-1].DateModified) {
			ties++
		}
	}
	if ties == 0 {
		t.Fatal("the generated store has no records sharing a second")
	}
	cut := -1
	for i := 300; i < len(all); i++ {
		if all[i].DateModified.Equal(all[i-1].DateModified) {
			cut = i // a cursor in the middle of a second
			break
		}
	}
	since := all[cut].DateModified
	var want []int
	for _, c := range all {
		if !c.DateModified.Before(since) {
			want = append(want, c.ID)
		}
	}
	got := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{ModifiedSince: since.In(time.FixedZone("CEST", 7200))}))
	var ids []int
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, want) || !slices.Contains(ids, all[cut-1].ID) {
		t.Fatalf("since %v: got %d customers, want %d", since, len(ids), len(want))
	}
	last, _ := url.Parse(s.calls.all()[len(s.calls.all())-1].URL)
	if q := last.Query(); q.Get("date_modified:min") != since.UTC().Format("2006-01-02T15:04:05Z") || q.Get("sort") != "date_modified:asc" {
		t.Fatalf("filter not sent as a full UTC timestamp: %s", last)
	}
}

func TestCustomersByIDAndEmail(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 300, Seed: 5}, nil)
	ctx := ctxT(t)
	var ids []int
	for id := 1; id <= 120; id++ {
		ids = append(ids, id)
	}
	got := readAll(t, s.client.Customers(ctx, CustomerQuery{IDs: append(ids, 99999)}))
	if len(got) != 120 || s.requests(opCustomers) != 3 {
		t.Fatalf("%d customers in %d requests, want 120 in 3", len(got), s.requests(opCustomers))
	}
	emails := []string{strings.ToUpper(got[0].Email), got[7].Email, "nobody@example.com"}
	found, err := s.client.CustomersByEmail(ctx, emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[strings.ToLower(got[0].Email)].ID != got[0].ID || found[strings.ToLower(got[7].Email)].ID != got[7].ID {
		t.Fatalf("by email: %v", found)
	}
	before := s.emu.Stats().Total
	if none := readAll(t, s.client.Customers(ctx, CustomerQuery{IDs: []int{}})); len(none) != 0 || s.emu.Stats().Total != before {
		t.Fatal("an empty id list must read nothing and send nothing")
	}
}

func TestSubscribers(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 200, Subscribers: 600, Orders: 50, Seed: 9}, nil)
	ctx := ctxT(t)
	all := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{}))
	byID := uniqueIDs(t, all, func(s Subscriber) int { return s.ID })
	if len(byID) != 600 || s.requests(opSubscribers) != 3 {
		t.Fatalf("%d subscribers in %d requests", len(byID), s.requests(opSubscribers))
	}
	customers, err := s.client.CustomersByEmail(ctx, emailsOf(all[:200]))
	if err != nil {
		t.Fatal(err)
	}
	var unsubscribed, fromOrder, customer, notCustomer int
	for _, sub := range all {
		if len(sub.Consents) == 0 {
			unsubscribed++
		}
		if sub.OrderID > 0 {
			fromOrder++
		}
		if sub.ID <= 200 {
			if _, ok := customers[strings.ToLower(sub.Email)]; ok {
				customer++
			} else {
				notCustomer++
			}
		}
		if sub.DateModified.IsZero() || sub.Email == "" {
			t.Fatalf("subscriber %+v", sub)
		}
	}
	if unsubscribed == 0 || fromOrder == 0 || customer == 0 || notCustomer == 0 {
		t.Fatalf("unsubscribed %d, from orders %d, customers %d, not customers %d", unsubscribed, fromOrder, customer, notCustomer)
	}

	since := all[0].DateModified
	for _, sub := range all {
		if sub.ID%3 == 0 && sub.DateModified.After(since) {
			since = sub.DateModified
		}
	}
	since = since.Add(-30 * 24 * time.Hour)
	var want []int
	for _, sub := range all {
		if !sub.DateModified.Before(since) {
			want = append(want, sub.ID)
		}
	}
	var got []int
	for _, sub := range readAll(t, s.client.Subscribers(ctx, SubscriberQuery{ModifiedSince: since})) {
		got = append(got, sub.ID)
	}
	if !slices.Equal(got, want) || len(want) == 0 || len(want) == len(all) {
		t.Fatalf("since %v: %d subscribers, want %d of %d", since, len(got), len(want), len(all))
	}

	some := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{IDs: []int{3, 1, 2}}))
	one := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{Email: strings.ToUpper(all[41].Email)}))
	if len(some) != 3 || len(one) != 1 || one[0].ID != all[41].ID {
		t.Fatalf("by ids %d, by email %+v", len(some), one)
	}
}

func emailsOf(subs []Subscriber) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.Email
	}
	return out
}

func TestOrdersCarryAllTheirLineItems(t *testing.T) {
	// Each attempt includes checking its 250 orders against the description, which on a busy machine
	// with the race detector can outlast the 2 s of fastRetries: a retry would spoil the count below.
	s := newStore(t, bcemu.Config{Customers: 100, Subscribers: 60, Orders: 1003, Products: 40, Seed: 13}, nil,
		func(c *Config) { c.AttemptTimeout = time.Minute })
	all := readAll(t, s.client.Orders(ctxT(t), OrderQuery{}))
	byID := uniqueIDs(t, all, func(o Order) int { return o.ID })
	if len(byID) != 1003 {
		t.Fatalf("read %d orders", len(byID))
	}
	sortedByModified(t, all, func(o Order) (time.Time, int) { return o.DateModified, o.ID })
	statuses := map[int]bool{}
	guests, big := 0, 0
	for _, o := range all {
		statuses[o.StatusID] = true
		if o.CustomerID == 0 {
			guests++
		}
		if len(o.LineItems) > 50 {
			big++
		}
		quantity := 0
		var subtotal money.Amount
		for _, li := range o.LineItems {
			quantity += li.Quantity
			subtotal = subtotal.Add(li.TotalExTax)
			if li.Name == "" || li.PriceIncTax.Cmp(li.PriceExTax) < 0 || !li.PriceExTax.MulInt(int64(li.Quantity)).Equal(li.TotalExTax) {
				t.Fatalf("order %d line %+v", o.ID, li)
			}
		}
		if quantity != o.ItemsTotal || !subtotal.Equal(o.SubtotalExTax) {
			t.Fatalf("order %d: %d items for items_total %d, subtotal %s for %s", o.ID, quantity, o.ItemsTotal, subtotal, o.SubtotalExTax)
		}
		if want := o.SubtotalExTax.Add(o.ShippingCostExTax).Sub(o.CouponDiscount).Sub(o.DiscountAmount); !want.Equal(o.TotalExTax) {
			t.Fatalf("order %d: total_ex_tax %s, lines say %s", o.ID, o.TotalExTax, want)
		}
		if o.DateCreated.IsZero() || o.DateModified.Before(o.DateCreated) || o.DateModified.Location() != time.UTC ||
			o.BillingAddress.Email == "" || o.ShippingMethod == "" || o.ShippingAddress.City == "" || o.Status == "" {
			t.Fatalf("order %+v", o)
		}
		if (o.ItemsShipped > 0) == o.DateShipped.IsZero() {
			t.Fatalf("order %d shipped %d items, date_shipped %v", o.ID, o.ItemsShipped, o.DateShipped)
		}
	}
	if len(statuses) != 15 || guests == 0 || big != 1 {
		t.Fatalf("statuses %v, guests %d, orders over 50 items %d", statuses, guests, big)
	}
	// One request per page, one count to read ahead, and /products only for the one big order.
	if s.requests(opOrders) != 5 || s.requests(opOrderCount) != 1 || s.requests(opOrderProducts) != 1 {
		t.Fatalf("requests: %v", s.emu.Stats().Requests)
	}
}

// An order with exactly 50 line items (as many as a consignment inlines) has its /products read too,
// whether or not a __warning__ came with it: one read, never a lost line.
func TestAnOrderWithExactlyFiftyLineItemsAlsoReadsItsProducts(t *testing.T) {
	s := newStore(t, bcemu.Config{Seed: 3}, nil)
	ctx := ctxT(t)
	products := make([]OrderProductInput, 50)
	for i := range products {
		products[i] = OrderProductInput{Name: fmt.Sprintf("Line %d", i+1), Quantity: 1, PriceExTax: ptr(money.MustParse("2")), PriceIncTax: ptr(money.MustParse("2.4"))}
	}
	created, err := s.client.CreateOrder(ctx, OrderInput{BillingAddress: OrderAddress{FirstName: "Fifty", LastName: "Lines", Street1: "1 Road",
		City: "Leeds", Zip: "LS1 1AA", Country: "United Kingdom", CountryISO2: "GB", Email: "fifty@example.com"}, Products: products})
	if err != nil {
		t.Fatal(err)
	}
	before := s.requests(opOrderProducts)
	got := readAll(t, s.client.Orders(ctx, OrderQuery{MinID: created.ID, MaxID: created.ID}))
	if len(got) != 1 || len(got[0].LineItems) != 50 {
		t.Fatalf("read %d orders, %d line items", len(got), len(got[0].LineItems))
	}
	if n := s.requests(opOrderProducts) - before; n != 1 {
		t.Fatalf("/products read %d times for an order of exactly 50 line items, want 1", n)
	}
}

// An empty v2 page is a 204 without a body: an empty read, not an error.
func TestOrdersEmptyPageIs204(t *testing.T) {
	s := newStore(t, bcemu.Config{Orders: 20}, nil)
	got := readAll(t, s.client.Orders(ctxT(t), OrderQuery{ModifiedSince: time.Now().Add(time.Hour)}))
	calls := s.calls.all()
	if len(got) != 0 || len(calls) != 1 || calls[0].Status != http.StatusNoContent || !strings.Contains(calls[0].URL, "min_date_modified=") {
		t.Fatalf("%d orders; calls %+v", len(got), calls)
	}
	one := readAll(t, s.client.Orders(ctxT(t), OrderQuery{MinID: 5, MaxID: 5}))
	if len(one) != 1 || one[0].ID != 5 {
		t.Fatalf("by id range %+v", one)
	}
}

func TestOrderStatuses(t *testing.T) {
	s := newStore(t, bcemu.Config{}, nil)
	statuses, err := All(s.client.OrderStatuses(ctxT(t)))
	if err != nil || len(statuses) != 15 || statuses[0].Name != "Incomplete" || statuses[14].Name != "Partially Refunded" {
		t.Fatalf("statuses %+v", statuses)
	}
}

func TestProducts(t *testing.T) {
	s := newStore(t, bcemu.Config{Products: 300, Seed: 4}, nil)
	ctx := ctxT(t)
	all := readAll(t, s.client.Products(ctx, ProductQuery{}))
	uniqueIDs(t, all, func(p Product) int { return p.ID })
	sortedByModified(t, all, func(p Product) (time.Time, int) { return p.DateModified, p.ID })
	hidden := 0
	for _, p := range all {
		if !p.IsVisible {
			hidden++
		}
		if len(p.Variants) == 0 || len(p.Images) == 0 || p.Price.Sign() <= 0 || p.CustomURL.URL == "" || p.DateModified.IsZero() || p.SKU == "" {
			t.Fatalf("product %+v", p)
		}
		if p.SalePrice.Sign() > 0 && !p.CalculatedPrice.Equal(p.SalePrice) || p.SalePrice.Sign() == 0 && !p.CalculatedPrice.Equal(p.Price) {
			t.Fatalf("product %d prices %s %s %s", p.ID, p.Price, p.SalePrice, p.CalculatedPrice)
		}
	}
	visible := readAll(t, s.client.Products(ctx, ProductQuery{Visible: ptr(true)}))
	if hidden == 0 || len(visible) != len(all)-hidden {
		t.Fatalf("%d products, %d hidden, %d visible", len(all), hidden, len(visible))
	}
	for _, p := range visible {
		if !p.IsVisible {
			t.Fatalf("hidden product %d read as visible", p.ID)
		}
	}
	since := all[200].DateModified
	recent := readAll(t, s.client.Products(ctx, ProductQuery{ModifiedSince: since}))
	byIDs := readAll(t, s.client.Products(ctx, ProductQuery{IDs: []int{all[0].ID, all[1].ID}}))
	if len(recent) < 100 || !recent[0].DateModified.Equal(since) && recent[0].DateModified.Before(since) || len(byIDs) != 2 {
		t.Fatalf("since: %d, by ids: %d", len(recent), len(byIDs))
	}
}

func TestCartAndAbandonedCart(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 5, Products: 5, Seed: 2}, nil)
	ctx := ctxT(t)
	status, body := s.raw("POST", "v3/carts", map[string]any{"customer_id": 2, "line_items": []map[string]int{{"product_id": 3, "quantity": 2}}})
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		t.Fatalf("create cart: %d %s", status, body)
	}
	cart, err := s.client.Cart(ctx, created.Data.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cart.CustomerID != 2 || cart.Email == "" || len(cart.Items) != 1 || cart.Items[0].Quantity != 2 ||
		!cart.Items[0].ListPrice.MulInt(2).Equal(cart.CartAmount) || cart.Currency != "USD" || cart.Created.IsZero() {
		t.Fatalf("cart %+v", cart)
	}
	status, body = s.raw("POST", "/_emulator/carts/"+cart.ID+"/abandon", nil)
	var abandoned struct {
		Token string `json:"token"`
	}
	if status != 200 || json.Unmarshal(body, &abandoned) != nil {
		t.Fatalf("abandon: %d %s", status, body)
	}
	id, err := s.client.AbandonedCartID(ctx, abandoned.Token)
	if err != nil || id != cart.ID {
		t.Fatalf("token resolves to %q, %v", id, err)
	}
	if _, err := s.client.Cart(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown cart: %v", err)
	}
}

func TestProgress(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 600}, nil)
	var seen []Progress
	ctx := WithProgress(ctxT(t), func(p Progress) { seen = append(seen, p) })
	readAll(t, s.client.Customers(ctx, CustomerQuery{}))
	if len(seen) != 3 || seen[2] != (Progress{Resource: "customers", Page: 3, Pages: 3, Records: 600, Total: 600}) {
		t.Fatalf("progress %+v", seen)
	}
}

// Coupon codes come from the line items' applied discounts: reading them costs no request.
func TestOrderCouponCodesComeWithTheLineItems(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 20, Orders: 300, Products: 10, Seed: 21}, nil)
	ctx := ctxT(t)
	orders := readAll(t, s.client.Orders(ctx, OrderQuery{}))
	used := 0
	for _, o := range orders {
		if o.CouponDiscount.Sign() > 0 {
			used++
			if len(o.CouponCodes) != 1 || o.CouponCodes[0] == "" {
				t.Fatalf("order %d: discount %s, codes %v", o.ID, o.CouponDiscount, o.CouponCodes)
			}
			for _, li := range o.LineItems {
				if len(li.Discounts) != 1 || li.Discounts[0].Code != o.CouponCodes[0] || li.Discounts[0].Amount.Sign() <= 0 {
					t.Fatalf("order %d line %d discounts %+v", o.ID, li.ID, li.Discounts)
				}
			}
		} else if len(o.CouponCodes) != 0 {
			t.Fatalf("order %d has codes without a discount", o.ID)
		}
	}
	if used == 0 {
		t.Fatal("no order used a coupon")
	}
	if n := s.requests("GET /stores/{store_hash}/v2/orders/{id}/coupons"); n != 0 {
		t.Fatalf("%d coupon requests", n)
	}
	one, err := s.client.Order(ctx, orders[0].ID)
	if err != nil || len(one.CouponCodes) != len(orders[0].CouponCodes) {
		t.Fatalf("order %+v, %v", one, err)
	}
}

func TestProductIDsScan(t *testing.T) {
	s := newStore(t, bcemu.Config{Products: 520, Seed: 4}, nil)
	ctx := ctxT(t)
	if status, _ := s.raw("DELETE", "v3/catalog/products/7", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	ids := readAll(t, s.client.ProductIDs(ctx))
	if len(ids) != 519 || slices.Contains(ids, 7) || !slices.IsSorted(ids) || s.requests(opProducts) != 3 {
		t.Fatalf("%d ids in %d requests", len(ids), s.requests(opProducts))
	}
}

// ModifiedUntil bounds every read from above, inclusively.
func TestModifiedUntil(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 300, Subscribers: 300, Orders: 300, Products: 300, Seed: 15}, nil)
	ctx := ctxT(t)
	customers := readAll(t, s.client.Customers(ctx, CustomerQuery{}))
	until := customers[149].DateModified
	for name, n := range map[string]func() (int, int){
		"customers": func() (int, int) {
			got := readAll(t, s.client.Customers(ctx, CustomerQuery{ModifiedUntil: until}))
			return len(got), countUntil(customers, until, func(c Customer) time.Time { return c.DateModified })
		},
		"subscribers": func() (int, int) {
			all := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{}))
			got := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{ModifiedUntil: until}))
			return len(got), countUntil(all, until, func(s Subscriber) time.Time { return s.DateModified })
		},
		"orders": func() (int, int) {
			all := readAll(t, s.client.Orders(ctx, OrderQuery{}))
			got := readAll(t, s.client.Orders(ctx, OrderQuery{ModifiedUntil: until}))
			return len(got), countUntil(all, until, func(o Order) time.Time { return o.DateModified })
		},
		"products": func() (int, int) {
			all := readAll(t, s.client.Products(ctx, ProductQuery{}))
			got := readAll(t, s.client.Products(ctx, ProductQuery{ModifiedUntil: until}))
			return len(got), countUntil(all, until, func(p Product) time.Time { return p.DateModified })
		},
	} {
		got, want := n()
		if got != want || want == 0 {
			t.Errorf("%s until %v: %d, want %d", name, until, got, want)
		}
	}
}

func countUntil[T any](xs []T, until time.Time, date func(T) time.Time) int {
	n := 0
	for _, x := range xs {
		if !date(x).After(until) {
			n++
		}
	}
	return n
}

// With room in the quota, pages are read ahead (at most Prefetch at once) and still come in order.
func TestReadsAheadInOrder(t *testing.T) {
	var inflight, peak atomic.Int64
	measure := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inflight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			defer inflight.Add(-1)
			next.ServeHTTP(w, r)
		})
	}
	s := newStore(t, bcemu.Config{Customers: 600, Latency: 20 * time.Millisecond, Seed: 3}, measure, func(c *Config) { c.PageSize = 25 })
	var pages [][]Customer
	for page, err := range s.client.Customers(ctxT(t), CustomerQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
	}
	var all []Customer
	for _, p := range pages {
		all = append(all, p...)
	}
	if len(pages) != 24 || len(all) != 600 {
		t.Fatalf("%d pages, %d customers", len(pages), len(all))
	}
	sortedByModified(t, all, func(c Customer) (time.Time, int) { return c.DateModified, c.ID })
	if p := peak.Load(); p < 2 || p > 4 {
		t.Fatalf("peak of %d reads in flight, want 2 to 4", p)
	}
}

func TestOrderFilters(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 30, Subscribers: 30, Orders: 400, Products: 10, Seed: 17}, nil)
	ctx := ctxT(t)
	all := readAll(t, s.client.Orders(ctx, OrderQuery{}))
	pick := all[123]
	for _, o := range all[123:] {
		if o.CustomerID > 0 { // 0 is a guest, and CustomerID 0 means any customer
			pick = o
			break
		}
	}
	since := all[0].DateCreated
	for _, o := range all {
		if o.ID == 200 {
			since = o.DateCreated
		}
	}
	for _, tc := range []struct {
		name string
		q    OrderQuery
		keep func(Order) bool
	}{
		{"customer", OrderQuery{CustomerID: pick.CustomerID}, func(o Order) bool { return o.CustomerID == pick.CustomerID }},
		{"status", OrderQuery{StatusID: ptr(0)}, func(o Order) bool { return o.StatusID == 0 }},
		{"email", OrderQuery{Email: strings.ToUpper(pick.BillingAddress.Email)}, func(o Order) bool {
			return strings.EqualFold(o.BillingAddress.Email, pick.BillingAddress.Email)
		}},
		{"created since", OrderQuery{CreatedSince: since}, func(o Order) bool { return !o.DateCreated.Before(since) }},
		{"id range", OrderQuery{MinID: 10, MaxID: 19}, func(o Order) bool { return o.ID >= 10 && o.ID <= 19 }},
	} {
		want := 0
		for _, o := range all {
			if tc.keep(o) {
				want++
			}
		}
		got := readAll(t, s.client.Orders(ctx, tc.q))
		for _, o := range got {
			if !tc.keep(o) {
				t.Errorf("%s: order %d does not match", tc.name, o.ID)
			}
		}
		if len(got) != want || want == 0 {
			t.Errorf("%s: %d orders, want %d", tc.name, len(got), want)
		}
	}
}
