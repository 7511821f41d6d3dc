package warehouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// An upsert matched on email creates the customers no email finds and updates the others; a run
// with no change makes no call; a changed row is sent alone.
func TestCustomersUpsertByEmailCreatesUpdatesAndThenSendsOnlyChanges(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 5, Customers: 20})
	ctx := context.Background()
	all, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, company TEXT)`)
	// Two rows of customers the store has, three new ones.
	m.exec(`INSERT INTO crm VALUES (1, ?, 'Anna', 'Known', 'Acme'), (2, ?, 'Bob', 'Known', NULL)`, strings.ToUpper(all[0].Email), all[1].Email)
	for i := 3; i <= 5; i++ {
		m.exec(`INSERT INTO crm VALUES (?, ?, 'New', ?, 'Newco')`, i, "new"+string(rune('0'+i))+"@example.com", "Person")
	}
	src, err := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID, Schedule: schedule.Manual,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail},
			Mappings: []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"}, {Field: "company", Column: "company"}}}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.eng.PlanSync(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Adds != 5 || plan.Changes != 0 || plan.Invalid != 0 || plan.Blocked {
		t.Fatalf("plan = %+v", plan)
	}
	run := e.run(w.ID, "manual")
	c := counts(run)
	if run.Status != store.RunSucceeded || c["add"].Sent != 5 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	got, err := e.client().CustomersByEmail(ctx, []string{all[0].Email, "new3@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got[strings.ToLower(all[0].Email)].FirstName != "Anna" || got[strings.ToLower(all[0].Email)].ID != all[0].ID || got["new3@example.com"].LastName != "Person" {
		t.Fatalf("customers after the run: %+v", got)
	}

	before := requests(e)
	run = e.run(w.ID, "manual")
	if n := requests(e) - before; n != 0 || counts(run)["plan"].Unchanged != 5 {
		t.Fatalf("a run with no change made %d calls: %+v", n, run.Streams)
	}

	m.exec(`UPDATE crm SET company = 'Globex' WHERE id = 2`)
	before = requests(e)
	run = e.run(w.ID, "manual")
	if n := requests(e) - before; n != 1 || counts(run)["change"].Sent != 1 {
		t.Fatalf("one change made %d calls: %+v", n, run.Streams)
	}
}

// A sync writing a customer attribute keeps what it read of the store's attributes: a later run with
// nothing to send, even by another process, makes no call at all. A change sends only the part of the
// customer it touches.
func TestARunSendsOnlyThePartsOfACustomerThatChangedAndNothingWhenNothingDid(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, tier TEXT)`)
	m.exec(`INSERT INTO crm VALUES (1, 'a@example.com', 'Ann', 'A', 'Gold'), (2, 'b@example.com', 'Bob', 'B', 'Silver')`)
	src, _ := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID, CreateAttributes: true,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail},
			Mappings: []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"}, {Field: "attribute:Loyalty tier", Column: "tier"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if run := e.run(w.ID, "manual"); run.Status != store.RunSucceeded {
		t.Fatalf("first run %s %q %+v", run.Status, run.Error, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"a@example.com"})
	if a := got["a@example.com"]; len(a.Attributes) != 1 || a.Attributes[0].Value != "Gold" {
		t.Fatalf("the attribute value: %+v", a.Attributes)
	}
	// Another process: a new engine over the same state.
	e.eng = warehouse.New(e.st, shop.New(e.st, shop.Options{}), ledger.New(e.st, ledger.Options{}), warehouse.Options{})
	before := requests(e)
	if run := e.run(w.ID, "manual"); run.Status != store.RunSucceeded || counts(run)["plan"].Unchanged != 2 {
		t.Fatalf("second run %s %+v", run.Status, run.Streams)
	}
	if n := requests(e) - before; n != 0 {
		t.Fatalf("a run with nothing to send made %d calls", n)
	}

	// A change sends only the part it touches: the customer's own fields, or its attribute values.
	for _, c := range []struct {
		change, call string
	}{
		{`UPDATE crm SET first = 'Anna' WHERE id = 1`, "PUT /stores/{store_hash}/v3/customers"},
		{`UPDATE crm SET tier = 'Platinum' WHERE id = 2`, "PUT /stores/{store_hash}/v3/customers/attribute-values"},
	} {
		m.exec(c.change)
		stats := e.emu.Stats().Requests
		run := e.run(w.ID, "manual")
		var sent []string
		for op, n := range e.emu.Stats().Requests {
			if n > stats[op] {
				sent = append(sent, fmt.Sprintf("%s ×%d", op, n-stats[op]))
			}
		}
		if run.Status != store.RunSucceeded || len(sent) != 1 || sent[0] != c.call+" ×1" {
			t.Fatalf("%s: run %s, calls %v", c.change, run.Status, sent)
		}
	}
	got, _ = e.client().CustomersByEmail(ctx, []string{"a@example.com", "b@example.com"})
	if got["a@example.com"].FirstName != "Anna" || got["b@example.com"].Attributes[0].Value != "Platinum" {
		t.Fatalf("after the changes: %+v", got)
	}
}

// A customer create carries at most ten attribute values (the API's limit): the others are written
// right after, so a new customer has every mapped attribute.
func TestNewCustomersGetEveryAttributeBeyondTheTenACreateCarries(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	cols, vals := "id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT", "1, 'a@example.com', 'Ann', 'A'"
	maps := []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"}}
	for i := 1; i <= 12; i++ {
		cols += fmt.Sprintf(", t%d TEXT", i)
		vals += fmt.Sprintf(", 'value %d'", i)
		maps = append(maps, mapping.Mapping{Field: fmt.Sprintf("attribute:trait %d", i), Column: fmt.Sprintf("t%d", i)})
	}
	m := newSQLiteModel(t, "CREATE TABLE crm ("+cols+")")
	m.exec("INSERT INTO crm VALUES (" + vals + ")")
	src, _ := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID, CreateAttributes: true,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail}, Mappings: maps}})
	if err != nil {
		t.Fatal(err)
	}
	if run := e.run(w.ID, "manual"); run.Status != store.RunSucceeded {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"a@example.com"})
	if n := len(got["a@example.com"].Attributes); n != 12 {
		t.Fatalf("the customer has %d attribute values, want 12", n)
	}
}
