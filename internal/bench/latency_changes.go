package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// changeMix is the order in which the latency benchmark makes its kinds of change, twenty at a time:
// customer edits (6), new subscribers (3), unsubscribes by consent (2), order updates (5), new orders
// (2) and product price changes (2).
var changeMix = []string{"customer", "order", "subscriber", "customer", "product", "order", "unsubscribe", "customer",
	"new-order", "order", "customer", "subscriber", "order", "product", "customer", "unsubscribe", "order", "new-order",
	"customer", "subscriber"}

// changer makes the latency benchmark's changes through the store's API, on records Dotdigital has.
type changer struct {
	c   *bigcommerce.Client
	r   *runner
	dd  *ddemu.Server
	tr  *tracker
	run string

	customers []bigcommerce.Customer
	orders    []int
	status    map[int]int
	products  []int
	// subscribed are subscribers in the subscriber list, to unsubscribe (added to as they arrive).
	mu         sync.Mutex
	subscribed []bigcommerce.Subscriber
	listID     int
	buyers     []string

	// madeAt keeps when each stream's records were changed, for the floors.
	madeAt map[string][]time.Time
}

func newChanger(ctx context.Context, c *bigcommerce.Client, r *runner, dd *ddemu.Server, tr *tracker) (*changer, error) {
	m := &changer{c: c, r: r, dd: dd, tr: tr, status: map[int]int{}, madeAt: map[string][]time.Time{},
		run: strconv.FormatInt(time.Now().Unix()%100000, 10)}
	for page, err := range c.Customers(ctx, bigcommerce.CustomerQuery{}) {
		if err != nil {
			return nil, err
		}
		for _, cu := range page {
			if _, ok := dd.Contact(cu.Email); ok && strings.Contains(cu.Email, "@") {
				m.customers = append(m.customers, cu)
				m.buyers = append(m.buyers, cu.Email)
			}
		}
		break
	}
	for page, err := range c.Orders(ctx, bigcommerce.OrderQuery{}) {
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			if _, ok := dd.Record("Orders", strconv.Itoa(o.ID)); ok {
				m.orders = append(m.orders, o.ID)
				m.status[o.ID] = o.StatusID
			}
		}
		break
	}
	visible := true
	for page, err := range c.Products(ctx, bigcommerce.ProductQuery{Visible: &visible}) {
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			if _, ok := dd.Record("Catalog_Default", strconv.Itoa(p.ID)); ok {
				m.products = append(m.products, p.ID)
			}
		}
		break
	}
	for page, err := range c.Subscribers(ctx, bigcommerce.SubscriberQuery{}) {
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if !slices.Contains(s.Consents, "marketing_newsletter") {
				continue
			}
			if ct, ok := dd.Contact(s.Email); ok && len(ct.Lists) > 0 {
				m.subscribed = append(m.subscribed, s)
			}
		}
		break
	}
	if len(m.customers) == 0 || len(m.orders) == 0 || len(m.products) == 0 || len(m.subscribed) == 0 {
		return nil, fmt.Errorf("the first sync left too little to change: %d customers, %d orders, %d products, %d subscribers in Dotdigital",
			len(m.customers), len(m.orders), len(m.products), len(m.subscribed))
	}
	var ok bool
	if m.listID, ok = dd.ListID("Store subscribers"); !ok {
		return nil, fmt.Errorf("no subscriber list in Dotdigital after the first sync")
	}
	return m, nil
}

// change makes the n-th change.
func (m *changer) change(ctx context.Context, n int) error {
	kind := changeMix[n%len(changeMix)]
	var unsub *bigcommerce.Subscriber
	if kind == "unsubscribe" {
		m.mu.Lock()
		if len(m.subscribed) > 0 {
			unsub = &m.subscribed[0]
			m.subscribed = m.subscribed[1:]
		} else {
			kind = "subscriber"
		}
		m.mu.Unlock()
	}
	switch kind {
	case "customer":
		cu := m.customers[n%len(m.customers)]
		name := fmt.Sprintf("Latency %s-%d", m.run, n)
		if _, err := m.c.UpdateCustomers(ctx, []bigcommerce.CustomerInput{{ID: cu.ID, FirstName: name}}); err != nil {
			return fmt.Errorf("change customer %d: %w", cu.ID, err)
		}
		email := strings.ToLower(cu.Email)
		m.made("customers", &change{key: "contact:" + email, visible: func() bool {
			c, ok := m.dd.Contact(email)
			return ok && c.DataFields["FIRSTNAME"] == name
		}})
	case "subscriber":
		email := fmt.Sprintf("latency-%s-%d@example.com", m.run, n)
		s, err := m.c.CreateSubscriber(ctx, bigcommerce.SubscriberInput{Email: email, FirstName: "New", Consents: []string{"marketing_newsletter"}})
		if err != nil {
			return fmt.Errorf("add subscriber %s: %w", email, err)
		}
		m.made("subscribers", &change{key: "contact:" + email, visible: func() bool {
			c, ok := m.dd.Contact(email)
			if ok && m.inList(c) {
				m.mu.Lock()
				m.subscribed = append(m.subscribed, *s)
				m.mu.Unlock()
				return true
			}
			return false
		}})
	case "unsubscribe":
		s := *unsub
		if _, err := m.c.UpdateSubscriber(ctx, s.ID, bigcommerce.SubscriberInput{Consents: []string{}}); err != nil {
			return fmt.Errorf("unsubscribe subscriber %d: %w", s.ID, err)
		}
		email := strings.ToLower(s.Email)
		m.made("subscribers", &change{key: "contact:" + email, direct: true, visible: func() bool {
			c, ok := m.dd.Contact(email)
			return ok && !m.inList(c)
		}})
	case "order":
		id := m.orders[n%len(m.orders)]
		status := m.status[id]%11 + 1 // 1…11, never the one it has
		if status == m.status[id] {
			status = status%11 + 1
		}
		if _, err := m.c.UpdateOrder(ctx, id, bigcommerce.OrderUpdate{StatusID: &status}); err != nil {
			return fmt.Errorf("change order %d: %w", id, err)
		}
		m.status[id] = status
		m.order(id, func(rec map[string]any) bool { return rec["statusId"] == float64(status) })
	case "new-order":
		email := m.buyers[n%len(m.buyers)]
		o, err := m.c.CreateOrder(ctx, bigcommerce.OrderInput{BillingAddress: bigcommerce.OrderAddress{FirstName: "Latency", LastName: "Buyer",
			Street1: "1 Main Street", City: "Austin", State: "Texas", Zip: "78701", Country: "United States", CountryISO2: "US", Email: email},
			Products: []bigcommerce.OrderProductInput{{ProductID: m.products[n%len(m.products)], Quantity: 1}}})
		if err != nil {
			return fmt.Errorf("add an order: %w", err)
		}
		m.order(o.ID, func(map[string]any) bool { return true })
	case "product":
		id := m.products[n%len(m.products)]
		price := 100 + n%10000
		if err := m.r.put(ctx, fmt.Sprintf("v3/catalog/products/%d", id), map[string]any{"price": price}); err != nil {
			return err
		}
		key := strconv.Itoa(id)
		m.made("products", &change{key: "Catalog_Default:" + key, visible: func() bool {
			rec := m.record("Catalog_Default", key)
			return rec != nil && rec["price"] == float64(price)
		}})
	}
	return nil
}

func (m *changer) order(id int, check func(map[string]any) bool) {
	key := strconv.Itoa(id)
	m.made("orders", &change{key: "Orders:" + key, visible: func() bool {
		rec := m.record("Orders", key)
		return rec != nil && check(rec)
	}})
}

func (m *changer) made(stream string, c *change) {
	c.made = time.Now()
	m.madeAt[stream] = append(m.madeAt[stream], c.made)
	m.tr.add(c)
}

func (m *changer) inList(c ddemu.ContactView) bool {
	return slices.ContainsFunc(c.Lists, func(l ddemu.ListView) bool { return l.ID == m.listID && l.Unsubscribed == nil })
}

func (m *changer) record(collection, key string) map[string]any {
	b, ok := m.dd.Record(collection, key)
	if !ok {
		return nil
	}
	var rec map[string]any
	if json.Unmarshal(b, &rec) != nil {
		return nil
	}
	return rec
}

// idsPerRead is how many ids one read by id:in carries (bcsync keeps its URLs short with 50).
const idsPerRead = 50

// floor is the fewest BigCommerce reads of the changed records: by id:in in batches of 50 per stream,
// orders (which BigCommerce cannot read by id:in) in pages of 250, however long a change waits for its
// batch to fill.
func (m *changer) floor() int64 { return m.floorWithin(math.MaxInt64) }

// floorWithin is the fewest BigCommerce reads of the changed records when none may wait more than
// wait after it was made: each stream's reads, by id:in in batches of 50 (orders in pages of 250),
// each taking every change of its stream made in the wait after the first it takes.
func (m *changer) floorWithin(wait time.Duration) int64 {
	var n int64
	for stream, times := range m.madeAt {
		batch := idsPerRead
		if stream == "orders" {
			batch = bigcommerce.MaxPageSize
		}
		for i := 0; i < len(times); n++ {
			first, j := times[i], i
			for j < len(times) && j-i < batch && times[j].Sub(first) <= wait {
				j++
			}
			i = j
		}
	}
	return n
}
