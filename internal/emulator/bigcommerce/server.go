// Package bigcommerce emulates a BigCommerce store's REST API for tests, the demo and benchmarks: the
// endpoints bcsync uses, with the official paths, query semantics, bodies, status codes, error bodies,
// rate-limit headers and webhook deliveries. Its data is generated deterministically from a seed and
// rebuilt on demand, so it starts instantly and stays small at a million records.
package bigcommerce

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/emulator"
)

// Config describes the emulated store. Sizes are the numbers of generated records.
type Config struct {
	StoreHash   string // default "abc123xyz"
	AccessToken string // default "emulator-token"
	ClientID    string // default "emulator-client"
	// Scopes granted to the access token, e.g. "store_v2_customers_read_only". Nil grants every scope.
	Scopes []string
	Seed   uint64

	Customers, Subscribers, Orders, Products int

	Latency   time.Duration
	Faults    string    // e.g. "429=0.02,500=0.05,timeout=0.01,truncate=0.01"
	RateLimit RateLimit // zero: unlimited

	// WebhookRetryDelays is the wait before each retry of a failed delivery; after the last one the hook
	// is deactivated. Default: 1s, 2s, 5s, 10s, 30s, 60s (BigCommerce's own schedule, compressed).
	WebhookRetryDelays []time.Duration
	// WebhookClient posts deliveries; default a client with a 10 s timeout.
	WebhookClient *http.Client

	// Now is the clock; default time.Now. Generated dates lie in the two years before New was called.
	Now    func() time.Time
	Logger *slog.Logger
}

// Server is an emulated store. It is safe for concurrent use.
type Server struct {
	cfg      Config
	credMu   sync.RWMutex // guards cfg.AccessToken, which RotateAccessToken changes
	storeID  int          // the numeric store id of webhook payloads
	anchor   int64        // unix seconds: generated dates end here
	handler  http.Handler
	mux      *http.ServeMux
	stats    *emulator.Stats
	window   *emulator.Window
	limited  bool
	hooksOut *deliverer

	mu          sync.RWMutex
	customers   table
	subscribers table
	orders      table
	products    table
	custOver    map[int]*customer
	subOver     map[int]*subscriber
	orderOver   map[int]*order
	prodOver    map[int]*product
	custEmails  emailIndex
	subEmails   emailIndex
	carts       map[string]*cart
	cartTokens  map[string]string // abandoned-cart token → cart id
	hooks       map[int]*hook
	nextHook    int
	cartCounter int

	attrDefs       []*attributeDef // customer attributes, by id
	nextAttrValue  int             // the last attribute value id given
	attrValueOwner map[int]int     // attribute value id → customer, for values set through the API

	metafields    map[int]*metafield   // customer metafields by id
	mfKeys        map[metafieldKey]int // (customer, namespace, key) → id
	mfCount       map[int]int          // metafields per customer
	nextMetafield int
}

// New builds the store. It generates only the compact index; records are built when served.
func New(cfg Config) (*Server, error) {
	if cfg.StoreHash == "" {
		cfg.StoreHash = "abc123xyz"
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = "emulator-token"
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "emulator-client"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WebhookRetryDelays == nil {
		cfg.WebhookRetryDelays = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute}
	}
	if cfg.WebhookClient == nil {
		cfg.WebhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Customers < 0 || cfg.Subscribers < 0 || cfg.Orders < 0 || cfg.Products < 0 {
		return nil, errors.New("bigcommerce emulator: record counts cannot be negative")
	}
	if strings.ContainsAny(cfg.StoreHash, "/?#") {
		return nil, fmt.Errorf("bigcommerce emulator: store hash %q is not a path segment", cfg.StoreHash)
	}
	faults, err := emulator.ParseFaults(cfg.Faults, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("bigcommerce emulator: %w", err)
	}
	h := fnv.New32a()
	h.Write([]byte(cfg.StoreHash))
	s := &Server{
		cfg:        cfg,
		storeID:    int(1_000_000 + h.Sum32()%9_000_000),
		anchor:     cfg.Now().Unix(),
		stats:      emulator.NewStats(),
		custOver:   map[int]*customer{},
		subOver:    map[int]*subscriber{},
		orderOver:  map[int]*order{},
		prodOver:   map[int]*product{},
		custEmails: emailIndex{},
		subEmails:  emailIndex{},
		carts:      map[string]*cart{},
		cartTokens: map[string]string{},
		hooks:      map[int]*hook{},

		attrValueOwner: map[int]int{},
		metafields:     map[int]*metafield{},
		mfKeys:         map[metafieldKey]int{},
		mfCount:        map[int]int{},
	}
	s.limited = cfg.RateLimit.Quota > 0
	s.window = emulator.NewWindow(cfg.RateLimit.quota(), cfg.RateLimit.window())
	s.hooksOut = newDeliverer(s)
	s.seedTables()
	s.seedAttributes()

	s.mux = http.NewServeMux()
	s.routes()
	api := s.rateLimit(s.mux)
	api = faults.Middleware(api, s.writeStatusError, nil)
	api = emulator.Latency(cfg.Latency, api)
	api = s.stats.Middleware(api, s.mux)

	root := http.NewServeMux()
	root.Handle("/", api)
	root.Handle("/_emulator/stats", s.stats)
	root.HandleFunc("POST /_emulator/carts/{id}/abandon", s.abandonCart)
	s.handler = root
	return s, nil
}

// Handler serves the store's API under /stores/{hash}/ and the emulator's own endpoints under /_emulator/.
func (s *Server) Handler() http.Handler { return s.handler }

// StaffHandler serves the same API outside the store's quota and request counts: the changes
// shoppers and staff make in the storefront and the control panel, which no API quota counts, for
// benchmarks that make changes while an app is measured.
func (s *Server) StaffHandler() http.Handler { return s.mux }

// APIPath is what a store-level API account calls the API path, for a server listening at baseURL.
func (s *Server) APIPath(baseURL string) string {
	return strings.TrimSuffix(baseURL, "/") + "/stores/" + s.cfg.StoreHash + "/"
}

// StoreHash, AccessToken and ClientID are the store's credentials.
func (s *Server) StoreHash() string { return s.cfg.StoreHash }
func (s *Server) AccessToken() string {
	s.credMu.RLock()
	defer s.credMu.RUnlock()
	return s.cfg.AccessToken
}

// RotateAccessToken replaces the API account's token, as a merchant who creates a new API account
// does: the old one is refused (401) from now on.
func (s *Server) RotateAccessToken(token string) {
	s.credMu.Lock()
	s.cfg.AccessToken = token
	s.credMu.Unlock()
}
func (s *Server) ClientID() string { return s.cfg.ClientID }

// Stats reports requests per operation, statuses, injected faults and throttled requests.
func (s *Server) Stats() emulator.Snapshot { return s.stats.Snapshot() }

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() { s.stats.Reset() }

// Close stops webhook deliveries, pending retries included. The handler keeps serving.
func (s *Server) Close() error {
	s.hooksOut.close()
	return nil
}

// now is the store's clock at BigCommerce's one-second resolution.
func (s *Server) now() int64 { return s.cfg.Now().Unix() }

// scope names the OAuth scope an endpoint needs; "" needs none.
type scope string

const (
	scopeCustomers   scope = "store_v2_customers"
	scopeOrders      scope = "store_v2_orders"
	scopeProducts    scope = "store_v2_products"
	scopeCarts       scope = "store_cart"
	scopeInformation scope = "store_v2_information"
	scopeNone        scope = ""
)

// handle registers an API operation under the store's path and guards it: the store hash (404), the
// token (401) and the scope (403), in that order.
func (s *Server) handle(pattern string, sc scope, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" /stores/{store_hash}"+path, func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("store_hash") != s.cfg.StoreHash {
			s.writeError(w, r, http.StatusNotFound, "Store not found", nil)
			return
		}
		if r.Header.Get("X-Auth-Token") != s.AccessToken() {
			s.writeError(w, r, http.StatusUnauthorized, unauthorizedTitle, nil)
			return
		}
		if !s.granted(sc, r.Method) {
			s.writeError(w, r, http.StatusForbidden, "You don't have a required scope to access the endpoint", nil)
			return
		}
		h(w, r)
	})
}

const unauthorizedTitle = "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store."

func (s *Server) granted(sc scope, method string) bool {
	if sc == scopeNone || s.cfg.Scopes == nil {
		return true
	}
	for _, g := range s.cfg.Scopes {
		if g == string(sc) || (method == http.MethodGet && g == string(sc)+"_read_only") {
			return true
		}
	}
	return false
}

func (s *Server) routes() {
	s.handle("GET /v2/store", scopeInformation, s.getStore)
	s.handle("GET /v2/time", scopeInformation, s.getTime)

	s.handle("GET /v3/customers", scopeCustomers, s.listCustomers)
	s.handle("POST /v3/customers", scopeCustomers, s.createCustomers)
	s.handle("PUT /v3/customers", scopeCustomers, s.updateCustomers)
	s.handle("DELETE /v3/customers", scopeCustomers, s.deleteCustomers)

	s.handle("GET /v3/customers/attributes", scopeCustomers, s.listAttributes)
	s.handle("POST /v3/customers/attributes", scopeCustomers, s.createAttributes)
	s.handle("GET /v3/customers/attribute-values", scopeCustomers, s.listAttributeValues)
	s.handle("PUT /v3/customers/attribute-values", scopeCustomers, s.upsertAttributeValues)
	s.handle("DELETE /v3/customers/attribute-values", scopeCustomers, s.deleteAttributeValues)
	s.handle("GET /v3/customers/form-field-values", scopeCustomers, s.listFormFieldValues)
	s.handle("PUT /v3/customers/form-field-values", scopeCustomers, s.upsertFormFieldValues)
	// /v3/customers/{customerId}/metafields[/{metafieldId}] would clash with /v3/customers/subscribers/{id}
	// in a ServeMux (neither pattern is more specific), so one pattern takes the customers'
	// sub-resources and customerPart dispatches them.
	for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
		s.handle(method+" /v3/customers/{customerId}/{part...}", scopeCustomers, s.customerPart)
	}
	s.handle("GET /v3/customers/metafields", scopeCustomers, s.listAllCustomerMetafields)
	s.handle("POST /v3/customers/metafields", scopeCustomers, s.createCustomerMetafields)
	s.handle("PUT /v3/customers/metafields", scopeCustomers, s.updateCustomerMetafields)
	s.handle("DELETE /v3/customers/metafields", scopeCustomers, s.deleteCustomerMetafields)

	s.handle("GET /v3/customers/subscribers", scopeCustomers, s.listSubscribers)
	s.handle("POST /v3/customers/subscribers", scopeCustomers, s.createSubscriber)
	s.handle("DELETE /v3/customers/subscribers", scopeCustomers, s.deleteSubscribers)
	s.handle("GET /v3/customers/subscribers/{id}", scopeCustomers, s.getSubscriber)
	s.handle("PUT /v3/customers/subscribers/{id}", scopeCustomers, s.updateSubscriber)
	s.handle("DELETE /v3/customers/subscribers/{id}", scopeCustomers, s.deleteSubscriber)

	s.handle("GET /v2/orders", scopeOrders, s.listOrders)
	s.handle("POST /v2/orders", scopeOrders, s.createOrder)
	s.handle("DELETE /v2/orders", scopeOrders, s.archiveAllOrders)
	s.handle("GET /v2/orders/count", scopeOrders, s.countOrders)
	s.handle("GET /v2/orders/{id}", scopeOrders, s.getOrder)
	s.handle("PUT /v2/orders/{id}", scopeOrders, s.updateOrder)
	s.handle("DELETE /v2/orders/{id}", scopeOrders, s.archiveOrder)
	s.handle("GET /v2/orders/{id}/products", scopeOrders, listOrderPart(s, func(o *order) []orderProduct { return o.items }))
	s.handle("GET /v2/orders/{id}/coupons", scopeOrders, listOrderPart(s, func(o *order) []orderCoupon { return o.coupons }))
	s.handle("GET /v2/order_statuses", scopeOrders, s.listOrderStatuses)

	s.handle("GET /v3/catalog/products", scopeProducts, s.listProducts)
	s.handle("POST /v3/catalog/products", scopeProducts, s.createProduct)
	s.handle("GET /v3/catalog/products/{id}", scopeProducts, s.getProduct)
	s.handle("PUT /v3/catalog/products/{id}", scopeProducts, s.updateProduct)
	s.handle("DELETE /v3/catalog/products/{id}", scopeProducts, s.deleteProduct)

	s.handle("POST /v3/carts", scopeCarts, s.createCart)
	s.handle("GET /v3/carts/{id}", scopeCarts, s.getCart)
	s.handle("DELETE /v3/carts/{id}", scopeCarts, s.deleteCart)
	s.handle("GET /v3/abandoned-carts/{token}", scopeInformation, s.getAbandonedCart)

	s.handle("GET /v3/hooks", scopeNone, s.listHooks)
	s.handle("POST /v3/hooks", scopeNone, s.createHook)
	s.handle("GET /v3/hooks/{id}", scopeNone, s.getHook)
	s.handle("PUT /v3/hooks/{id}", scopeNone, s.updateHook)
	s.handle("DELETE /v3/hooks/{id}", scopeNone, s.deleteHook)

	// Anything else under a store answers like BigCommerce does for an unknown resource.
	s.mux.HandleFunc("/stores/{store_hash}/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
	})
}

// seedTables builds the compact indexes of the generated records.
func (s *Server) seedTables() {
	c := s.cfg
	s.customers.seed(c.Customers, s.spread(streamCustomerDates, c.Customers))
	s.subscribers.seed(c.Subscribers, s.spread(streamSubscriberDates, c.Subscribers))
	s.orders.seed(c.Orders, s.spread(streamOrderDates, c.Orders))
	s.products.seed(c.Products, s.spread(streamProductDates, c.Products))
	for id := 1; id <= c.Customers; id++ {
		s.custEmails.add(s.genCustomerEmail(id), id)
	}
	for id := 1; id <= c.Subscribers; id++ {
		s.subEmails.add(s.genSubscriberPerson(id).email, id)
	}
}

// spread gives n records creation dates over the two years before the anchor, in id order, and
// modification dates between creation and the anchor. About one record in eight shares its times with
// the previous one, so several records change in the same second, as they do in a real store.
func (s *Server) spread(st stream, n int) func(id int) (created, mod int64) {
	const span = 2 * 365 * 24 * 3600
	end := s.anchor - 60
	start := end - span
	var prevC, prevM int64
	return func(id int) (int64, int64) {
		r := newRNG(s.cfg.Seed, st, id)
		if id > 1 && r.chance(12) {
			return prevC, prevM
		}
		step := int64(span / max(n, 1))
		c := start + int64(id-1)*step + int64(r.intn(int(step)+1))
		m := c
		if !r.chance(40) && end > c {
			m = c + int64(r.intn(int(end-c)+1))
		}
		prevC, prevM = min(c, end), min(m, end)
		return prevC, prevM
	}
}

// emailIndex finds records by email, ignoring case. It keys on a 64-bit hash so that a million
// generated addresses cost a few megabytes, not a string each; the chance of two addresses sharing a
// hash in a store of that size is about 1 in 10^7, acceptable for an emulator.
type emailIndex map[uint64]int

// emailKey is the FNV-1a hash of the trimmed, lower-cased address, computed without allocating.
func emailKey(email string) uint64 {
	email = strings.TrimSpace(email)
	for i := 0; i < len(email); i++ {
		if email[i] >= utf8.RuneSelf {
			email = strings.ToLower(email)
			break
		}
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(email); i++ {
		c := email[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (x emailIndex) add(email string, id int) { x[emailKey(email)] = id }
func (x emailIndex) remove(email string, id int) {
	if k := emailKey(email); x[k] == id {
		delete(x, k)
	}
}
func (x emailIndex) find(email string) (int, bool) { id, ok := x[emailKey(email)]; return id, ok }

// ListenAndServe serves the store on addr until ctx ends, then shuts down gracefully and stops webhook
// deliveries. ready, when not nil, gets the base URL (e.g. http://127.0.0.1:8081) once it listens.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(baseURL string)) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bigcommerce emulator: %w", err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready("http://" + l.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		s.Close()
		return fmt.Errorf("bigcommerce emulator: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	s.Close()
	if err != nil {
		return fmt.Errorf("bigcommerce emulator: shutdown: %w", err)
	}
	return nil
}
