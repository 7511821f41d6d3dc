package e2e

import (
	"slices"
	"strconv"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// Connecting a store sets up what the seeds describe and syncs at once: subscribers into "Store
// subscribers" (created), customers not synced, the default mapping, orders and visible products into
// Insight.
func TestInstallSetsDefaultsAndRunsTheFirstSync(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()

	c := w.show(id)
	if !c.DataSync || c.SubscriberList.Name != "Store subscribers" || c.CustomerList != nil || c.IntervalS != 300 {
		t.Fatalf("defaults: %+v", c)
	}
	for src, field := range map[string]string{"first_name": "FIRSTNAME", "last_name": "LASTNAME", "full_name": "FULLNAME", "shipping_postcode": "POSTCODE"} {
		if c.FieldMapping[src] != field {
			t.Errorf("default mapping %s → %q, want %s", src, c.FieldMapping[src], field)
		}
	}

	run := w.sync(id) // the install sync, queued by connection add
	if run.TriggeredBy != "install" || run.Status != "succeeded" {
		t.Fatalf("first run: %+v", run)
	}
	if run.Streams["customers"].State != "skipped" {
		t.Fatalf("customers synced without a customer list: %+v", run.Streams["customers"])
	}

	// Every subscriber with newsletter consent is a subscribed contact in the list, with its consent
	// evidence in data fields (no consent record: the store has no user agent to complete one).
	store := w.store()
	subs := all(t, store.Subscribers(ctx(), bigcommerce.SubscriberQuery{}))
	listID := int(c.SubscriberList.ID)
	consented := 0
	for _, s := range subs {
		contact, ok := w.dd.Contact(s.Email)
		in := ok && slices.ContainsFunc(contact.Lists, func(l ddList) bool { return l.ID == listID })
		if slices.Contains(s.Consents, "marketing_newsletter") {
			consented++
			if !in || contact.DataFields["CONSENT_TEXT"] == nil || contact.DataFields["CONSENT_DATETIME"] == nil || contact.Consent != 0 {
				t.Errorf("subscriber %s: in list %v, consent evidence %v %v, consent records %d", s.Email, in,
					contact.DataFields["CONSENT_TEXT"], contact.DataFields["CONSENT_DATETIME"], contact.Consent)
			}
		} else if in {
			t.Errorf("subscriber %s without consent is in the list", s.Email)
		}
	}
	if consented == 0 || run.Streams["subscribers"].Sent != int64(consented) {
		t.Fatalf("%d consented subscribers, %d sent", consented, run.Streams["subscribers"].Sent)
	}

	// Visible products are the catalogue.
	products := all(t, store.Products(ctx(), bigcommerce.ProductQuery{}))
	var visible []string
	for _, p := range products {
		if p.IsVisible {
			visible = append(visible, strconv.Itoa(p.ID))
		}
	}
	if got := recordKeys(t, w, "Catalog_Default"); !slices.Equal(got, sorted(visible)) {
		t.Fatalf("catalogue keys %v, want %v", got, sorted(visible))
	}

	// Orders of contacts are in their Insight collection; the others wait.
	orders := all(t, store.Orders(ctx(), bigcommerce.OrderQuery{}))
	var ofContacts []string
	for _, o := range orders {
		if _, ok := w.dd.Contact(o.BillingAddress.Email); ok {
			ofContacts = append(ofContacts, strconv.Itoa(o.ID))
		}
	}
	if len(ofContacts) == 0 {
		t.Fatal("the generated store has no order of a subscriber")
	}
	if got := recordKeys(t, w, "Orders"); !slices.Equal(got, sorted(ofContacts)) {
		t.Fatalf("order records %v, want %v", got, sorted(ofContacts))
	}
}
