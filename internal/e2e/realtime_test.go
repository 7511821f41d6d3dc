package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/resource"
)

// A burst of 500 order updates in two seconds is read in a handful of reads of the orders modified
// since the first of them (BigCommerce cannot read orders by id:in), without reading any other stream,
// and reaches Dotdigital in one import of the Orders collection.
func TestABurstOfFiveHundredOrderUpdatesCostsAHandfulOfReadsAndOneImport(t *testing.T) {
	w := newWorld(t, sizes{customers: 60, subscribers: 40, orders: 2400, products: 25}, withAccount)
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr, "--public-url", "http://"+addr, "--schedule-every", "100ms", "--change-window", "15s")
	defer w.stop(serve)
	id := w.connect()
	w.eventually("the first sync", func() bool { return strings.Contains(w.bcsync("runs", strconv.FormatInt(id, 10)), "succeeded") })
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
	w.eventually("the first sync", func() bool { return strings.Contains(w.bcsync("runs", strconv.FormatInt(id, 10)), "succeeded") })

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
