package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/resource"
)

// A burst of 500 order updates in two seconds is read in a handful of reads of the orders modified
// since the first of them (BigCommerce cannot read orders by id:in), without reading any other stream,
// and reaches Dotdigital in one import of the Orders collection.
func TestABurstOfFiveHundredOrderUpdatesCostsAHandfulOfReadsAndOneImport(t *testing.T) {
	w := newWorld(t, sizes{customers: 60, subscribers: 40, orders: 2400, products: 25}, withAccount)
	serve, _ := w.serveWithWebhooks("--change-window", "15s")
	defer w.stop(serve)
	id := w.connect()
	w.firstSync(id)
	keys := recordKeys(t, w, "Orders")
	if len(keys) < 500 {
		t.Fatalf("only %d orders in Dotdigital after the first sync", len(keys))
	}
	keys = keys[:500]
	want := map[string]float64{}
	for _, k := range keys {
		b, _ := w.dd.Record("Orders", k)
		var rec struct {
			StatusID float64 `json:"statusId"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		want[k] = 10 // Completed, or Shipped for those that are Completed already
		if rec.StatusID == 10 {
			want[k] = 2
		}
	}
	time.Sleep(500 * time.Millisecond) // the first sync's last imports settle
	w.bc.ResetStats()
	imports := len(w.dd.Imports())

	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan string)
	for range 4 {
		wg.Go(func() {
			for k := range work {
				n, _ := strconv.Atoi(k)
				status := int(want[k])
				if _, err := w.store().UpdateOrder(ctx(), n, bigcommerce.OrderUpdate{StatusID: &status}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Logf("the burst took %s (a loaded machine): the window may close before its end", took)
	}
	w.eventually("every update in Dotdigital", func() bool {
		for _, k := range keys {
			b, _ := w.dd.Record("Orders", k)
			var rec struct {
				StatusID float64 `json:"statusId"`
			}
			if json.Unmarshal(b, &rec) != nil || rec.StatusID != want[k] {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // any read or import still to come would show now
	stats := w.bc.Stats()
	reads := stats.Requests["GET /stores/{store_hash}/v2/orders"]
	if reads == 0 || reads > 6 {
		t.Errorf("%d reads of orders for 500 changed orders: %v", reads, stats.Requests)
	}
	for endpoint, n := range stats.Requests {
		if strings.HasPrefix(endpoint, "GET ") && !strings.Contains(endpoint, "/v2/orders") {
			t.Errorf("%d reads of %s: only the orders changed", n, endpoint)
		}
	}
	var orderImports int
	for _, im := range w.dd.Imports()[imports:] {
		if im.Kind == "insight" && im.Collection == "Orders" {
			orderImports++
		} else {
			t.Errorf("an import beyond the orders: %+v", im)
		}
	}
	if orderImports != 1 {
		t.Errorf("%d imports of Orders for one window of changes", orderImports)
	}
}

// bcsync killed (-9) while changes wait in their window reads them when it starts again: a webhook
// delivery is answered only once its change is noted in the state database.
func TestChangesWaitingInAWindowWhenBcsyncIsKilledArriveAfterARestart(t *testing.T) {
	w := newWorld(t, small, withAccount)
	addr := freeAddr(t)
	args := []string{"serve", "--listen", addr, "--public-url", "http://" + addr, "--schedule-every", "100ms"}
	serve := w.start(append(args, "--change-window", "10s")...)
	id := w.connect()
	w.firstSync(id)

	sub, _ := consentedSubscriber(t, w, false)
	if _, err := w.store().UpdateSubscriber(ctx(), sub.ID, bigcommerce.SubscriberInput{FirstName: "Windowed"}); err != nil {
		t.Fatal(err)
	}
	var rt resource.RealTime
	w.eventually("the change noted", func() bool {
		var st resource.Store
		if err := json.Unmarshal([]byte(w.bcsync("store", "show", "1", "--json")), &st); err != nil || st.RealTime == nil {
			t.Fatalf("store show: %v %+v", err, st)
		}
		rt = *st.RealTime
		return rt.Waiting == 1
	})
	if !rt.On {
		t.Fatalf("real time is off with webhooks registered: %+v", rt)
	}
	serve.Process.Kill() // SIGKILL: the window never closes in this process
	serve.Wait()
	if c := mustContact(t, w, sub.Email); c.DataFields["FIRSTNAME"] == "Windowed" {
		t.Fatal("the change arrived before the kill: the test proves nothing; lengthen the window")
	}

	serve = w.start(append(args, "--change-window", "100ms")...)
	defer w.stop(serve)
	w.eventually("the change in Dotdigital after the restart", func() bool {
		c, _ := w.dd.Contact(sub.Email)
		return c.DataFields["FIRSTNAME"] == "Windowed"
	})
	w.eventually("no change waiting", func() bool {
		return strings.Contains(w.bcsync("store", "show", "1"), "Real time:    on, 0 changes waiting")
	})
}

// A new subscriber's consent evidence carries the IP its customer account was registered from. In a
// run of changes that IP comes from the run's own read of the changed customers, and an email that is
// none of the store's customers bcsync synced has no account to look up: a window with a customer
// renamed, that customer subscribing and a newcomer subscribing costs one read of customers. A
// subscriber whose account did not change in the window is looked up by email.
func TestARunOfChangesTakesRegistrationIPsFromItsOwnReadOfCustomers(t *testing.T) {
	w := newWorld(t, small, withAccount)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	serve, _ := w.serveWithWebhooks("--change-window", "2s")
	defer w.stop(serve)
	w.eventually("a first sync with the customer list", func() bool {
		var runs []resource.Run
		if err := json.Unmarshal([]byte(w.bcsync("runs", strconv.FormatInt(id, 10), "--json")), &runs); err != nil {
			t.Fatal(err)
		}
		synced := false
		for _, r := range runs {
			if r.Status == "running" {
				return false
			}
			synced = synced || r.Streams["customers"].Sent > 0
		}
		return synced
	})
	subscribed := map[string]bool{}
	for _, s := range allSubscribers(t, w) {
		subscribed[strings.ToLower(s.Email)] = true
	}
	var accounts []bigcommerce.Customer
	for _, cu := range all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{})) {
		if cu.RegistrationIPAddress != "" && !subscribed[strings.ToLower(cu.Email)] && strings.Contains(cu.Email, "@") {
			if _, ok := w.dd.Contact(cu.Email); ok {
				accounts = append(accounts, cu)
			}
		}
	}
	if len(accounts) < 2 {
		t.Fatalf("the generated store has %d synced customers with a registration IP who do not subscribe", len(accounts))
	}
	consentIP := func(email string) any {
		var ip any
		w.eventually("the consent of "+email+" in Dotdigital", func() bool {
			c, ok := w.dd.Contact(email)
			ip = c.DataFields["CONSENT_IP"]
			return ok && c.DataFields["CONSENT_TEXT"] != nil
		})
		return ip
	}
	subscribe := func(email string) {
		if _, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: email, FirstName: "New",
			Consents: []string{"marketing_newsletter"}}); err != nil {
			t.Fatal(err)
		}
	}

	time.Sleep(500 * time.Millisecond)
	w.bc.ResetStats()
	renamed := accounts[0]
	if _, err := w.store().UpdateCustomers(ctx(), []bigcommerce.CustomerInput{{ID: renamed.ID, FirstName: "Renamed"}}); err != nil {
		t.Fatal(err)
	}
	subscribe(renamed.Email)
	subscribe("newcomer@example.org")
	if ip := consentIP(renamed.Email); ip != renamed.RegistrationIPAddress {
		t.Fatalf("CONSENT_IP of a customer who subscribed: %v, want %s", ip, renamed.RegistrationIPAddress)
	}
	if ip := consentIP("newcomer@example.org"); ip != nil {
		t.Fatalf("CONSENT_IP of a newcomer without an account: %v", ip)
	}
	time.Sleep(time.Second) // any read still to come would show now
	if n := w.bc.Stats().Requests["GET /stores/{store_hash}/v3/customers"]; n != 1 {
		t.Fatalf("%d reads of customers for one window, want 1: %v", n, w.bc.Stats().Requests)
	}

	w.bc.ResetStats()
	unchanged := accounts[1]
	subscribe(unchanged.Email)
	if ip := consentIP(unchanged.Email); ip != unchanged.RegistrationIPAddress {
		t.Fatalf("CONSENT_IP of a customer whose account did not change: %v, want %s", ip, unchanged.RegistrationIPAddress)
	}
	if n := w.bc.Stats().Requests["GET /stores/{store_hash}/v3/customers"]; n != 1 {
		t.Fatalf("%d reads of customers to look one subscriber's account up, want 1: %v", n, w.bc.Stats().Requests)
	}
}

// When the changes outrun Dotdigital's budget of imports (its Low tier, here 6 calls in 6 s), windows
// grow instead of calls multiplying: each run of changes waits until its imports can go together, and
// no call is refused with a 429; every change arrives.
func TestWhenChangesOutrunDotdigitalsImportBudgetWindowsGrowAndNothingIsRefused(t *testing.T) {
	w := newWorld(t, small, withAccount, func(_ *bcemu.Config, dd *ddemu.Config) { dd.RateLimit = "low=6/6s" })
	serve, _ := w.serveWithWebhooks()
	defer w.stop(serve)
	id := w.connect()
	w.firstSync(id)
	sub, _ := consentedSubscriber(t, w, false)
	orders := all(t, w.store().Orders(ctx(), bigcommerce.OrderQuery{}))
	order := orders[0]
	if _, ok := w.dd.Record("Orders", strconv.Itoa(order.ID)); !ok {
		t.Fatalf("order %d is not in Dotdigital after the first sync", order.ID)
	}
	time.Sleep(500 * time.Millisecond)
	w.dd.Stats().Reset()

	// Eight seconds of changes, a subscriber renamed and an order's status changed four times a second:
	// a run of them makes four calls of the Low tier (two imports, the list removals, one import).
	var name string
	status := order.StatusID
	for i := range 32 {
		name = "Busy " + strconv.Itoa(i)
		if _, err := w.store().UpdateSubscriber(ctx(), sub.ID, bigcommerce.SubscriberInput{FirstName: name}); err != nil {
			t.Fatal(err)
		}
		status = status%11 + 1
		if _, err := w.store().UpdateOrder(ctx(), order.ID, bigcommerce.OrderUpdate{StatusID: &status}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	w.eventually("the last change of each record in Dotdigital", func() bool {
		c, _ := w.dd.Contact(sub.Email)
		b, _ := w.dd.Record("Orders", strconv.Itoa(order.ID))
		var rec struct {
			StatusID int `json:"statusId"`
		}
		return c.DataFields["FIRSTNAME"] == name && json.Unmarshal(b, &rec) == nil && rec.StatusID == status
	})
	snap := w.dd.Stats().Snapshot()
	if snap.Statuses["429"] != 0 {
		t.Fatalf("%d calls were refused with 429: %v", snap.Statuses["429"], snap.Requests)
	}
	imports := snap.Requests["PUT /contacts/v3/import"] + snap.Requests["PUT /insightData/v3/import"]
	if imports == 0 || imports > 14 {
		t.Fatalf("%d imports for 64 changes in 8 s under a budget of 6 calls in 6 s: %v", imports, snap.Requests)
	}
}
