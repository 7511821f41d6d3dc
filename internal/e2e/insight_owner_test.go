package e2e

import (
	"strconv"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// An order whose billing email changes to another contact's moves to that contact: Dotdigital refuses
// a contact-scoped key that another contact's record has (KeyExistingForDifferentContact), so bcsync
// deletes the record under the old email first, then writes it under the new one.
func TestAnOrderWhoseEmailChangesMovesToTheOtherContact(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	w.sync(id)
	orders, ok := w.dd.Collection("Orders")
	if !ok || len(orders.Records) == 0 {
		t.Fatal("no Orders records after the first sync")
	}
	rec := orders.Records[0]
	orderID, err := strconv.Atoi(rec.Key)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.store().Order(ctx(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var other string
	for _, c := range w.dd.Contacts() {
		if c.ID != rec.ContactID {
			other = c.Email
			break
		}
	}
	addr := o.BillingAddress
	addr.Email = other
	if _, err := w.store().UpdateOrder(ctx(), orderID, bigcommerce.OrderUpdate{BillingAddress: &addr}); err != nil {
		t.Fatal(err)
	}
	run := w.sync(id)
	if st := run.Streams["orders"]; st.Rejected != 0 || st.Sent == 0 {
		t.Fatalf("orders stream: %+v", st)
	}
	orders, _ = w.dd.Collection("Orders")
	owner := mustContact(t, w, other).ID
	for _, r := range orders.Records {
		if r.Key == rec.Key && r.ContactID != owner {
			t.Fatalf("order %s belongs to contact %d, want %d (%s)", rec.Key, r.ContactID, owner, other)
		}
	}
}
