package marketing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// Estimate is what a connection's first sync will read from the store and how long the store's rate
// limit makes it take, known before it starts (four requests: each list's count).
type Estimate struct {
	Subscribers, Customers, Orders, Products int
	// CustomersRead says whether the first sync reads customers (a customer list is chosen).
	CustomersRead bool
	// Requests is how many store requests the first sync's reads take, a page of 250 each;
	// RequestRate how many a second bcsync's share of the store's quota allows (0: not known).
	Requests    int
	RequestRate float64
}

// Duration is how long the store's rate limit alone makes the first sync take (0: not known).
// Dotdigital's imports run beside the reads and seldom add much.
func (x *Estimate) Duration() time.Duration {
	if x.RequestRate <= 0 {
		return 0
	}
	return time.Duration(float64(x.Requests) / x.RequestRate * float64(time.Second)).Round(time.Second)
}

// String says it as the CLI and the UI do.
func (x *Estimate) String() string {
	n := func(v int, what string) string { return fmt.Sprintf("%s %s", thousands(v), what) }
	parts := []string{n(x.Subscribers, "subscribers")}
	if x.CustomersRead {
		parts = append(parts, n(x.Customers, "customers"))
	}
	parts = append(parts, n(x.Orders, "orders"), n(x.Products, "products"))
	s := "The first sync reads " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	if !x.CustomersRead {
		s += fmt.Sprintf(" (and %s customers once a customer list is chosen)", thousands(x.Customers))
	}
	s += fmt.Sprintf(": %s requests to the store", thousands(x.Requests))
	if d := x.Duration(); d > 0 {
		s += fmt.Sprintf(", about %s at the %.1f a second its rate limit leaves bcsync", roundDuration(d), x.RequestRate)
	}
	return s + "."
}

// Estimate counts what the connection's first sync will read: one request per list (v3 lists say
// their size, orders have /count).
func (e *Engine) Estimate(ctx context.Context, c *store.Connection) (*Estimate, error) {
	bc, err := e.shops.Client(shopOf(c), 1)
	if err != nil {
		return nil, err
	}
	x := &Estimate{CustomersRead: c.Settings.CustomerList.ID > 0}
	visible := true
	for _, count := range []struct {
		n  *int
		fn func() (int, error)
	}{
		{&x.Subscribers, func() (int, error) { return bc.CountSubscribers(ctx, bigcommerce.SubscriberQuery{}) }},
		{&x.Customers, func() (int, error) { return bc.CountCustomers(ctx, bigcommerce.CustomerQuery{}) }},
		{&x.Orders, func() (int, error) { return bc.CountOrders(ctx, bigcommerce.OrderQuery{}) }},
		{&x.Products, func() (int, error) { return bc.CountProducts(ctx, bigcommerce.ProductQuery{Visible: &visible}) }},
	} {
		if *count.n, err = count.fn(); err != nil {
			return nil, fmt.Errorf("counting what the first sync reads: %w", err)
		}
	}
	pages := func(n int) int { return max(1, (n+bc.PageSize()-1)/bc.PageSize()) }
	x.Requests = pages(x.Subscribers) + pages(x.Orders) + pages(x.Products)
	if x.Orders > bc.PageSize() {
		x.Requests++ // the orders' count, for progress
	}
	if x.CustomersRead {
		x.Requests += pages(x.Customers)
	}
	x.RequestRate = bc.RequestRate()
	return x, nil
}

// thousands writes n with thousands separators: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// roundDuration says a duration as people do: "40 s", "12 min", "3 h 20 min".
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	}
	d = d.Round(10 * time.Minute)
	if m := int(d.Minutes()) % 60; m > 0 {
		return fmt.Sprintf("%d h %d min", int(d.Hours()), m)
	}
	return fmt.Sprintf("%d h", int(d.Hours()))
}
