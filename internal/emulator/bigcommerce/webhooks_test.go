package bigcommerce

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver collects webhook callbacks. failures tells, per path, how many first callbacks fail with
// 500 (-1: all of them).
type receiver struct {
	mu       sync.Mutex
	got      []callback
	failures map[string]int
	srv      *httptest.Server
}

type callback struct {
	path    string
	header  http.Header
	body    []byte
	payload map[string]any
}

func newReceiver(t *testing.T, failures map[string]int) *receiver {
	r := &receiver{failures: failures}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var payload map[string]any
		json.Unmarshal(body, &payload)
		r.mu.Lock()
		r.got = append(r.got, callback{req.URL.Path, req.Header.Clone(), body, payload})
		fail := r.failures[req.URL.Path]
		if fail > 0 {
			r.failures[req.URL.Path]--
		}
		r.mu.Unlock()
		if fail != 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) at(path string) []callback {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []callback
	for _, c := range r.got {
		if c.path == path {
			out = append(out, c)
		}
	}
	return out
}

func (h *harness) hook(scope, destination string, active bool, headers map[string]string) int {
	h.t.Helper()
	var resp hookResponse
	if status := h.json("POST", "v3/hooks", map[string]any{"scope": scope, "destination": destination, "is_active": active, "headers": headers}, &resp); status != 200 {
		h.t.Fatalf("create hook %s: %d", scope, status)
	}
	return resp.Data.ID
}

// Every change to a customer, subscriber, order, product or cart is posted to each active hook whose
// scope covers it, with the hook's headers, in the shape the description gives callbacks.
func TestWebhookDeliveries(t *testing.T) {
	h := start(t, Config{Customers: 3, Products: 3, Orders: 2, Seed: 1, WebhookRetryDelays: []time.Duration{10 * time.Millisecond}})
	rcv := newReceiver(t, nil)
	secret := map[string]string{"X-Bcsync-Secret": "3f9a-secret"}
	h.hook("store/customer/*", rcv.srv.URL+"/customers", true, secret)
	h.hook("store/subscriber/*", rcv.srv.URL+"/subscribers", true, secret)
	h.hook("store/order/created", rcv.srv.URL+"/orders", true, secret)
	h.hook("store/product/*", rcv.srv.URL+"/products", true, secret)
	h.hook("store/product/*", rcv.srv.URL+"/inactive", false, nil)
	h.hook("store/cart/abandoned", rcv.srv.URL+"/carts", true, secret)

	var created struct {
		Data []customer `json:"data"`
	}
	h.json("POST", "v3/customers", []map[string]string{{"email": "new@example.com", "first_name": "Zoë", "last_name": "Ng"}}, &created)
	h.json("PUT", "v3/customers", []map[string]any{{"id": created.Data[0].ID, "phone": "1"}}, nil)
	h.do("DELETE", "v3/customers?id:in=1", nil)
	h.json("POST", "v3/customers/subscribers", map[string]any{"email": "sub@example.com"}, nil)
	var o order
	h.json("POST", "v2/orders", map[string]any{"billing_address": map[string]string{"zip": "10115", "email": "g@example.com"},
		"products": []map[string]any{{"product_id": 1, "quantity": 1}}}, &o)
	h.json("PUT", "v2/orders/1", map[string]any{"status_id": 5}, nil) // not store/order/created
	h.json("PUT", "v3/catalog/products/2", map[string]any{"is_visible": false}, nil)
	var c cartResponse
	h.json("POST", "v3/carts", map[string]any{"customer_id": 2, "line_items": []map[string]int{{"product_id": 3, "quantity": 1}}}, &c)
	h.do("POST", "/_emulator/carts/"+c.Data.ID+"/abandon", nil)

	want := map[string][]string{
		"/customers":   {"store/customer/created", "store/customer/updated", "store/customer/deleted"},
		"/subscribers": {"store/subscriber/created"},
		"/orders":      {"store/order/created"},
		"/products":    {"store/product/updated"},
		"/carts":       {"store/cart/abandoned"},
	}
	eventually(t, "every callback", func() bool {
		for path, scopes := range want {
			if len(rcv.at(path)) < len(scopes) {
				return false
			}
		}
		return true
	})
	spec := h.spec
	for path, scopes := range want {
		got := rcv.at(path)
		var gotScopes []string
		for _, cb := range got {
			gotScopes = append(gotScopes, cb.payload["scope"].(string))
			if cb.header.Get("X-Bcsync-Secret") != "3f9a-secret" || !strings.HasPrefix(cb.header.Get("Content-Type"), "application/json") {
				t.Errorf("%s: headers %v", path, cb.header)
			}
			schemaName := strings.ReplaceAll(cb.payload["scope"].(string), "/", "_")
			schema, err := spec.Schema("webhooks.v3.yml", schemaName)
			if err != nil {
				t.Fatal(err)
			}
			var value any
			json.Unmarshal(cb.body, &value)
			if err := schema.VisitJSON(value); err != nil {
				t.Errorf("%s callback breaks %s: %v", path, schemaName, err)
			}
			// The hash is the SHA-1 of the payload's data only: every change of one record shares it.
			raw, _ := json.Marshal(cb.payload["data"])
			sum := sha1.Sum(raw)
			if cb.payload["hash"] != hex.EncodeToString(sum[:]) || cb.payload["producer"] != "stores/"+h.s.StoreHash() || cb.payload["store_id"] != "" && !isDigits(cb.payload["store_id"].(string)) {
				t.Errorf("%s callback %s", path, cb.body)
			}
		}
		if strings.Join(gotScopes, ",") != strings.Join(scopes, ",") && !sameSet(gotScopes, scopes) {
			t.Errorf("%s got %v, want %v", path, gotScopes, scopes)
		}
	}
	if cb := rcv.at("/carts")[0].payload["data"].(map[string]any); cb["type"] != "cart" || cb["id"] != c.Data.ID || cb["token"] == "" {
		t.Errorf("abandoned cart data %v", cb)
	}
	if cb := rcv.at("/orders")[0].payload["data"].(map[string]any); cb["type"] != "order" || cb["id"] != float64(o.ID) {
		t.Errorf("order data %v", cb)
	}
	if n := len(rcv.at("/inactive")); n != 0 {
		t.Errorf("an inactive hook got %d callbacks", n)
	}
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// A failed callback is retried on the schedule, with the same payload; a hook whose callbacks keep
// failing is deactivated.
func TestWebhookRetriesThenDeactivation(t *testing.T) {
	h := start(t, Config{Subscribers: 1, WebhookRetryDelays: []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}})
	rcv := newReceiver(t, map[string]int{"/flaky": 2, "/down": -1})
	h.hook("store/subscriber/created", rcv.srv.URL+"/flaky", true, nil)
	down := h.hook("store/subscriber/created", rcv.srv.URL+"/down", true, nil)
	h.json("POST", "v3/customers/subscribers", map[string]any{"email": "a@example.com"}, nil)

	eventually(t, "the flaky hook's third attempt", func() bool { return len(rcv.at("/flaky")) == 3 })
	eventually(t, "the failing hook's deactivation", func() bool {
		var resp hookResponse
		h.json("GET", "v3/hooks/"+itoa(down), nil, &resp)
		return !resp.Data.IsActive
	})
	attempts := rcv.at("/down")
	if len(attempts) != 4 {
		t.Fatalf("%d attempts on a failing hook, want 1 + 3 retries", len(attempts))
	}
	for _, a := range append(attempts, rcv.at("/flaky")...) {
		if string(a.body) != string(attempts[0].body) {
			t.Fatal("a retry changed the payload")
		}
	}
	h.json("POST", "v3/customers/subscribers", map[string]any{"email": "b@example.com"}, nil)
	eventually(t, "the next callback to the working hook", func() bool { return len(rcv.at("/flaky")) == 4 })
	if n := len(rcv.at("/down")); n != 4 {
		t.Fatalf("a deactivated hook got another callback (%d)", n)
	}
}

// Close ends deliveries in flight and cancels pending retries.
func TestCloseStopsDeliveries(t *testing.T) {
	s, err := New(Config{WebhookRetryDelays: []time.Duration{time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	h := &harness{t: t, s: s, srv: srv, http: http.DefaultClient}
	arrived := make(chan struct{}, 10)
	blocking := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so that the server notices when the emulator hangs up
		arrived <- struct{}{}
		<-r.Context().Done() // never answers
	}))
	defer blocking.Close()
	h.hook("store/subscriber/*", blocking.URL, true, nil)
	h.json("POST", "v3/customers/subscribers", map[string]any{"email": "a@example.com"}, nil)
	<-arrived
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a callback that never ends")
	}
	h.json("POST", "v3/customers/subscribers", map[string]any{"email": "b@example.com"}, nil)
	if len(arrived) != 0 {
		t.Fatal("a callback was sent after Close")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
