package warehouse_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// A store that answers 429s, 5xx, dropped connections and responses cut off after the change was
// made ends, run after run, exactly where a store without faults ends after one run: every customer
// and order once, with the model's values.
func TestRunsUnderFaultsReachTheStateOfACleanRun(t *testing.T) {
	clean := syncCustomersAndOrders(t, bcemu.Config{Seed: 11})
	faulty := syncCustomersAndOrders(t, bcemu.Config{Seed: 11, Faults: "429=0.05,500=0.05,503=0.03,reset=0.03,truncate=0.05"})
	if clean.runs != 1 {
		t.Fatalf("without faults it took %d runs", clean.runs)
	}
	if fmt.Sprint(clean.customers) != fmt.Sprint(faulty.customers) {
		t.Errorf("customers:\nclean  %v\nfaulty %v", clean.customers, faulty.customers)
	}
	if fmt.Sprint(clean.orders) != fmt.Sprint(faulty.orders) {
		t.Errorf("orders:\nclean  %v\nfaulty %v", clean.orders, faulty.orders)
	}
	t.Logf("with faults: %d runs, %d faults", faulty.runs, faulty.faults)
	if faulty.faults == 0 {
		t.Fatal("no fault was injected")
	}
}

type finalState struct {
	customers []string // email company phone, sorted
	orders    []string // external order id, status, note, billing email, sorted
	runs      int
	faults    int64
}

func syncCustomersAndOrders(t *testing.T, cfg bcemu.Config) finalState {
	t.Helper()
	e := newEnv(t, cfg)
	ctx := context.Background()
	_, people := customersSync(t, e, 60, "nothing")
	_, model := ordersModel(t, e, 15)
	sales, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "ERP orders", StoreID: e.shopID, ModelID: model,
		Spec: mapping.Spec{Object: mapping.Orders, Mode: mapping.Insert,
			Mappings: append([]mapping.Mapping{{Field: "products", Column: "lines"}, {Field: "staff_notes", Column: "note"}}, billing...)}})
	if err != nil {
		t.Fatal(err)
	}
	var st finalState
	for _, id := range []int64{people, sales.ID} {
		for n := 1; ; n++ {
			if n > 10 {
				t.Fatalf("sync %d: still not succeeded after 10 runs", id)
			}
			run := e.run(id, "manual")
			if run.Status == store.RunSucceeded {
				st.runs = max(st.runs, n)
				break
			}
		}
	}
	for _, n := range e.emu.Stats().Faults {
		st.faults += n
	}
	// The store as it is (the client's reads retry through the faults).
	customers, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range customers {
		st.customers = append(st.customers, fmt.Sprintf("%s %s %s %s", c.Email, c.LastName, c.Company, c.Phone))
	}
	orders, err := bigcommerce.All(e.client().Orders(ctx, bigcommerce.OrderQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		st.orders = append(st.orders, fmt.Sprintf("%s %s %s %s", o.ExternalOrderID[len(fmt.Sprint("bcsync-", sales.ID)):], o.Status, o.StaffNotes, o.BillingAddress.Email))
	}
	sort.Strings(st.customers)
	sort.Strings(st.orders)
	return st
}
