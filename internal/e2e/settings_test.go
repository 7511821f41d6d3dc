package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// An account with lists, extra data fields and programmes (Active and Draft), as a real one has.
func withAccount(_ *bcemu.Config, dd *ddemu.Config) {
	dd.Data = ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}
}

func TestTheSameListForSubscribersAndCustomersAndDotdigitalsOwnListsAreRefused(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	out, err := w.try("settings", strconv.FormatInt(id, 10), "--customer-list", "Store subscribers")
	if err == nil || !strings.Contains(out, "cannot sync to the same list") {
		t.Fatalf("same list accepted: %v\n%s", err, out)
	}
	out, err = w.try("settings", strconv.FormatInt(id, 10), "--customer-list", "Customers", "--subscriber-list", "Customers")
	if err == nil || !strings.Contains(out, "cannot sync to the same list") {
		t.Fatalf("same list accepted when both change: %v\n%s", err, out)
	}
	out, err = w.try("settings", strconv.FormatInt(id, 10), "--customer-list", "No such list")
	if err == nil || !strings.Contains(out, `no list named "No such list"`) {
		t.Fatalf("unknown list: %v\n%s", err, out)
	}
	out, err = w.try("settings", strconv.FormatInt(id, 10), "--customer-list", "test")
	if err == nil || !strings.Contains(out, "Dotdigital's own") {
		t.Fatalf("the reserved Test list was accepted: %v\n%s", err, out)
	}
	if c := w.show(id); c.CustomerList != nil || c.SubscriberList.Name != "Store subscribers" {
		t.Fatalf("a refused change was saved: %+v", c)
	}
}

// With a customer list chosen, every customer is a contact in it with the mapped data fields.
func TestCustomersSyncToTheChosenListWithMappedFields(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS", "--map", "accepts_abandoned_cart_emails=VIP")
	c := w.show(id)
	w.sync(id)

	customers := all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))
	for _, cu := range customers {
		contact, ok := w.dd.Contact(cu.Email)
		if !ok || !inList(contact, int(c.CustomerList.ID)) {
			t.Fatalf("customer %s is not in the customer list", cu.Email)
		}
		if got := contact.DataFields["FIRSTNAME"]; cu.FirstName != "" && got != cu.FirstName {
			t.Errorf("%s FIRSTNAME = %v, want %q", cu.Email, got, cu.FirstName)
		}
		if got := contact.DataFields["VIP"]; got != cu.AcceptsProductReviewAbandonedCartEmails {
			t.Errorf("%s VIP = %v, want %v", cu.Email, got, cu.AcceptsProductReviewAbandonedCartEmails)
		}
	}
	// Total spend sums the customer's sales orders exactly.
	orders := all(t, w.store().Orders(ctx(), bigcommerce.OrderQuery{}))
	spend := map[string]float64{}
	for _, o := range orders {
		switch o.StatusID {
		case 0, 4, 5, 6:
			continue
		}
		f, err := strconv.ParseFloat(o.TotalIncTax.String(), 64)
		if err != nil {
			t.Fatalf("order %d total %q: %v", o.ID, o.TotalIncTax, err)
		}
		spend[strings.ToLower(o.BillingAddress.Email)] += f
	}
	checked := 0
	for email, want := range spend {
		contact, ok := w.dd.Contact(email)
		if !ok || !inList(contact, int(c.CustomerList.ID)) {
			continue // a guest
		}
		got, ok := contact.DataFields["LOYALTY_POINTS"].(float64)
		if !ok {
			t.Errorf("%s LOYALTY_POINTS = %#v, want a number", email, contact.DataFields["LOYALTY_POINTS"])
			continue
		}
		if diff := got - want; diff > 0.005 || diff < -0.005 {
			t.Errorf("%s total spend %v, want %v", email, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no customer with orders to check")
	}
}

func TestAMappingToAFieldOfAnotherTypeIsRefused(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	out, err := w.try("settings", strconv.FormatInt(id, 10), "--map", "first_name=LOYALTY_POINTS")
	if err == nil || !strings.Contains(out, "a Numeric field cannot hold String values") {
		t.Fatalf("accepted: %v\n%s", err, out)
	}
	out, err = w.try("settings", strconv.FormatInt(id, 10), "--map", "no_such_field=CITY")
	if err == nil || !strings.Contains(out, "no such BigCommerce field") {
		t.Fatalf("accepted: %v\n%s", err, out)
	}
	if c := w.show(id); c.FieldMapping["first_name"] != "FIRSTNAME" {
		t.Fatalf("a refused mapping changed the mapping: %v", c.FieldMapping)
	}
}

// A changed mapping is backfilled to contacts only; orders and products are not sent again. A removed
// mapping stops that field from syncing.
func TestMappingChangesBackfillContactsOnly(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	w.sync(id)

	w.settings(id, "--map", "shipping_city=CITY", "--unmap", "first_name")
	run := w.sync(id)
	if run.Streams["customers"].Sent == 0 {
		t.Fatalf("the new mapping was not backfilled: %+v", run.Streams["customers"])
	}
	if run.Streams["orders"].Sent != 0 || run.Streams["products"].Sent != 0 || run.Streams["waiting"].Sent != 0 {
		t.Fatalf("orders or products were sent again: %+v", run.Streams)
	}
	customers := all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))
	withCity := 0
	for _, cu := range customers {
		contact := mustContact(t, w, cu.Email)
		if len(cu.Addresses) > 0 && cu.Addresses[0].City != "" && contact.DataFields["CITY"] != nil {
			withCity++
		}
	}
	if withCity == 0 {
		t.Fatal("no contact got CITY")
	}

	// first_name is unmapped: a change to it no longer reaches Dotdigital.
	cu := customers[0]
	before := mustContact(t, w, cu.Email)
	updateCustomers(t, w, bigcommerce.CustomerInput{ID: cu.ID, FirstName: "Renamed"})
	w.sync(id)
	after := mustContact(t, w, cu.Email)
	if after.DataFields["FIRSTNAME"] != before.DataFields["FIRSTNAME"] {
		t.Fatalf("unmapped first name synced: %v → %v", before.DataFields["FIRSTNAME"], after.DataFields["FIRSTNAME"])
	}
}

// Sync now queues one sync; asking again while it is queued or running says so and queues nothing.
func TestSyncNowWhileASyncIsQueuedOrRunning(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect() // queues the first sync; no worker runs yet
	out, err := w.try("sync", strconv.FormatInt(id, 10))
	if err != nil || !strings.Contains(out, "already queued or running") {
		t.Fatalf("second sync: %v\n%s", err, out)
	}
	run := w.sync(id) // attaches to the queued sync and runs it
	if run.TriggeredBy != "install" {
		t.Fatalf("a second run was started: %+v", run)
	}
	var runs []json.RawMessage
	if err := json.Unmarshal([]byte(w.bcsync("runs", strconv.FormatInt(id, 10), "--json")), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
}

// With data sync off nothing syncs, neither on schedule nor on demand, until it is turned on again.
func TestDataSyncOffStopsSyncing(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.settings(id, "--data-sync", "off")
	out, err := w.try("sync", strconv.FormatInt(id, 10), "--wait")
	if err == nil || !strings.Contains(out, "data sync is off") {
		t.Fatalf("sync with data sync off: %v\n%s", err, out)
	}
	worker := w.start("worker", "--schedule-every", "100ms")
	time.Sleep(1500 * time.Millisecond) // several scheduler rounds, and the queued install sync
	if runs := w.bcsync("runs", strconv.FormatInt(id, 10)); strings.Count(runs, "\n") > 1 {
		t.Fatalf("synced while off:\n%s", runs)
	}
	w.settings(id, "--data-sync", "on")
	w.eventually("a sync after turning data sync on", func() bool {
		return strings.Contains(w.bcsync("runs", strconv.FormatInt(id, 10)), "succeeded")
	})
	w.stop(worker)
}

// Removing a connection stops its syncs and deletes its state; Dotdigital is left as it is.
func TestRemoveConnectionLeavesDotdigitalUntouched(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	contacts, orders := w.dd.ContactCount(), w.dd.RecordCount("Orders")
	w.bcsync("sync", strconv.FormatInt(id, 10)) // queued, then removed
	out := w.bcsync("connection", "remove", strconv.FormatInt(id, 10))
	if !strings.Contains(out, "removed") {
		t.Fatalf("remove: %s", out)
	}
	if _, err := w.try("connection", "show", strconv.FormatInt(id, 10)); err == nil {
		t.Fatal("the connection is still there")
	}
	if list := w.bcsync("connection", "list"); strings.Contains(list, "Test shop") {
		t.Fatalf("still listed:\n%s", list)
	}
	worker := w.start("worker", "--schedule-every", "100ms")
	time.Sleep(time.Second)
	w.stop(worker)
	if w.dd.ContactCount() != contacts || w.dd.RecordCount("Orders") != orders {
		t.Fatal("Dotdigital changed after the connection was removed")
	}
}

// start runs bcsync in the background until stop.
func (w *world) start(args ...string) *exec.Cmd {
	w.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(), w.env...)
	if w.dbURL != "" {
		cmd.Env = append(cmd.Env, "BCSYNC_DATABASE_URL="+w.dbURL, "BCSYNC_SECRET_KEY="+strings.Repeat("ab", 32))
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if w.t.Failed() {
			w.t.Logf("bcsync %s:\n%s", strings.Join(args, " "), stderr.String())
		}
	})
	return cmd
}

// stop interrupts a background bcsync and waits for it to end gracefully.
func (w *world) stop(cmd *exec.Cmd) {
	w.t.Helper()
	cmd.Process.Signal(interrupt)
	if err := cmd.Wait(); err != nil {
		w.t.Fatalf("bcsync did not stop cleanly: %v", err)
	}
}

func (w *world) eventually(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var interrupt = os.Interrupt

// `bcsync settings ID` shows what the account offers with the ids, and programmes are chosen by name
// as well as by id; an unknown name is refused naming those there are.
func TestSettingsShowTheAccountsListsAndProgrammesAndTakeNames(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	ids := strconv.FormatInt(id, 10)
	out := w.settings(id)
	if !strings.Contains(out, "Lists of the account:") || !strings.Contains(out, "Store subscribers") ||
		!strings.Contains(out, "Programmes of the account:") || !strings.Contains(out, "1002     New customer welcome") {
		t.Fatalf("bcsync settings %d:\n%s", id, out)
	}
	w.settings(id, "--new-customer-program", "new customer WELCOME", "--abandoned-cart-program", "1003")
	c := w.show(id)
	if c.NewCustomerProgram == nil || c.NewCustomerProgram.ID != 1002 || c.AbandonedCartProgram == nil || c.AbandonedCartProgram.ID != 1003 {
		t.Fatalf("programmes after choosing them: %+v %+v", c.NewCustomerProgram, c.AbandonedCartProgram)
	}
	out, err := w.try("settings", ids, "--new-subscriber-program", "No such programme")
	if err == nil || !strings.Contains(out, `the account has no programme of that name (programmes: "`) {
		t.Fatalf("an unknown programme: %v\n%s", err, out)
	}
	w.settings(id, "--new-customer-program", "none")
	if c := w.show(id); c.NewCustomerProgram != nil {
		t.Fatalf("none left the programme %+v", c.NewCustomerProgram)
	}
}
