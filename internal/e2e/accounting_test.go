package e2e

import (
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/resource"
)

// demoSized is the store `bcsync demo` makes.
var demoSized = sizes{customers: 3000, subscribers: 600, orders: 4000, products: 300}

// accountingWorld is a demo-sized store synced with customers in a list and an order figure mapped, so
// that every stream runs.
func accountingWorld(t *testing.T) (*world, int64) {
	w := newWorld(t, demoSized, func(_ *bcemu.Config, dd *ddemu.Config) { dd.Data = ddemu.DataSizes{Lists: 3, DataFields: 4} })
	id := w.connect()
	w.settings(id, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS")
	return w, id
}

// accountedFor checks that every record each stream of a run read is accounted for: read = sent +
// unchanged + rejected + still rejected + waiting + skipped, with a reason for every record waiting or
// skipped.
func accountedFor(t *testing.T, run resource.Run) {
	t.Helper()
	for name, s := range run.Streams {
		if s.State != "done" && s.State != "skipped" {
			t.Errorf("%s: %s", name, s.State)
		}
		if sum := s.Sent + s.Unchanged + s.Rejected + s.StillRejected + s.Waiting + s.Skipped; s.Read != sum {
			t.Errorf("%s: read %d, but sent %d + unchanged %d + rejected %d + still rejected %d + waiting %d + skipped %d = %d",
				name, s.Read, s.Sent, s.Unchanged, s.Rejected, s.StillRejected, s.Waiting, s.Skipped, sum)
		}
		var reasoned int64
		for why, n := range s.Reasons {
			if !strings.HasPrefix(why, "waiting: ") && !strings.HasPrefix(why, "skipped: ") {
				t.Errorf("%s: reason %q is neither waiting nor skipped", name, why)
			}
			reasoned += n
		}
		if reasoned != s.Waiting+s.Skipped {
			t.Errorf("%s: %d waiting and %d skipped, reasons for %d: %v", name, s.Waiting, s.Skipped, reasoned, s.Reasons)
		}
	}
}

// Orders of emails that are not contacts are read, and wait: they are counted as waiting, with why.
func TestOrdersOfEmailsNotYetContactsAreCountedAsWaiting(t *testing.T) {
	w, id := accountingWorld(t)
	run := w.sync(id)
	accountedFor(t, run)
	orders := run.Streams["orders"]
	if orders.Read != int64(demoSized.orders) || orders.Waiting == 0 || orders.Sent == 0 {
		t.Fatalf("orders: %+v", orders)
	}
	if n := orders.Reasons["waiting: the order's email is not a contact yet"]; n != orders.Waiting {
		t.Errorf("orders waiting %d, for a contact %d: %v", orders.Waiting, n, orders.Reasons)
	}
	// The next sync tries them again in the waiting stream: still waiting, still counted.
	again := w.sync(id)
	accountedFor(t, again)
	if wt := again.Streams["waiting"]; wt.Read != 0 && wt.Waiting == 0 {
		t.Errorf("orders tried again vanish from the counts: %+v", wt)
	}
}

// A subscriber without consent, never in the list, is read and skipped, with why; hidden products too.
func TestRecordsWithNothingToSendAreCountedAsSkipped(t *testing.T) {
	w, id := accountingWorld(t)
	run := w.sync(id)
	accountedFor(t, run)
	subs := run.Streams["subscribers"]
	if subs.Read != int64(demoSized.subscribers) || subs.Skipped == 0 || subs.Unchanged != 0 {
		t.Fatalf("subscribers of a first sync: %+v", subs)
	}
	if subs.Reasons["skipped: no newsletter consent"] != subs.Skipped {
		t.Errorf("subscribers skipped %d: %v", subs.Skipped, subs.Reasons)
	}
	figures := run.Streams["order_figures"]
	if figures.Total == nil || *figures.Total != figures.Read || figures.Sent == 0 {
		t.Errorf("order figures: %+v", figures)
	}
}

// A second sync of an unchanged store reads the overlap again and leaves it unchanged: it adds up too.
func TestASecondSyncCountsWhatItReadAgainAsUnchanged(t *testing.T) {
	w, id := accountingWorld(t)
	w.sync(id)
	run := w.sync(id)
	accountedFor(t, run)
	for _, s := range []string{"customers", "subscribers", "products"} {
		if st := run.Streams[s]; st.Sent != 0 || st.Rejected != 0 {
			t.Errorf("%s: an unchanged store sent or rejected records: %+v", s, st)
		}
	}
}

// The unsubscribes stream counts each email once, however many store records it changes: it never
// shows more sent and unchanged than it read.
func TestUnsubscribesNeverCountMoreThanTheyRead(t *testing.T) {
	w, id := accountingWorld(t)
	w.sync(id)
	var emails []string
	for _, s := range allSubscribers(t, w) {
		if len(s.Consents) > 0 && len(emails) < 5 {
			emails = append(emails, s.Email)
		}
	}
	// One of them is a customer who accepts abandoned cart emails too: two store records for one email.
	yes := true
	c := mustCustomer(t, w, emails[0])
	updateCustomers(t, w, bigcommerce.CustomerInput{ID: c.ID, AcceptsProductReviewAbandonedCartEmails: &yes})
	for _, e := range emails {
		w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": e})
	}
	run := w.sync(id)
	accountedFor(t, run)
	un := run.Streams["unsubscribes"]
	if un.Read < int64(len(emails)) || un.Sent < int64(len(emails)) || un.Sent+un.Unchanged > un.Read {
		t.Fatalf("unsubscribes: %+v", un)
	}
}
