package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// Killing bcsync with -9 while it writes a warehouse model into the store, then running the sync again,
// leaves every customer and every order in the store once: the creates a kill cut off are found by
// their email or external id before anything is created again.
func TestWarehouseKilledMidRunLeavesNoDuplicate(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	w := newWorld(t, sizes{}, func(bc *bcemuConfig, _ *ddemuConfig) { bc.Latency = 4 * time.Millisecond })
	const people, sales = 400, 150
	path := t.TempDir() + "/dwh.db"
	db := newSQLiteFile(t, path, `CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT)`)
	db(`CREATE TABLE sales (ref TEXT PRIMARY KEY, email TEXT, first TEXT, last TEXT, street TEXT, city TEXT, state TEXT, zip TEXT,
		country TEXT, iso2 TEXT, lines TEXT)`)
	for i := 1; i <= people; i++ {
		db(`INSERT INTO people VALUES (?, ?, 'P', ?)`, i, fmt.Sprintf("p%d@example.com", i), fmt.Sprint("L", i))
	}
	for i := 1; i <= sales; i++ {
		db(`INSERT INTO sales VALUES (?, ?, 'Ann', 'Buyer', '1 Main St', 'Springfield', 'Illinois', '62701', 'United States', 'US', ?)`,
			fmt.Sprintf("S-%03d", i), fmt.Sprintf("buyer%d@example.com", i), `[{"name": "Gift box", "quantity": 1, "price_ex_tax": "10.00", "price_inc_tax": "12.00"}]`)
	}
	storeID := w.addStore()
	src := lastID(t, w.bcsync("warehouse", "source", "add", "--name", "dwh", "--url", "sqlite:"+path))
	peopleModel := lastID(t, w.bcsync("warehouse", "model", "add", "--name", "People", "--source", src, "--table", "people", "--primary-key", "id"))
	salesModel := lastID(t, w.bcsync("warehouse", "model", "add", "--name", "Sales", "--source", src, "--table", "sales", "--primary-key", "ref"))
	customers := lastID(t, w.bcsync("warehouse", "sync", "add", "--name", "People", "--store", storeID, "--model", peopleModel,
		"--object", "customers", "--mode", "upsert", "--match", "email=email", "--map", "first=first_name", "--map", "last=last_name"))
	orders := lastID(t, w.bcsync("warehouse", "sync", "add", "--name", "Sales", "--store", storeID, "--model", salesModel,
		"--object", "orders", "--mode", "insert", "--map", "lines=products", "--map", "first=billing_address.first_name",
		"--map", "last=billing_address.last_name", "--map", "street=billing_address.street_1", "--map", "city=billing_address.city",
		"--map", "state=billing_address.state", "--map", "zip=billing_address.zip", "--map", "country=billing_address.country",
		"--map", "iso2=billing_address.country_iso2", "--map", "email=billing_address.email"))

	posts := func(op string) func() bool {
		return func() bool { return w.bc.Stats().Requests[op] >= 8 }
	}
	for _, k := range []struct {
		sync string
		hit  func() bool
	}{
		{customers, posts("POST /stores/{store_hash}/v3/customers")},
		{orders, posts("POST /stores/{store_hash}/v2/orders")},
	} {
		cmd := w.start("warehouse", "sync", "run", k.sync, "--wait")
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
	wait:
		for {
			select {
			case <-done:
				t.Fatalf("sync %s ended before it could be killed", k.sync)
			case <-time.After(time.Millisecond):
			}
			if k.hit() {
				cmd.Process.Kill() // SIGKILL: no cleanup
				<-done
				break wait
			}
		}
	}
	for _, id := range []string{customers, orders} {
		run := parseRun(t, w.bcsync("warehouse", "sync", "run", id, "--wait", "--json"))
		if run.Status != "succeeded" {
			t.Fatalf("sync %s after the kill: %+v", id, run)
		}
		// The run the kill cut off was resumed, and its counts add up across both processes.
		want := map[string]int64{customers: people, orders: sales}[id]
		if add := run.Streams["add"]; add.Sent != want || add.Read != want || *add.Total != want || run.Streams["plan"].Read != want {
			t.Errorf("sync %s: run %d after the kill: %+v", id, run.ID, run.Streams)
		}
	}
	all, err := bigcommerce.All(w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))
	if err != nil || len(all) != people {
		t.Fatalf("%d customers, want %d (%v)", len(all), people, err)
	}
	placed, err := bigcommerce.All(w.store().Orders(ctx(), bigcommerce.OrderQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, o := range placed {
		seen[o.ExternalOrderID]++
	}
	if len(placed) != sales || len(seen) != sales {
		var twice []string
		for id, n := range seen {
			if n > 1 {
				twice = append(twice, id)
			}
		}
		t.Fatalf("%d orders for %d rows; created more than once: %s", len(placed), sales, strings.Join(twice, ", "))
	}
}
