package marketing

import (
	"testing"
	"time"
)

// The estimate says what the first sync reads and how long the store's quota makes it take, as a
// merchant reads it; without a known quota it says the requests only.
func TestTheFirstSyncEstimateReadsAsASentence(t *testing.T) {
	x := &Estimate{Subscribers: 5000, Customers: 20000, CustomersRead: true, Orders: 30000, Products: 800, Requests: 225, RequestRate: 2.5}
	if d := x.Duration(); d != 90*time.Second {
		t.Fatalf("duration %s", d)
	}
	want := "The first sync reads 5,000 subscribers, 20,000 customers, 30,000 orders and 800 products: 225 requests to the store, about 2 min at the 2.5 a second its rate limit leaves bcsync."
	if got := x.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	x.CustomersRead, x.RequestRate = false, 0
	want = "The first sync reads 5,000 subscribers, 30,000 orders and 800 products (and 20,000 customers once a customer list is chosen): 225 requests to the store."
	if got := x.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := roundDuration(3*time.Hour + 24*time.Minute); got != "3 h 20 min" {
		t.Errorf("3h24m reads %q", got)
	}
}
