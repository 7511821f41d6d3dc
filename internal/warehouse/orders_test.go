package warehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// ordersModel is a model of orders from another channel, one custom product line each.
func ordersModel(t *testing.T, e *env, n int) (*sqliteModel, int64) {
	t.Helper()
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE sales (ref TEXT PRIMARY KEY, email TEXT, first TEXT, last TEXT, street TEXT, city TEXT, state TEXT,
		zip TEXT, country TEXT, iso2 TEXT, lines TEXT, note TEXT)`)
	for i := 1; i <= n; i++ {
		m.exec(`INSERT INTO sales VALUES (?, ?, 'Ann', 'Buyer', '1 Main St', 'Springfield', 'Illinois', '62701', 'United States', 'US', ?, 'from the ERP')`,
			fmt.Sprintf("ERP-%03d", i), fmt.Sprintf("buyer%d@example.com", i),
			fmt.Sprintf(`[{"name": "Gift box %d", "quantity": %d, "price_ex_tax": "10.00", "price_inc_tax": "12.00"}]`, i, i))
	}
	src, err := e.eng.AddSource(ctx, "erp", "sqlite:"+m.path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "sales", SourceID: src.ID, Table: "sales", PrimaryKey: "ref"})
	if err != nil {
		t.Fatal(err)
	}
	return m, model.ID
}

var billing = []mapping.Mapping{
	{Field: "billing_address.first_name", Column: "first"}, {Field: "billing_address.last_name", Column: "last"},
	{Field: "billing_address.street_1", Column: "street"}, {Field: "billing_address.city", Column: "city"},
	{Field: "billing_address.state", Column: "state"}, {Field: "billing_address.zip", Column: "zip"},
	{Field: "billing_address.country", Column: "country"}, {Field: "billing_address.country_iso2", Column: "iso2"},
	{Field: "billing_address.email", Column: "email"},
}

// Inserted orders carry the row's external id; a run after a crash that hid whether a create went
// through finds the order by it instead of creating a second. Changes of inserted rows are not sent
// (insert mode); deleted rows archive their orders.
func TestOrdersAreInsertedOnceWithTheirExternalID(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, model := ordersModel(t, e, 3)
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "ERP orders", StoreID: e.shopID, ModelID: model, Delete: "delete",
		Spec: mapping.Spec{Object: mapping.Orders, Mode: mapping.Insert, Match: mapping.Match{Column: "ref", Field: mapping.MatchID},
			Mappings: append([]mapping.Mapping{{Field: "products", Column: "lines"}, {Field: "staff_notes", Column: "note"},
				{Field: "external_source", Constant: ptr("M-MIG")}}, billing...)}})
	if err != nil {
		t.Fatal(err)
	}
	run := e.run(w.ID, "manual")
	if run.Status != store.RunSucceeded || counts(run)["add"].Sent != 3 {
		t.Fatalf("run %s %q %+v", run.Status, run.Error, run.Streams)
	}
	ext := fmt.Sprintf("bcsync-%d-ERP-002", w.ID)
	found, err := e.client().OrdersByExternalID(ctx, ext)
	if err != nil || len(found) != 1 || found[0].BillingAddress.Email != "buyer2@example.com" || found[0].StaffNotes != "from the ERP" {
		t.Fatalf("order ERP-002: %+v %v", found, err)
	}
	// What a crash between the create and saving its outcome leaves: the row marked pending.
	if err := e.st.SaveRecordStates(ctx, w.ID, "rows", []store.RecordState{{Key: "ERP-002", Status: 3, Fingerprint: "x"}}); err != nil {
		t.Fatal(err)
	}
	run = e.run(w.ID, "manual")
	if found, _ := e.client().OrdersByExternalID(ctx, ext); len(found) != 1 {
		t.Fatalf("the order was created twice: %d", len(found))
	}
	states, _ := e.st.RecordStates(ctx, w.ID, "rows", []string{"ERP-002"})
	if states["ERP-002"].Status != 1 || states["ERP-002"].TargetID == "" {
		t.Fatalf("the pending row was not resolved: %+v (%+v)", states, run.Streams)
	}
	// Insert mode sends no change; a row gone archives its order (1 of 3 is over the guard's 10%:
	// approve it).
	m.exec(`UPDATE sales SET note = 'changed' WHERE ref = 'ERP-001'`)
	m.exec(`DELETE FROM sales WHERE ref = 'ERP-003'`)
	run = e.run(w.ID, "manual")
	if run.Status != store.RunBlocked {
		t.Fatalf("removing a third of the orders was not stopped: %s", run.Status)
	}
	if err := e.eng.Approve(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	run = e.run(w.ID, warehouse.TriggerApproval)
	if counts(run)["remove"].Sent != 1 || counts(run)["change"].Read != 0 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	if found, _ := e.client().OrdersByExternalID(ctx, fmt.Sprintf("bcsync-%d-ERP-003", w.ID)); len(found) != 0 {
		t.Fatalf("the order of a row gone is not archived: %+v", found)
	}
}

// Update mode changes existing orders, matched on their id, including their status by name.
func TestOrdersAreUpdatedWithTheirStatusByName(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 9, Orders: 5})
	ctx := context.Background()
	orders, err := bigcommerce.All(e.client().Orders(ctx, bigcommerce.OrderQuery{}))
	if err != nil || len(orders) < 3 {
		t.Fatalf("orders: %d %v", len(orders), err)
	}
	m := newSQLiteModel(t, `CREATE TABLE erp (order_id INTEGER PRIMARY KEY, state TEXT)`)
	m.exec(`INSERT INTO erp VALUES (?, 'Shipped'), (?, 'Awaiting Fulfillment'), (999999, 'Shipped')`, orders[0].ID, orders[1].ID)
	src, _ := e.eng.AddSource(ctx, "erp", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "statuses", SourceID: src.ID, Table: "erp", PrimaryKey: "order_id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "ERP statuses", StoreID: e.shopID, ModelID: model.ID,
		Spec: mapping.Spec{Object: mapping.Orders, Mode: mapping.Update, Match: mapping.Match{Column: "order_id", Field: mapping.MatchID},
			Mappings: []mapping.Mapping{{Field: "status", Column: "state"}}}})
	if err != nil {
		t.Fatal(err)
	}
	run := e.run(w.ID, "manual")
	if run.Status != store.RunPartial || counts(run)["add"].Sent != 2 || counts(run)["add"].Rejected != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	o, err := e.client().Order(ctx, orders[0].ID)
	if err != nil || o.Status != "Shipped" {
		t.Fatalf("order %d: %+v %v", orders[0].ID, o, err)
	}
	rej, err := e.st.RejectedRecords(ctx, w.ID, store.RejectedFilter{Key: "999999"})
	if err != nil || len(rej) != 1 || rej[0].Reason != "NoMatch" {
		t.Fatalf("the row of no order: %+v %v", rej, err)
	}
}

func ptr[T any](v T) *T { return &v }
