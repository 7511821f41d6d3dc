package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// A subscriber whose consent evidence is incomplete (no IP address, and BigCommerce records no browser
// user agent) is still imported into the subscriber list and enrolled in the new-subscriber programme:
// bcsync sends no consent record Dotdigital would refuse, and keeps the evidence it has in the
// CONSENT_* data fields. A subscriber who is also a customer gets the IP its account was registered from.
func TestASubscriberWithIncompleteConsentIsStillImportedAndEnrolled(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--new-subscriber-program", "1001")
	first := w.sync(id)
	if r := first.Streams["subscribers"].Rejected; r != 0 {
		t.Fatalf("the first sync rejected %d subscribers", r)
	}
	list := int(w.show(id).SubscriberList.ID)

	// Every consented store subscriber has its evidence; from before the connection, with the IP the
	// customer account of the same email was registered from (a store's history costs no order reads).
	customers := map[string]bigcommerce.Customer{}
	for _, cu := range all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{})) {
		customers[strings.ToLower(cu.Email)] = cu
	}
	var fromAccounts int
	for _, sub := range allSubscribers(t, w) {
		if !slices.Contains(sub.Consents, "marketing_newsletter") {
			continue
		}
		want := ""
		if cu, ok := customers[strings.ToLower(sub.Email)]; ok {
			want = cu.RegistrationIPAddress
			fromAccounts++
		}
		c := mustContact(t, w, sub.Email)
		if got, _ := c.DataFields["CONSENT_IP"].(string); got != want || c.DataFields["CONSENT_TEXT"] == nil {
			t.Fatalf("consent evidence of %s: IP %q (want %q), text %v", sub.Email, got, want, c.DataFields["CONSENT_TEXT"])
		}
	}
	if fromAccounts == 0 {
		t.Fatal("the generated store has no customer among its consented subscribers")
	}

	time.Sleep(1100 * time.Millisecond) // after install, in whole seconds
	s, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "no.ip@example.org", FirstName: "Ines",
		Consents: []string{"marketing_newsletter"}})
	if err != nil {
		t.Fatal(err)
	}
	// One who subscribed with an order (a guest's): the evidence carries the order's IP.
	orders := all(t, w.store().Orders(ctx(), bigcommerce.OrderQuery{}))
	var withIP *bigcommerce.Order
	for i := range orders {
		if orders[i].IPAddress != "" {
			withIP = &orders[i]
			break
		}
	}
	if withIP == nil {
		t.Fatal("no order with an IP address in the generated store")
	}
	if _, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "at.checkout@example.org", Source: "order",
		OrderID: withIP.ID, Consents: []string{"marketing_newsletter"}}); err != nil {
		t.Fatal(err)
	}
	run := w.sync(id)
	if ip := mustContact(t, w, "at.checkout@example.org").DataFields["CONSENT_IP"]; ip != withIP.IPAddress {
		t.Fatalf("CONSENT_IP of a subscription made with order %d: %v, want %s", withIP.ID, ip, withIP.IPAddress)
	}
	if st := run.Streams["subscribers"]; st.Rejected != 0 || st.Sent == 0 {
		t.Fatalf("subscribers stream: %+v", st)
	}
	c := mustContact(t, w, "no.ip@example.org")
	if c.Status != "Subscribed" || !inList(c, list) {
		t.Fatalf("contact: status %s, in the subscriber list %v", c.Status, inList(c, list))
	}
	if c.Consent != 0 {
		t.Fatalf("%d consent records were stored: bcsync cannot know a user agent, so it must send none", c.Consent)
	}
	text, _ := c.DataFields["CONSENT_TEXT"].(string)
	if !strings.Contains(text, "newsletter") || !strings.Contains(text, "source: custom") {
		t.Fatalf("CONSENT_TEXT %q", text)
	}
	if at, _ := c.DataFields["CONSENT_DATETIME"].(string); !strings.HasPrefix(at, s.DateCreated.UTC().Format("2006-01-02T15:04")) {
		t.Fatalf("CONSENT_DATETIME %q, want the subscription's time %s", at, s.DateCreated)
	}
	if u, _ := c.DataFields["CONSENT_URL"].(string); !strings.HasPrefix(u, "http") {
		t.Fatalf("CONSENT_URL %q", u)
	}
	if ip, ok := c.DataFields["CONSENT_IP"]; ok && ip != nil && ip != "" {
		t.Fatalf("CONSENT_IP %v for a subscriber the store has no IP for", ip)
	}
	if reqs := w.dd.EnrolmentRequests(1001); reqs[c.ID] != 1 {
		t.Fatalf("enrolment requests %v, want one for contact %d", reqs, c.ID)
	}
}
