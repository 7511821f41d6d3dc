package e2e

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// consentedSubscriber returns a subscriber with newsletter consent that is also a customer.
func consentedSubscriber(t *testing.T, w *world, alsoCustomer bool) (bigcommerce.Subscriber, *bigcommerce.Customer) {
	t.Helper()
	all := all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))
	byEmail := map[string]*bigcommerce.Customer{}
	for i := range all {
		byEmail[strings.ToLower(all[i].Email)] = &all[i]
	}
	for _, s := range allSubscribers(t, w) {
		c := byEmail[strings.ToLower(s.Email)]
		if slices.Contains(s.Consents, "marketing_newsletter") && (c != nil) == alsoCustomer {
			return s, c
		}
	}
	t.Fatalf("no consented subscriber (customer: %v) in the generated store", alsoCustomer)
	return bigcommerce.Subscriber{}, nil
}

func allSubscribers(t *testing.T, w *world) []bigcommerce.Subscriber {
	return all(t, w.store().Subscribers(ctx(), bigcommerce.SubscriberQuery{}))
}

// An unsubscribe in Dotdigital reaches the store at the next sync: the subscriber's consents are emptied
// and the customer's "accepts abandoned cart emails" cleared; the contact leaves the subscriber list and
// stays unsubscribed; a later sync never subscribes it again, even after the store subscribes it again.
func TestUnsubscribesAreWrittenBackAndNeverUndone(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	sub, cust := consentedSubscriber(t, w, true)
	no := true
	updateCustomers(t, w, bigcommerce.CustomerInput{ID: cust.ID, AcceptsProductReviewAbandonedCartEmails: &no})
	list := int(w.show(id).SubscriberList.ID)

	w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": sub.Email})
	run := w.sync(id)
	if run.Streams["unsubscribes"].Sent == 0 {
		t.Fatalf("nothing written back: %+v", run.Streams["unsubscribes"])
	}
	got := subscriber(t, w, sub.ID)
	if len(got.Consents) != 0 {
		t.Fatalf("store consents after the unsubscribe: %v", got.Consents)
	}
	if mustCustomer(t, w, sub.Email).AcceptsProductReviewAbandonedCartEmails {
		t.Fatal("the customer still accepts abandoned cart emails")
	}
	contact := mustContact(t, w, sub.Email)
	if contact.Status != "Unsubscribed" || inList(contact, list) {
		t.Fatalf("contact after the sync: status %s, in list %v", contact.Status, inList(contact, list))
	}

	// The store subscribes the person again: Dotdigital keeps them unsubscribed (only they can undo it).
	updateSubscriber(t, w, sub.ID, bigcommerce.SubscriberInput{Consents: []string{"marketing_newsletter"}})
	w.sync(id)
	w.sync(id)
	if contact := mustContact(t, w, sub.Email); contact.Status != "Unsubscribed" {
		t.Fatalf("a later sync re-subscribed the contact: %s", contact.Status)
	}
	if got := subscriber(t, w, sub.ID); !slices.Contains(got.Consents, "marketing_newsletter") {
		t.Fatal("the unsubscribe was written back twice, undoing the store's own re-subscription")
	}
}

// When the store subscribed an email again after the date it left Dotdigital, the store wins.
func TestAStoreResubscriptionAfterTheUnsubscribeIsKept(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	sub, _ := consentedSubscriber(t, w, false)
	w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": sub.Email})
	time.Sleep(1100 * time.Millisecond) // BigCommerce dates have whole seconds
	updateSubscriber(t, w, sub.ID, bigcommerce.SubscriberInput{Consents: []string{}})
	updateSubscriber(t, w, sub.ID, bigcommerce.SubscriberInput{Consents: []string{"marketing_newsletter"}})
	w.sync(id)
	if got := subscriber(t, w, sub.ID); !slices.Contains(got.Consents, "marketing_newsletter") {
		t.Fatalf("the store's later subscription was undone: %v", got.Consents)
	}
}

// Unsubscribes of people the store does not have create nothing in the store.
func TestUnsubscribesOfUnknownEmailsCreateNothing(t *testing.T) {
	w := newWorld(t, small, func(_ *bcemuConfig, dd *ddemuConfig) { dd.Data.Contacts, dd.Data.Lists = 30, 2 })
	id := w.connect()
	w.sync(id)
	for _, c := range w.dd.Contacts()[:5] {
		w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": c.Email})
	}
	before := len(allSubscribers(t, w))
	customers := len(all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{})))
	w.sync(id)
	if len(allSubscribers(t, w)) != before || len(all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))) != customers {
		t.Fatal("writing unsubscribes back created store records")
	}
}

func subscriber(t *testing.T, w *world, id int) bigcommerce.Subscriber {
	t.Helper()
	got := all(t, w.store().Subscribers(ctx(), bigcommerce.SubscriberQuery{IDs: []int{id}}))
	if len(got) != 1 {
		t.Fatalf("subscriber %d: %d found", id, len(got))
	}
	return got[0]
}

// Consent withdrawn in the store takes the contact out of the subscriber list, without unsubscribing it.
func TestWithdrawnConsentLeavesTheListOnly(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	list := int(w.show(id).SubscriberList.ID)
	sub, _ := consentedSubscriber(t, w, false)
	updateSubscriber(t, w, sub.ID, bigcommerce.SubscriberInput{Consents: []string{}})
	w.sync(id)
	contact, ok := w.dd.Contact(sub.Email)
	if !ok || inList(contact, list) || contact.Status != "Subscribed" {
		t.Fatalf("contact: %+v", contact)
	}
}

// Deleting a customer in the store never deletes anything in Dotdigital.
func TestDeletingACustomerKeepsTheContact(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	w.sync(id)
	cust := all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))[0]
	if err := w.store().DeleteCustomers(ctx(), []int{cust.ID}); err != nil {
		t.Fatal(err)
	}
	contacts := w.dd.ContactCount()
	w.sync(id)
	if _, ok := w.dd.Contact(cust.Email); !ok || w.dd.ContactCount() != contacts {
		t.Fatal("a store deletion deleted a contact")
	}
}

// New subscribers and new customers (first seen after install) are enrolled once in the chosen programmes.
func TestNewContactsAreEnrolledOnce(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers", "--new-subscriber-program", "1001", "--new-customer-program", "1002")
	w.sync(id)
	if n := len(w.dd.EnrolmentRequests(1001)) + len(w.dd.EnrolmentRequests(1002)); n != 0 {
		t.Fatalf("%d existing contacts were enrolled", n)
	}

	time.Sleep(1100 * time.Millisecond) // after install, in whole seconds
	s, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "new.reader@example.org", FirstName: "Nora",
		Consents: []string{"marketing_newsletter"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.store().CreateCustomers(ctx(), []bigcommerce.CustomerInput{{Email: "new.buyer@example.org", FirstName: "Bo", LastName: "Ng"}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create customer: %v %+v", err, res)
	}
	w.sync(id)
	// Changed again: synced again, never enrolled again.
	updateSubscriber(t, w, s.ID, bigcommerce.SubscriberInput{FirstName: "Nora B."})
	updateCustomers(t, w, bigcommerce.CustomerInput{ID: res[0].Customer.ID, FirstName: "Bob"})
	w.sync(id)

	for program, email := range map[int]string{1001: "new.reader@example.org", 1002: "new.buyer@example.org"} {
		contact, ok := w.dd.Contact(email)
		if !ok {
			t.Fatalf("%s is not a contact", email)
		}
		reqs := w.dd.EnrolmentRequests(program)
		if len(reqs) != 1 || reqs[contact.ID] != 1 {
			t.Fatalf("programme %d enrolment requests %v, want one for contact %d", program, reqs, contact.ID)
		}
		if !slices.Contains(w.dd.Enrolled(program), contact.ID) {
			t.Fatalf("%s is not enrolled in %d", email, program)
		}
	}
}

// An order of someone who is not a contact waits, and reaches Dotdigital once the contact exists.
func TestOrdersWaitForTheirContact(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	o, err := w.store().CreateOrder(ctx(), bigcommerce.OrderInput{
		BillingAddress: bigcommerce.OrderAddress{FirstName: "Gus", LastName: "Guest", Street1: "1 Rue", City: "Lyon", Zip: "69001",
			Country: "France", CountryISO2: "FR", Email: "gus.guest@example.net"},
		Products: []bigcommerce.OrderProductInput{{Name: "Mug", Quantity: 2, PriceExTax: ptrAmount("10"), PriceIncTax: ptrAmount("12")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := strconv.Itoa(o.ID)
	w.sync(id)
	if slices.Contains(recordKeys(t, w, "Orders"), key) {
		t.Fatal("an order was sent before its contact existed")
	}
	if _, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "Gus.Guest@example.net", Consents: []string{"marketing_newsletter"}}); err != nil {
		t.Fatal(err)
	}
	w.sync(id)
	if !slices.Contains(recordKeys(t, w, "Orders"), key) {
		t.Fatal("the waiting order was not sent once its contact existed")
	}
}

// Products hidden since the last sync leave the catalogue at the next sync; deleted ones when the
// catalogue is next checked against the store.
func TestHiddenAndDeletedProductsLeaveTheCatalogue(t *testing.T) {
	w := newWorld(t, small)
	w.env = append(w.env, "BCSYNC_RECONCILE_EVERY=1s")
	id := w.connect()
	w.sync(id)
	keys := recordKeys(t, w, "Catalog_Default")
	if len(keys) < 3 {
		t.Fatalf("catalogue %v", keys)
	}
	hidden, deleted := keys[0], keys[1]
	w.bcDo("PUT", "v3/catalog/products/"+hidden, map[string]any{"is_visible": false})
	w.bcDo("DELETE", "v3/catalog/products/"+deleted, nil)
	time.Sleep(1100 * time.Millisecond)
	w.sync(id)
	got := recordKeys(t, w, "Catalog_Default")
	if slices.Contains(got, hidden) || slices.Contains(got, deleted) || len(got) != len(keys)-2 {
		t.Fatalf("catalogue after hiding %s and deleting %s: %v", hidden, deleted, got)
	}
	// Visible again: back in the catalogue.
	w.bcDo("PUT", "v3/catalog/products/"+hidden, map[string]any{"is_visible": true})
	w.sync(id)
	if !slices.Contains(recordKeys(t, w, "Catalog_Default"), hidden) {
		t.Fatal("a product shown again did not come back")
	}
}

// Emails are compared ignoring case, and a customer whose email changes keeps one contact.
func TestEmailCaseAndEmailChangeKeepOneContact(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	w.sync(id)
	sub, cust := consentedSubscriber(t, w, true)
	contacts := w.dd.ContactCount()
	// The same person in upper case in one record: still one contact.
	updateSubscriber(t, w, sub.ID, bigcommerce.SubscriberInput{Email: strings.ToUpper(sub.Email)})
	w.sync(id)
	if w.dd.ContactCount() != contacts {
		t.Fatalf("a change of case made a contact: %d → %d", contacts, w.dd.ContactCount())
	}

	// A new email: the contact (and its order history) moves to it.
	before := mustContact(t, w, cust.Email)
	newEmail := "moved." + strings.ToLower(cust.Email)
	if res, err := w.store().UpdateCustomers(ctx(), []bigcommerce.CustomerInput{{ID: cust.ID, Email: newEmail}}); err != nil || res[0].Err != nil {
		t.Fatalf("update: %v %+v", err, res)
	}
	w.sync(id)
	after, ok := w.dd.Contact(newEmail)
	if !ok || after.ID != before.ID {
		t.Fatalf("contact after the email change: %+v (was id %d)", after, before.ID)
	}
	if _, old := w.dd.Contact(cust.Email); old {
		t.Fatal("the old email is still a contact: two contacts for one person")
	}
	if w.dd.ContactCount() != contacts {
		t.Fatalf("contacts %d → %d", contacts, w.dd.ContactCount())
	}
}
