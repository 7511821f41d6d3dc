package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// change makes Changes changes through the store's API, as shoppers and staff would: customers
// renamed (40%), subscribers renamed (20%), order statuses moved (30%), product prices changed (10%).
func (r *runner) change(ctx context.Context) (changed, error) {
	n := r.opts.Changes
	ch := changed{customers: n * 40 / 100, subscribers: n * 20 / 100, orders: n * 30 / 100}
	ch.products = n - ch.customers - ch.subscribers - ch.orders
	inv := r.bc.Inventory()
	ch.customers, ch.subscribers, ch.orders = min(ch.customers, inv.Customers), min(ch.subscribers, inv.Subscribers), min(ch.orders, inv.Orders)
	ch.products = min(ch.products, inv.Products)
	r.opts.say("changing %d customers, %d subscribers, %d orders and %d products through the API",
		ch.customers, ch.subscribers, ch.orders, ch.products)
	c, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: r.apiPath, AccessToken: r.bc.AccessToken()}})
	if err != nil {
		return ch, err
	}
	// The sync's overlap reads back what changed in the last minutes: start a second after the last read.
	time.Sleep(time.Second)
	var updates []bigcommerce.CustomerInput
	for id := 1; id <= ch.customers; id++ {
		updates = append(updates, bigcommerce.CustomerInput{ID: id, FirstName: fmt.Sprintf("Changed %d", id)})
	}
	if _, err := c.UpdateCustomers(ctx, updates); err != nil {
		return ch, fmt.Errorf("change customers: %w", err)
	}
	for id := 1; id <= ch.subscribers; id++ {
		if _, err := c.UpdateSubscriber(ctx, id, bigcommerce.SubscriberInput{LastName: fmt.Sprintf("Changed %d", id)}); err != nil {
			return ch, fmt.Errorf("change subscriber %d: %w", id, err)
		}
	}
	for id := 1; id <= ch.orders; id++ {
		if r.bc.LongOrder(id) {
			ch.longOrders++
		}
		status := 2 + id%10
		if _, err := c.UpdateOrder(ctx, id, bigcommerce.OrderUpdate{StatusID: &status}); err != nil {
			return ch, fmt.Errorf("change order %d: %w", id, err)
		}
	}
	for id := 1; id <= ch.products; id++ {
		if err := r.put(ctx, fmt.Sprintf("v3/catalog/products/%d", id), map[string]any{"price": 10 + id%50}); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// put sends a write the client has no method for.
func (r *runner) put(ctx context.Context, path string, body any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.apiPath+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", r.bc.AccessToken())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("PUT %s: %s", path, resp.Status)
	}
	return nil
}
