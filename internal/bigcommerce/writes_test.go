package bigcommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// concurrency measures how many writes the store has in flight at once.
type concurrency struct {
	now, peak atomic.Int64
}

func (c *concurrency) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			n := c.now.Add(1)
			for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
			}
			defer c.now.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

func newCustomer(i int) CustomerInput {
	return CustomerInput{Email: fmt.Sprintf("new.%d@example.com", i), FirstName: "Zoë", LastName: fmt.Sprintf("Ngữ %d", i)}
}

// A refused batch is settled record by record: records the answer names fail with their own messages
// and the rest goes again; when the answer names none, the batch is halved until each bad record has
// its own answer.
func TestCreateCustomersAttributesErrorsToRecords(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 5, Seed: 1}, nil)
	ctx := ctxT(t)
	existing := readAll(t, s.client.Customers(ctx, CustomerQuery{IDs: []int{1}}))[0]
	in := make([]CustomerInput, 23)
	for i := range in {
		in[i] = newCustomer(i)
	}
	in[0].Addresses = []AddressInput{{FirstName: "Zoë", LastName: "Ngữ", Address1: "Hauptstraße 1", City: "Berlin", CountryCode: "DE", PostalCode: "10115", StateOrProvince: "Berlin"}}
	in[0].StoreCredit = []money.Amount{money.MustParse("12.34")}
	in[0].Phone = ptr("+49 30 1")
	in[4].Email = "not-an-email"                   // valid for the description, not for the store: named ("4.email")
	in[12].Email = strings.ToUpper(existing.Email) // taken, whatever its case: not named
	in[15].Email = in[14].Email                    // taken by a record of the same batch: not named
	results, err := s.client.CreateCustomers(ctx, in)
	if err == nil {
		t.Fatal("no error reported for the refused records")
	}
	if len(results) != len(in) {
		t.Fatalf("%d results for %d customers", len(results), len(in))
	}
	failed := map[int]string{4: "email", 12: "email", 15: "email"}
	for i, r := range results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
		field, bad := failed[i]
		if !bad {
			if r.Err != nil || r.Customer == nil || r.Customer.ID <= 5 || !strings.EqualFold(r.Customer.Email, in[i].Email) {
				t.Fatalf("record %d: %+v", i, r)
			}
			continue
		}
		var apiErr *APIError
		if !errors.As(r.Err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Errors[field] == "" || r.Customer != nil {
			t.Fatalf("record %d: want a 422 on %s, got %v", i, field, r.Err)
		}
	}
	first := results[0].Customer
	if len(first.Addresses) != 1 || first.Addresses[0].City != "Berlin" || len(first.StoreCredit) != 1 ||
		!first.StoreCredit[0].Equal(money.MustParse("12.34")) || first.Phone != "+49 30 1" || first.DateCreated.IsZero() {
		t.Fatalf("created %+v", first)
	}
	// Batch 0-9: refused naming record 4, the other 9 sent again (2 requests). Batch 10-19: refused
	// without names, halved: 10-14 (12 bad) → 10-11, 12-14 → 12, 13-14; 15-19 (15 bad) → 15-16 → 15,
	// 16; 17-19 (11 requests). Batch 20-22 (1).
	if n := s.requests("POST /stores/{store_hash}/v3/customers"); n != 14 {
		t.Fatalf("%d POSTs, want 14", n)
	}
}

func TestCustomerWritesStayWithinThreeInFlight(t *testing.T) {
	var c concurrency
	s := newStore(t, bcemu.Config{Latency: 20 * time.Millisecond}, c.wrap)
	in := make([]CustomerInput, 95)
	for i := range in {
		in[i] = newCustomer(i)
	}
	results, err := s.client.CreateCustomers(ctxT(t), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Customer == nil {
			t.Fatalf("record %d not created", r.Index)
		}
	}
	if p := c.peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak of %d writes in flight, want at most 3 (and some concurrency)", p)
	}
	if n := s.requests("POST /stores/{store_hash}/v3/customers"); n != 10 {
		t.Fatalf("%d requests for 95 customers, want 10", n)
	}
}

func TestUpdateCustomersIsPartial(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 40, Seed: 8}, nil)
	ctx := ctxT(t)
	before := readAll(t, s.client.Customers(ctx, CustomerQuery{IDs: []int{1, 2}}))
	var one, two Customer
	for _, c := range before {
		if c.ID == 1 {
			one = c
		} else {
			two = c
		}
	}
	results, err := s.client.UpdateCustomers(ctx, []CustomerInput{
		{ID: 1, Phone: ptr("+44 20 7946 0000"), Company: ptr(""), CustomerGroupID: ptr(3),
			FormFields:  []FormField{{Name: "Interests", Value: json.RawMessage(`["tea","ceramics"]`)}},
			StoreCredit: []money.Amount{money.MustParse("5.25")}},
		{ID: 2, Email: strings.ToUpper(one.Email)}, // taken by customer 1
		{ID: 999}, // no such customer
	})
	if err == nil || results[0].Err != nil || results[1].Err == nil || results[2].Err == nil {
		t.Fatalf("results %+v, %v", results, err)
	}
	got := results[0].Customer
	if got.Phone != "+44 20 7946 0000" || got.Company != "" || got.CustomerGroupID != 3 || got.FirstName != one.FirstName || got.Email != one.Email {
		t.Fatalf("updated %+v from %+v", got, one)
	}
	interests := slices.IndexFunc(got.FormFields, func(f FormField) bool { return f.Name == "Interests" })
	if interests < 0 || got.FormFields[interests].String() != "tea, ceramics" || len(got.StoreCredit) != 1 || !got.StoreCredit[0].Equal(money.MustParse("5.25")) {
		t.Fatalf("form fields %+v, store credit %v", got.FormFields, got.StoreCredit)
	}
	if !got.DateModified.After(one.DateModified) {
		t.Fatalf("date_modified %v did not move from %v", got.DateModified, one.DateModified)
	}
	after, err := s.client.CustomersByID(ctx, []int{2, 999})
	if err != nil || len(after) != 1 || after[2].Email != two.Email {
		t.Fatalf("a refused update changed the record, or the lookup is wrong: %+v, %v", after, err)
	}
	// Customer 1 is one request; 2 and 999 refused together without names are two more.
	if n := s.requests("PUT /stores/{store_hash}/v3/customers"); n != 5 {
		t.Fatalf("%d PUTs, want 5 (the batch, its halves 1 and 2-999, then 2 and 999)", n)
	}
	if _, err := s.client.UpdateCustomers(ctx, []CustomerInput{{Phone: ptr("1")}}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("an update without id: %v", err)
	}
}

func TestDeleteCustomers(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 10}, nil)
	ctx := ctxT(t)
	if err := s.client.DeleteCustomers(ctx, []int{2, 3, 404}); err != nil {
		t.Fatal(err)
	}
	left := readAll(t, s.client.Customers(ctx, CustomerQuery{}))
	if len(left) != 8 {
		t.Fatalf("%d customers left", len(left))
	}
	total := s.emu.Stats().Total
	if _, err := s.client.do(ctx, call{method: http.MethodDelete, path: "v3/customers"}, nil); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a DELETE without id:in was sent: %v", err)
	}
	if s.emu.Stats().Total != total {
		t.Fatal("the refused request reached the store")
	}
}

// More than 10 customers in one write is refused with 413 (the client never batches so, so the request
// is made by hand).
func TestTooManyCustomersIs413(t *testing.T) {
	s := newStore(t, bcemu.Config{}, nil)
	in := make([]CustomerInput, 11)
	for i := range in {
		in[i] = newCustomer(i)
	}
	_, err := s.client.do(ctxT(t), call{method: http.MethodPost, path: "v3/customers", body: in}, nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestSubscriberWrites(t *testing.T) {
	s := newStore(t, bcemu.Config{Subscribers: 20, Seed: 6}, nil)
	ctx := ctxT(t)
	sub, err := s.client.CreateSubscriber(ctx, SubscriberInput{Email: "Ana.Silva@example.com", FirstName: "Ana", Consents: []string{ConsentNewsletter, ConsentAbandonedCart}})
	if err != nil || sub.ID <= 20 || len(sub.Consents) != 2 || sub.DateModified.IsZero() {
		t.Fatalf("created %+v, %v", sub, err)
	}
	if _, err := s.client.CreateSubscriber(ctx, SubscriberInput{Email: "ana.silva@EXAMPLE.com"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}
	unsub, err := s.client.UpdateSubscriber(ctx, sub.ID, SubscriberInput{Consents: []string{}})
	if err != nil || len(unsub.Consents) != 0 || unsub.FirstName != "Ana" {
		t.Fatalf("unsubscribed %+v, %v", unsub, err)
	}
	other := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{IDs: []int{1}}))[0]
	if _, err := s.client.UpdateSubscriber(ctx, sub.ID, SubscriberInput{Email: other.Email}); !errors.Is(err, ErrConflict) {
		t.Fatalf("email of another subscriber: %v", err)
	}
	if err := s.client.DeleteSubscriber(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.client.DeleteSubscriber(ctx, sub.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.client.UpdateSubscriber(ctx, 9999, SubscriberInput{FirstName: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of an unknown subscriber: %v", err)
	}
}

// The filtered DELETE of subscribers deletes them all when the filter is missing: the client refuses
// to send it in any form.
func TestUnfilteredSubscriberDeleteCannotBeSent(t *testing.T) {
	s := newStore(t, bcemu.Config{Subscribers: 20}, nil)
	ctx := ctxT(t)
	for _, bad := range []call{
		{method: http.MethodDelete, path: "v3/customers/subscribers"},
		{method: http.MethodDelete, path: "v2/orders"},
	} {
		if _, err := s.client.do(ctx, bad, nil); !errors.Is(err, ErrUnsafe) {
			t.Fatalf("%s %s: %v", bad.method, bad.path, err)
		}
	}
	if err := s.client.DeleteSubscriber(ctx, 0); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("DeleteSubscriber(0): %v", err)
	}
	if n := len(readAll(t, s.client.Subscribers(ctx, SubscriberQuery{}))); n != 20 {
		t.Fatalf("%d subscribers left", n)
	}
	if n := s.requests("DELETE /stores/{store_hash}/v3/customers/subscribers"); n != 0 {
		t.Fatalf("%d unfiltered deletes reached the store", n)
	}
}

func TestOrderWrites(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 3, Products: 3, Orders: 5, Seed: 12}, nil)
	ctx := ctxT(t)
	product := readAll(t, s.client.Products(ctx, ProductQuery{IDs: []int{1}}))[0]
	created := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	o, err := s.client.CreateOrder(ctx, OrderInput{
		CustomerID:     2,
		BillingAddress: OrderAddress{FirstName: "Søren", LastName: "Øberg", Street1: "Øster Allé 1", City: "København", Zip: "2100", Country: "Denmark", CountryISO2: "DK", Email: "soren@example.com"},
		Products: []OrderProductInput{
			{ProductID: 1, Quantity: 2},
			{Name: "Gravur", Quantity: 1, PriceExTax: ptr(money.MustParse("10.00")), PriceIncTax: ptr(money.MustParse("11.90"))},
		},
		ExternalOrderID: "warehouse-77",
		DateCreated:     created,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantSubtotal := product.CalculatedPrice.MulInt(2).Add(money.MustParse("10"))
	if o.ID <= 5 || o.StatusID != 1 || len(o.LineItems) != 2 || !o.SubtotalExTax.Equal(wantSubtotal) || !o.DateCreated.Equal(created) ||
		o.ExternalOrderID != "warehouse-77" || o.BillingAddress.City != "København" || o.CustomerID != 2 {
		t.Fatalf("created %+v (subtotal want %s)", o, wantSubtotal)
	}
	updated, err := s.client.UpdateOrder(ctx, o.ID, OrderUpdate{StatusID: ptr(2), StaffNotes: ptr("packed")})
	if err != nil || updated.StatusID != 2 || updated.Status != "Shipped" || updated.StaffNotes != "packed" ||
		updated.BillingAddress != o.BillingAddress || !updated.SubtotalExTax.Equal(o.SubtotalExTax) {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	if err := s.client.ArchiveOrder(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	archived, err := s.client.Order(ctx, o.ID)
	if err != nil || !archived.IsDeleted || len(archived.LineItems) != 2 {
		t.Fatalf("archived %+v, %v", archived, err)
	}
	for _, listed := range readAll(t, s.client.Orders(ctx, OrderQuery{})) {
		if listed.ID == o.ID {
			t.Fatal("an archived order is listed")
		}
	}
	_, err = s.client.CreateOrder(ctx, OrderInput{BillingAddress: OrderAddress{Zip: "1"}})
	var apiErr *APIError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &apiErr) || len(apiErr.Messages) == 0 {
		t.Fatalf("an order without products: %v", err)
	}
	if _, err := s.client.UpdateOrder(ctx, 999, OrderUpdate{StatusID: ptr(1)}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of an unknown order: %v", err)
	}
}

func TestWebhookCRUD(t *testing.T) {
	s := newStore(t, bcemu.Config{}, nil)
	ctx := ctxT(t)
	if hooks := readAll(t, s.client.Webhooks(ctx)); len(hooks) != 0 {
		t.Fatalf("hooks %+v", hooks)
	}
	in := WebhookInput{Scope: "store/customer/*", Destination: "https://sync.example.com/hooks/bc", Headers: map[string]string{"X-Bcsync-Secret": "s3cret-value"}}
	h, err := s.client.CreateWebhook(ctx, in)
	if err != nil || h.ID == 0 || !h.IsActive || h.Headers["X-Bcsync-Secret"] != "s3cret-value" || h.CreatedAt.IsZero() || h.ClientID != s.emu.ClientID() {
		t.Fatalf("created %+v, %v", h, err)
	}
	if _, err := s.client.CreateWebhook(ctx, in); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a second hook for the same scope and destination: %v", err)
	}
	off, err := s.client.UpdateWebhook(ctx, h.ID, WebhookInput{IsActive: ptr(false)})
	if err != nil || off.IsActive || off.Scope != in.Scope {
		t.Fatalf("updated %+v, %v", off, err)
	}
	listed := readAll(t, s.client.Webhooks(ctx))
	got, err := s.client.Webhook(ctx, h.ID)
	if len(listed) != 1 || err != nil || got.IsActive {
		t.Fatalf("listed %+v, got %+v, %v", listed, got, err)
	}
	if err := s.client.DeleteWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.Webhook(ctx, h.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted hook: %v", err)
	}
	if _, err := s.client.CreateWebhook(ctx, WebhookInput{Scope: "store/order/*"}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a hook without destination: %v", err)
	}
}

// dropFirst runs the first request matching match, then drops the connection without the answer: the
// change is made, the client cannot know it.
func dropFirst(match func(*http.Request) bool) func(http.Handler) http.Handler {
	var once sync.Once
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			drop := false
			if match(r) {
				once.Do(func() { drop = true })
			}
			if !drop {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(discard{header: http.Header{}}, r)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			conn.Close()
		})
	}
}

type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// A DELETE whose answer was lost is repeated; the repeat's 404 means the first one did the work.
func TestDeleteWhoseAnswerWasLostSucceeds(t *testing.T) {
	s := newStore(t, bcemu.Config{Subscribers: 5}, dropFirst(func(r *http.Request) bool { return r.Method == http.MethodDelete }))
	if err := s.client.DeleteSubscriber(ctxT(t), 3); err != nil {
		t.Fatal(err)
	}
	if n := s.requests("DELETE /stores/{store_hash}/v3/customers/subscribers/{id}"); n != 2 {
		t.Fatalf("%d deletes, want the lost one and its repeat", n)
	}
	if n := len(readAll(t, s.client.Subscribers(ctxT(t), SubscriberQuery{}))); n != 4 {
		t.Fatalf("%d subscribers left", n)
	}
}

// A POST whose answer was lost is not repeated: it may have been applied.
func TestPostWhoseAnswerWasLostIsNotRepeated(t *testing.T) {
	s := newStore(t, bcemu.Config{}, dropFirst(func(r *http.Request) bool { return r.Method == http.MethodPost }))
	ctx := ctxT(t)
	_, err := s.client.CreateSubscriber(ctx, SubscriberInput{Email: "once@example.com"})
	if !errors.Is(err, ErrMaybeApplied) {
		t.Fatalf("err = %v", err)
	}
	if n := s.requests("POST /stores/{store_hash}/v3/customers/subscribers"); n != 1 {
		t.Fatalf("the POST was sent %d times", n)
	}
	if subs := readAll(t, s.client.Subscribers(ctx, SubscriberQuery{Email: "once@example.com"})); len(subs) != 1 {
		t.Fatalf("the store has %d such subscribers: the change was made", len(subs))
	}
}

// From a hook to the record: the store posts a callback, the client parses it and reads what changed.
func TestWebhookCallbacksLeadToTheRecords(t *testing.T) {
	callbacks := make(chan *Callback, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		cb, err := ParseCallback(body)
		if err != nil || r.Header.Get("X-Secret") != "k3y" {
			t.Errorf("callback %s: %v", body, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		callbacks <- cb
	}))
	defer receiver.Close()
	s := newStore(t, bcemu.Config{Products: 3, Seed: 2}, nil)
	ctx := ctxT(t)
	for _, scope := range []string{"store/customer/created", "store/cart/abandoned"} {
		if _, err := s.client.CreateWebhook(ctx, WebhookInput{Scope: scope, Destination: receiver.URL, Headers: map[string]string{"X-Secret": "k3y"}}); err != nil {
			t.Fatal(err)
		}
	}
	results, err := s.client.CreateCustomers(ctx, []CustomerInput{newCustomer(1)})
	if err != nil {
		t.Fatal(err)
	}
	cb := receive(t, callbacks)
	if cb.Scope != "store/customer/created" || cb.Data.Type != "customer" || cb.Data.ID != itoa(results[0].Customer.ID) ||
		cb.StoreHash() != s.emu.StoreHash() || cb.Hash == "" || cb.CreatedAt.IsZero() {
		t.Fatalf("callback %+v", cb)
	}
	_, body := s.raw("POST", "v3/carts", map[string]any{"email": "guest@example.com", "line_items": []map[string]int{{"product_id": 1, "quantity": 1}}})
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	json.Unmarshal(body, &created)
	s.raw("POST", "/_emulator/carts/"+created.Data.ID+"/abandon", nil)
	cb = receive(t, callbacks)
	if cb.Scope != "store/cart/abandoned" || cb.Data.ID != created.Data.ID || cb.Data.Token == "" {
		t.Fatalf("callback %+v", cb)
	}
	cart, err := s.client.Cart(ctx, cb.Data.ID)
	if err != nil || cart.Email != "guest@example.com" {
		t.Fatalf("cart %+v, %v", cart, err)
	}
	if _, err := ParseCallback([]byte(`{"scope":""}`)); err == nil {
		t.Fatal("an empty callback was accepted")
	}
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
		panic("unreachable")
	}
}
