package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// change is one thing the demo did to the store (or the account), as the log says it.
type change struct {
	kind string
	text string
	// email and lastName name the person changed, when one is (tests follow them into Dotdigital).
	email    string
	lastName string
}

// changer changes the emulated store through its API, as shoppers and staff would, so that
// date_modified moves and webhooks fire; now and then a contact unsubscribes in Dotdigital.
type changer struct {
	w   *world
	rng *rand.Rand
	log *slog.Logger
	// made counts records the demo created, for unique emails.
	made int
	// awaiting are orders the demo placed that have not shipped yet, oldest first.
	awaiting []int
	step     int
}

// cycle is the order of the changes: every kind comes up within ten changes.
var cycle = []struct {
	kind string
	do   func(*changer, context.Context) (change, error)
}{
	{"customer renamed", (*changer).renameCustomer},
	{"unsubscribed in Dotdigital", (*changer).unsubscribeInDotdigital},
	{"new order", (*changer).newOrder},
	{"new subscriber", (*changer).newSubscriber},
	{"order status", (*changer).moveOrder},
	{"new customer", (*changer).newCustomer},
	{"price change", (*changer).changePrice},
	{"customer renamed", (*changer).renameCustomer},
	{"new order", (*changer).newOrder},
	{"abandoned cart", (*changer).abandonCart},
}

func newChanger(w *world, seed uint64, log *slog.Logger) *changer {
	return &changer{w: w, rng: rand.New(rand.NewPCG(seed, 0xc4a9)), log: log}
}

// run makes a change every interval until ctx ends. A change that fails is logged and skipped.
func (c *changer) run(ctx context.Context, every time.Duration, seen func(change)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ch, err := c.next(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			c.log.Warn("demo change failed", slog.String("change", ch.kind), slog.Any("error", err))
		case ch.text != "":
			c.log.Info("demo change", slog.String("change", ch.text))
			if seen != nil {
				seen(ch)
			}
		}
	}
}

// next makes the next change of the cycle; a kind the store has no records for is skipped.
func (c *changer) next(ctx context.Context) (change, error) {
	for range cycle {
		k := cycle[c.step%len(cycle)]
		c.step++
		ch, err := k.do(c, ctx)
		ch.kind = k.kind
		if err != nil || ch.text != "" {
			return ch, err
		}
	}
	return change{}, nil
}

func (c *changer) counts() (customers, subscribers, orders, products int) {
	inv := c.w.bc.Inventory()
	return inv.Customers, inv.Subscribers, inv.Orders, inv.Products
}

// customer reads a random customer (ids are dense: the demo deletes none).
func (c *changer) customer(ctx context.Context) (*bigcommerce.Customer, error) {
	n, _, _, _ := c.counts()
	if n == 0 {
		return nil, nil
	}
	id := 1 + c.rng.IntN(n)
	found, err := bigcommerce.All(c.w.store.Customers(ctx, bigcommerce.CustomerQuery{IDs: []int{id}}))
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

func (c *changer) renameCustomer(ctx context.Context) (change, error) {
	cu, err := c.customer(ctx)
	if err != nil || cu == nil {
		return change{}, err
	}
	last := cu.LastName
	for last == cu.LastName {
		last = pickOne(c.rng, lastNames)
	}
	res, err := c.w.store.UpdateCustomers(ctx, []bigcommerce.CustomerInput{{ID: cu.ID, LastName: last}})
	if err != nil {
		return change{}, err
	}
	if len(res) > 0 && res[0].Err != nil {
		return change{}, res[0].Err
	}
	return change{text: fmt.Sprintf("customer %d renamed: %s %s → %s %s", cu.ID, cu.FirstName, cu.LastName, cu.FirstName, last),
		email: cu.Email, lastName: last}, nil
}

// person makes up someone new, with an email no generated record has.
func (c *changer) person(tag string) (first, last, email string) {
	c.made++
	f, l := c.rng.IntN(len(firstNames)), c.rng.IntN(len(lastNames))
	email = fmt.Sprintf("%s.%s+%s%d@%s", asciiFirst[f], asciiLast[l], tag, c.made, pickOne(c.rng, domains))
	return firstNames[f], lastNames[l], email
}

func (c *changer) newCustomer(ctx context.Context) (change, error) {
	first, last, email := c.person("new")
	p := pickOne(c.rng, places)
	in := bigcommerce.CustomerInput{Email: email, FirstName: first, LastName: last,
		Addresses: []bigcommerce.AddressInput{{FirstName: first, LastName: last, Address1: fmt.Sprintf("%s %d", p.street, 1+c.rng.IntN(120)),
			City: p.city, PostalCode: p.postcode, CountryCode: p.country}}}
	res, err := c.w.store.CreateCustomers(ctx, []bigcommerce.CustomerInput{in})
	if err != nil {
		return change{}, err
	}
	text := fmt.Sprintf("new customer %d: %s %s <%s>", res[0].Customer.ID, first, last, email)
	if c.rng.IntN(2) == 0 {
		if _, err := c.w.store.CreateSubscriber(ctx, bigcommerce.SubscriberInput{Email: email, FirstName: first, LastName: last,
			Source: "storefront", Consents: []string{bigcommerce.ConsentNewsletter}}); err != nil {
			return change{}, err
		}
		text += ", who subscribed to the newsletter"
	}
	return change{text: text, email: email, lastName: last}, nil
}

func (c *changer) newSubscriber(ctx context.Context) (change, error) {
	first, last, email := c.person("news")
	sub, err := c.w.store.CreateSubscriber(ctx, bigcommerce.SubscriberInput{Email: email, FirstName: first, LastName: last,
		Source: "storefront", Consents: []string{bigcommerce.ConsentNewsletter}})
	if err != nil {
		return change{}, err
	}
	return change{text: fmt.Sprintf("new newsletter subscriber %d: %s %s <%s>", sub.ID, first, last, email), email: email, lastName: last}, nil
}

// Order statuses the demo moves orders through.
const (
	statusShipped             = 2
	statusCancelled           = 5
	statusCompleted           = 10
	statusAwaitingFulfillment = 11
)

func (c *changer) newOrder(ctx context.Context) (change, error) {
	_, _, _, products := c.counts()
	cu, err := c.customer(ctx)
	if err != nil || cu == nil || products == 0 {
		return change{}, err
	}
	addr := bigcommerce.OrderAddress{FirstName: cu.FirstName, LastName: cu.LastName, Email: cu.Email}
	if len(cu.Addresses) > 0 {
		a := cu.Addresses[0]
		addr.Street1, addr.City, addr.State, addr.Zip, addr.Country, addr.CountryISO2 = a.Address1, a.City, a.StateOrProvince, a.PostalCode, a.Country, a.CountryCode
	} else {
		p := pickOne(c.rng, places)
		addr.Street1, addr.City, addr.Zip, addr.CountryISO2 = fmt.Sprintf("%s %d", p.street, 1+c.rng.IntN(120)), p.city, p.postcode, p.country
	}
	var lines []bigcommerce.OrderProductInput
	for range 1 + c.rng.IntN(3) {
		id := 1 + c.rng.IntN(products)
		if slices.ContainsFunc(lines, func(l bigcommerce.OrderProductInput) bool { return l.ProductID == id }) {
			continue
		}
		lines = append(lines, bigcommerce.OrderProductInput{ProductID: id, Quantity: 1 + c.rng.IntN(2)})
	}
	status := statusAwaitingFulfillment
	o, err := c.w.store.CreateOrder(ctx, bigcommerce.OrderInput{CustomerID: cu.ID, StatusID: &status, BillingAddress: addr,
		Products: lines, PaymentMethod: pickOne(c.rng, []string{"Credit Card", "PayPal", "Apple Pay"})})
	if err != nil {
		return change{}, err
	}
	c.awaiting = append(c.awaiting, o.ID)
	items := 0
	for _, l := range lines {
		items += l.Quantity
	}
	return change{text: fmt.Sprintf("new order %d by %s %s: %s, %s %s", o.ID, cu.FirstName, cu.LastName, plural(items, "item"),
		o.TotalIncTax.Fixed(2), o.CurrencyCode), email: cu.Email}, nil
}

// moveOrder ships the oldest order the demo placed, or moves an order of the store's history along.
func (c *changer) moveOrder(ctx context.Context) (change, error) {
	_, _, orders, _ := c.counts()
	var id, status int
	switch {
	case len(c.awaiting) > 0:
		id, status = c.awaiting[0], statusShipped
		c.awaiting = c.awaiting[1:]
	case orders > 0:
		id, status = 1+c.rng.IntN(orders), pickOne(c.rng, []int{statusShipped, statusCompleted, statusCompleted, statusCancelled})
	default:
		return change{}, nil
	}
	before, err := c.w.store.Order(ctx, id)
	if err != nil {
		return change{}, err
	}
	for before.StatusID == status {
		status = pickOne(c.rng, []int{statusShipped, statusCompleted, statusCancelled})
	}
	after, err := c.w.store.UpdateOrder(ctx, id, bigcommerce.OrderUpdate{StatusID: &status})
	if err != nil {
		return change{}, err
	}
	return change{text: fmt.Sprintf("order %d: %s → %s", id, before.Status, after.Status)}, nil
}

func (c *changer) changePrice(ctx context.Context) (change, error) {
	_, _, _, products := c.counts()
	if products == 0 {
		return change{}, nil
	}
	id := 1 + c.rng.IntN(products)
	var got struct {
		Data struct {
			Name  string       `json:"name"`
			Price money.Amount `json:"price"`
		} `json:"data"`
	}
	path := fmt.Sprintf("v3/catalog/products/%d", id)
	if err := c.call(ctx, http.MethodGet, c.w.bc.APIPath(c.w.bcURL)+path, nil, &got); err != nil {
		return change{}, err
	}
	old := got.Data.Price.Minor(2)
	cents := old * int64(100+pickOne(c.rng, []int{-20, -15, -10, 5, 10, 15})) / 100
	cents = max(99, cents-cents%100+99) // prices end in .99
	if cents == old {
		cents += 100
	}
	price := money.FromMinor(cents, 2)
	if err := c.call(ctx, http.MethodPut, c.w.bc.APIPath(c.w.bcURL)+path, map[string]any{"price": price.Number()}, nil); err != nil {
		return change{}, err
	}
	return change{text: fmt.Sprintf("product %d %q: price %s → %s", id, got.Data.Name, got.Data.Price.Fixed(2), price.Fixed(2))}, nil
}

// abandonCart has a customer fill a cart and leave; the emulator then says the cart was abandoned,
// as BigCommerce does after an hour.
func (c *changer) abandonCart(ctx context.Context) (change, error) {
	_, _, _, products := c.counts()
	cu, err := c.customer(ctx)
	if err != nil || cu == nil || products == 0 {
		return change{}, err
	}
	qty := 1 + c.rng.IntN(3)
	var cart struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	body := map[string]any{"customer_id": cu.ID, "line_items": []map[string]any{{"product_id": 1 + c.rng.IntN(products), "quantity": qty}}}
	if err := c.call(ctx, http.MethodPost, c.w.bc.APIPath(c.w.bcURL)+"v3/carts", body, &cart); err != nil {
		return change{}, err
	}
	if err := c.call(ctx, http.MethodPost, c.w.bcURL+"/_emulator/carts/"+cart.Data.ID+"/abandon", nil, nil); err != nil {
		return change{}, err
	}
	return change{text: fmt.Sprintf("%s %s abandoned a cart of %s", cu.FirstName, cu.LastName, plural(qty, "item")), email: cu.Email}, nil
}

// unsubscribeInDotdigital has a subscriber unsubscribe from a campaign email: the next sync writes it
// back to the store.
func (c *changer) unsubscribeInDotdigital(ctx context.Context) (change, error) {
	_, subscribers, _, _ := c.counts()
	for range 5 {
		if subscribers == 0 {
			return change{}, nil
		}
		id := 1 + c.rng.IntN(subscribers)
		found, err := bigcommerce.All(c.w.store.Subscribers(ctx, bigcommerce.SubscriberQuery{IDs: []int{id}}))
		if err != nil {
			return change{}, err
		}
		if len(found) == 0 || !slices.Contains(found[0].Consents, bigcommerce.ConsentNewsletter) {
			continue
		}
		if _, err := c.w.account.Unsubscribe(ctx, found[0].Email); err != nil {
			return change{}, err
		}
		return change{text: fmt.Sprintf("%s unsubscribed in Dotdigital; the next sync writes it back to subscriber %d", found[0].Email, id),
			email: found[0].Email}, nil
	}
	return change{}, nil
}

// call sends a request the clients have no method for (the catalog, carts, the emulator's own).
func (c *changer) call(ctx context.Context, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", c.w.bc.AccessToken())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return errors.Join(fmt.Errorf("%s %s: reading the answer", method, url), err)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func pickOne[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Names of the people the demo makes up, as written and as in an email address.
var (
	firstNames = []string{"Zoë", "José", "Łukasz", "Søren", "Ngozi", "Anna", "Björn", "Aoife", "François", "Mateo", "Yuki", "Priya", "Noah", "Emma", "Kwame", "Elif"}
	asciiFirst = []string{"zoe", "jose", "lukasz", "soren", "ngozi", "anna", "bjorn", "aoife", "francois", "mateo", "yuki", "priya", "noah", "emma", "kwame", "elif"}
	lastNames  = []string{"Müller", "García", "Kowalski", "Øberg", "Okafor", "Schmidt", "O'Brien", "Lefèvre", "Tanaka", "Patel", "Smith", "Haddad", "Fischer", "Nowak", "Silva", "Murphy"}
	asciiLast  = []string{"mueller", "garcia", "kowalski", "oberg", "okafor", "schmidt", "obrien", "lefevre", "tanaka", "patel", "smith", "haddad", "fischer", "nowak", "silva", "murphy"}
	domains    = []string{"example.com", "example.org", "example.net"}
)

type place struct{ street, city, postcode, country string }

var places = []place{
	{"Hauptstraße", "Berlin", "10115", "DE"}, {"Rue de l'Église", "Montréal", "H2Y 1C6", "CA"}, {"High Street", "London", "EC1A 1BB", "GB"},
	{"Calle Mayor", "Madrid", "28013", "ES"}, {"Main Street", "Austin", "78701", "US"}, {"ul. Długa", "Kraków", "30-001", "PL"},
}
