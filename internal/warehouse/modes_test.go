package warehouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// writes counts the requests the emulated store got that were not reads.
func writes(e *env) int64 {
	var n int64
	for op, c := range e.emu.Stats().Requests {
		if !strings.HasPrefix(op, "GET ") {
			n += c
		}
	}
	return n
}

// Update mode matched on the BigCommerce id changes the customers the ids name and refuses rows whose
// id names none, creating nothing.
func TestCustomersUpdateModeMatchedByIDChangesOnlyCustomersThatExist(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 3, Customers: 5})
	ctx := context.Background()
	all, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil || len(all) != 5 {
		t.Fatalf("customers: %d %v", len(all), err)
	}
	m := newSQLiteModel(t, `CREATE TABLE tiers (bc_id INTEGER PRIMARY KEY, company TEXT)`)
	m.exec(`INSERT INTO tiers VALUES (?, 'Gold Ltd'), (?, 'Silver Ltd'), (987654, 'Nobody Ltd')`, all[0].ID, all[1].ID)
	src, _ := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "tiers", SourceID: src.ID, Table: "tiers", PrimaryKey: "bc_id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "Tiers", StoreID: e.shopID, ModelID: model.ID,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Update, Match: mapping.Match{Column: "bc_id", Field: mapping.MatchID},
			Mappings: []mapping.Mapping{{Field: "company", Column: "company"}}}})
	if err != nil {
		t.Fatal(err)
	}
	before := requests(e)
	run := e.run(w.ID, "manual")
	if run.Status != store.RunPartial || counts(run)["add"].Sent != 2 || counts(run)["add"].Rejected != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	if n := requests(e) - before; n != 2 { // the ids looked up in one call, the two updates in one batch
		t.Fatalf("the run made %d calls", n)
	}
	after, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	company := map[int]string{}
	for _, c := range after {
		company[c.ID] = c.Company
	}
	if len(after) != 5 || company[all[0].ID] != "Gold Ltd" || company[all[1].ID] != "Silver Ltd" || company[all[2].ID] != all[2].Company {
		t.Fatalf("companies after: %v", company)
	}
	rej, err := e.st.RejectedRecords(ctx, w.ID, store.RejectedFilter{Key: "987654"})
	if err != nil || len(rej) != 1 || rej[0].Reason != "NoMatch" || !strings.Contains(rej[0].Detail, "no customer has the id 987654") {
		t.Fatalf("the row of no customer: %+v %v", rej, err)
	}
}

// Insert mode creates customers for new rows only: a row whose email a customer has already is
// refused with the customer's id, and a changed row that was inserted is not sent again.
func TestCustomersInsertModeCreatesNewCustomersAndNeverChangesThem(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 3, Customers: 2})
	ctx := context.Background()
	existing, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	m, id := customersSyncIn(t, e, 3, "nothing", mapping.Insert)
	m.exec(`INSERT INTO crm VALUES (4, ?, 'Already', 'Here', 'Co', NULL)`, " "+strings.ToUpper(existing[0].Email)+" ")
	run := e.run(id, "manual")
	if run.Status != store.RunPartial || counts(run)["add"].Sent != 3 || counts(run)["add"].Rejected != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	rej, err := e.st.RejectedRecords(ctx, id, store.RejectedFilter{Key: "4"})
	if err != nil || len(rej) != 1 || rej[0].Reason != "Exists" || !strings.Contains(rej[0].Detail, fmt.Sprint(existing[0].ID)) {
		t.Fatalf("the row of a known email: %+v %v", rej, err)
	}
	m.exec(`UPDATE crm SET company = 'Changed' WHERE id = 1`)
	before := writes(e)
	run = e.run(id, "manual")
	if n := writes(e) - before; n != 0 || counts(run)["change"].Sent != 0 {
		t.Fatalf("insert mode sent a change: %d writes, %+v", n, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"person1@example.com", strings.ToLower(existing[0].Email)})
	if got["person1@example.com"].Company != "Co" || got[strings.ToLower(existing[0].Email)].FirstName == "Already" {
		t.Fatalf("customers: %+v", got)
	}
}

// A NULL clears the field it is mapped to on update, unless the mapping skips NULLs: then the store
// keeps what it has. On create, a NULL is left out.
func TestANullClearsItsFieldUnlessItsMappingSkipsNulls(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, company TEXT, phone TEXT)`)
	m.exec(`INSERT INTO crm VALUES (1, 'a@example.com', 'Ann', 'A', 'Acme', '555-0101'), (2, 'b@example.com', 'Bob', 'B', NULL, NULL)`)
	src, _ := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail},
			Mappings: []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"},
				{Field: "company", Column: "company"}, {Field: "phone", Column: "phone", SkipNulls: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if run := e.run(w.ID, "manual"); run.Status != store.RunSucceeded {
		t.Fatalf("first run %s %+v", run.Status, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"b@example.com"})
	if b := got["b@example.com"]; b.ID == 0 || b.Company != "" || b.Phone != "" {
		t.Fatalf("a customer created from NULLs: %+v", b)
	}
	m.exec(`UPDATE crm SET company = NULL, phone = NULL WHERE id = 1`)
	if run := e.run(w.ID, "manual"); run.Status != store.RunSucceeded || counts(run)["change"].Sent != 1 {
		t.Fatalf("second run %s %+v", run.Status, run.Streams)
	}
	got, _ = e.client().CustomersByEmail(ctx, []string{"a@example.com"})
	if a := got["a@example.com"]; a.Company != "" || a.Phone != "555-0101" {
		t.Fatalf("after NULLs: company %q (want cleared), phone %q (want kept)", a.Company, a.Phone)
	}
}

// A plan reads the model and the store and writes nothing, whatever it finds to do.
func TestAPlanWritesNothing(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 30, "delete")
	e.run(id, "manual")
	m.exec(`DELETE FROM crm WHERE id <= 10`)
	m.exec(`UPDATE crm SET company = 'New Co' WHERE id > 25`)
	m.exec(`INSERT INTO crm VALUES (31, 'person31@example.com', 'New', 'Row', 'Co', NULL)`)
	before := writes(e)
	p, err := e.eng.PlanSync(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Adds != 1 || p.Changes != 5 || p.Removes != 10 || !p.Blocked {
		t.Fatalf("plan = %+v", p)
	}
	var change *warehouse.Sample
	for i := range p.Samples {
		if p.Samples[i].Op == "change" {
			change = &p.Samples[i]
			break
		}
	}
	if change == nil || change.Before["company"] != "Co" || change.After["company"] != "New Co" {
		t.Fatalf("a change's sample: %+v", change)
	}
	if n := writes(e) - before; n != 0 {
		t.Fatalf("the plan made %d writes", n)
	}
	all, _ := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if len(all) != 30 {
		t.Fatalf("%d customers after a plan, want 30", len(all))
	}
}

// With the default delete behaviour, rows that leave the model leave their records as they are.
func TestRowsThatLeaveTheModelAreLeftAloneByDefault(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 10, "nothing")
	e.run(id, "manual")
	m.exec(`DELETE FROM crm`)
	m.exec(`INSERT INTO crm VALUES (11, 'person11@example.com', 'First', 'Last11', 'Co', NULL)`)
	p, err := e.eng.PlanSync(ctx, id)
	if err != nil || p.Removes != 0 || p.Left != 10 {
		t.Fatalf("plan = %+v %v", p, err)
	}
	before := writes(e)
	// The model shrank from 10 rows to 1: the guard asks first, even though nothing is removed.
	run := e.run(id, "manual")
	if run.Status != store.RunBlocked {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	if err := e.eng.Approve(ctx, id); err != nil {
		t.Fatal(err)
	}
	run = e.run(id, "approval")
	if run.Status != store.RunSucceeded || counts(run)["add"].Sent != 1 || counts(run)["remove"].Sent != 0 {
		t.Fatalf("approved run %s %+v", run.Status, run.Streams)
	}
	if n := writes(e) - before; n != 1 {
		t.Fatalf("%d writes, want the one create", n)
	}
	all, _ := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if len(all) != 11 {
		t.Fatalf("%d customers, want 11", len(all))
	}
}

// With "delete", the customers of rows that left are deleted (within the guard's share).
func TestDeleteRemovesTheCustomersOfRowsThatLeft(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 20, "delete")
	e.run(id, "manual")
	m.exec(`DELETE FROM crm WHERE id = 20`)
	run := e.run(id, "manual")
	if run.Status != store.RunSucceeded || counts(run)["remove"].Sent != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	got, err := e.client().CustomersByEmail(ctx, []string{"person19@example.com", "person20@example.com"})
	if err != nil || len(got) != 1 || got["person19@example.com"].ID == 0 {
		t.Fatalf("customers after the delete: %+v %v", got, err)
	}
}
