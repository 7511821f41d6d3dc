package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// customersSync makes a model of n new customers (keys 1…n) and an upsert sync of it by email.
func customersSync(t *testing.T, e *env, n int, del string) (*sqliteModel, int64) {
	return customersSyncIn(t, e, n, del, mapping.Upsert)
}

func customersSyncIn(t *testing.T, e *env, n int, del string, mode mapping.Mode) (*sqliteModel, int64) {
	t.Helper()
	return customersSyncMatched(t, e, n, del, mode, mapping.Match{Column: "email", Field: mapping.MatchEmail})
}

// customersSyncMatched is customersSyncIn with a match of the caller's; without one, the email column
// is mapped to the customers' email.
func customersSyncMatched(t *testing.T, e *env, n int, del string, mode mapping.Mode, match mapping.Match) (*sqliteModel, int64) {
	t.Helper()
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, company TEXT, phone TEXT)`)
	for i := 1; i <= n; i++ {
		m.exec(`INSERT INTO crm VALUES (?, ?, 'First', ?, 'Co', '555-0100')`, i, fmt.Sprintf("person%d@example.com", i), fmt.Sprint("Last", i))
	}
	src, err := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Query: "SELECT * FROM crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	maps := []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"},
		{Field: "company", Column: "company"}, {Field: "phone", Column: "phone"}}
	if match.Column == "" {
		maps = append(maps, mapping.Mapping{Field: "email", Column: "email"})
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID, Schedule: schedule.Manual, Delete: del,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mode, Match: match, Mappings: maps}})
	if err != nil {
		t.Fatal(err)
	}
	return m, w.ID
}

// Rows without a key, with a key on more than one row (every copy), with a match value on more than
// one row (every copy: they would write one customer), or with a value that cannot be written are
// invalid: counted and shown with the reason in the plan, recorded with it in the run,
// never sent.
func TestInvalidRowsAreReportedWithTheirReasonAndNeverSent(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id TEXT, email TEXT, first TEXT, last TEXT)`)
	m.exec(`INSERT INTO crm VALUES ('a', 'a@example.com', 'Ann', 'A'), (NULL, 'nokey@example.com', 'No', 'Key'),
		('d', 'd1@example.com', 'Dup', 'One'), ('d', 'd2@example.com', 'Dup', 'Two'), ('e', NULL, 'No', 'Email'), ('f', 'not-an-email', 'Bad', 'Email'),
		('g', 'same@example.com', 'Same', 'G'), ('h', ' SAME@example.com', 'Same', 'H')`)
	src, _ := e.eng.AddSource(ctx, "crm", "sqlite:"+m.path)
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID,
		Spec: mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail},
			Mappings: []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"}}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.eng.PlanSync(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 8 || p.Adds != 1 || p.Invalid != 7 {
		t.Fatalf("plan = %+v", p)
	}
	reasons := map[string]string{}
	for _, s := range p.Samples {
		if s.Op == "invalid" {
			reasons[s.Key] = s.Reason
		}
	}
	for key, want := range map[string]string{"(row 2)": "NULL", "d": "more than one row", "e": "NULL", "f": "not-an-email",
		"g": "more than one row", "h": "more than one row"} {
		if !strings.Contains(reasons[key], want) {
			t.Errorf("row %s: reason %q, want it to mention %q (all: %v)", key, reasons[key], want, reasons)
		}
	}
	before := requests(e)
	run := e.run(w.ID, "manual")
	if run.Status != store.RunPartial || counts(run)["add"].Sent != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	if n := requests(e) - before; n != 2 { // one email lookup, one create
		t.Fatalf("the run made %d calls", n)
	}
	rej, err := e.st.RejectedRecords(ctx, w.ID, store.RejectedFilter{RunID: run.ID})
	if err != nil || len(rej) != 7 || !strings.Contains(fmt.Sprint(rej), "the email same@example.com is on more than one row") {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	found, _ := e.client().CustomersByEmail(ctx, []string{"d1@example.com", "d2@example.com", "nokey@example.com", "same@example.com"})
	if len(found) != 0 {
		t.Fatalf("invalid rows reached the store: %v", found)
	}
}

// Rows that leave the model: nothing happens by default; with "delete" they are deleted — but a run
// that would delete more than the guard's share stops before writing, and waits for approval; approval
// runs exactly that plan, or refuses when the model changed.
func TestTheGuardStopsAMassDeleteUntilApproved(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 20, "delete")
	e.run(id, "manual")
	// A first run never removes; now three rows leave (15%, over the 10% limit).
	m.exec(`DELETE FROM crm WHERE id IN (1, 2, 3)`)
	p, err := e.eng.PlanSync(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Removes != 3 || !p.Blocked || !strings.Contains(p.Reason, "would delete 3 of 20 customers (15%) — the limit is 10%") {
		t.Fatalf("plan = %+v", p)
	}
	// A blocked run reads the sampled records (the approval page shows them as they are now) and writes nothing.
	before := writes(e)
	run := e.run(id, "schedule")
	if run.Status != store.RunBlocked || writes(e)-before != 0 {
		t.Fatalf("a blocked run: %s, %d writes", run.Status, writes(e)-before)
	}
	if y, _ := e.st.Sync(ctx, id); y.Status != store.StatusAwaitingApproval {
		t.Fatalf("the sync is %s", y.Status)
	}
	// The model changes while the plan waits: approving it refuses to run another plan.
	m.exec(`DELETE FROM crm WHERE id = 4`)
	if err := e.eng.Approve(ctx, id); err != nil {
		t.Fatal(err)
	}
	run = e.run(id, warehouse.TriggerApproval)
	if run.Status != store.RunBlocked || !strings.Contains(run.Error, "changed since the plan was approved") {
		t.Fatalf("an approval of a stale plan: %s %q", run.Status, run.Error)
	}
	// Approving the new plan deletes exactly those four.
	if err := e.eng.Approve(ctx, id); err != nil {
		t.Fatal(err)
	}
	run = e.run(id, warehouse.TriggerApproval)
	if run.Status != store.RunSucceeded || counts(run)["remove"].Sent != 4 {
		t.Fatalf("the approved run: %s %+v", run.Status, run.Streams)
	}
	left, _ := e.client().CustomersByEmail(ctx, []string{"person1@example.com", "person5@example.com"})
	if _, ok := left["person1@example.com"]; ok || len(left) != 1 {
		t.Fatalf("after the approved deletes: %v", left)
	}
	if err := e.eng.Approve(ctx, id); !errors.Is(err, warehouse.ErrNothingToApprove) {
		t.Fatalf("approving twice: %v", err)
	}
}

// A model that suddenly returns no rows, or far fewer than usual, stops the run for approval.
func TestTheGuardStopsAnEmptyOrShrunkenModel(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 20, "nothing")
	e.run(id, "manual")
	m.exec(`DELETE FROM crm WHERE id > 12`)
	p, err := e.eng.PlanSync(ctx, id)
	if err != nil || !p.Blocked || !strings.Contains(p.Reason, "the model returned 12 rows, 40% fewer than the average of the last 1 runs (20) — the limit is 25%") {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	m.exec(`DELETE FROM crm`)
	p, err = e.eng.PlanSync(ctx, id)
	if err != nil || !p.Blocked || p.Reason != "the model returned no rows, and the last run read 20" {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	if err := e.eng.Discard(ctx, id); !errors.Is(err, warehouse.ErrNothingToApprove) {
		t.Fatalf("a dry run's plan waits for nothing: %v", err)
	}
}

// With "clear", the mapped fields of a customer whose row left are unset (those that can be); the
// customer stays.
func TestClearUnsetsTheMappedFieldsOfCustomersThatLeft(t *testing.T) {
	e := newEnv(t, bcemu.Config{})
	ctx := context.Background()
	m, id := customersSync(t, e, 20, "clear")
	e.run(id, "manual")
	m.exec(`DELETE FROM crm WHERE id = 7`)
	run := e.run(id, "manual")
	if run.Status != store.RunSucceeded || counts(run)["remove"].Sent != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"person7@example.com"})
	c, ok := got["person7@example.com"]
	if !ok || c.Company != "" || c.Phone != "" || c.FirstName != "First" {
		t.Fatalf("the customer after clear: %+v", c)
	}
	// It comes back: it is written again.
	m.exec(`INSERT INTO crm VALUES (7, 'person7@example.com', 'First', 'Last7', 'Back', '555-0107')`)
	run = e.run(id, "manual")
	got, _ = e.client().CustomersByEmail(ctx, []string{"person7@example.com"})
	if got["person7@example.com"].Company != "Back" || got["person7@example.com"].ID != c.ID || counts(run)["add"].Sent != 1 {
		t.Fatalf("the row back: %+v %+v", got, run.Streams)
	}
}

// A batch of ten the store refuses because of one row is split: the nine others go through; the bad
// row is kept with the store's error, the request and the response, and tried again on every run
// until it succeeds, its attempts counted.
func TestARefusedRowIsIsolatedAndRetriedUntilItSucceeds(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 2, Customers: 1})
	ctx := context.Background()
	known, err := bigcommerce.All(e.client().Customers(ctx, bigcommerce.CustomerQuery{}))
	if err != nil || len(known) != 1 {
		t.Fatalf("customers: %v %v", known, err)
	}
	// Insert mode without a match looks nothing up: a row with the email of a customer the store has
	// makes the store refuse its batch.
	m, id := customersSyncMatched(t, e, 10, "nothing", mapping.Insert, mapping.Match{})
	m.exec(`UPDATE crm SET email = ? WHERE id = 4`, known[0].Email)
	before := requests(e)
	run := e.run(id, "manual")
	if run.Status != store.RunPartial || counts(run)["add"].Sent != 9 || counts(run)["add"].Rejected != 1 {
		t.Fatalf("run %s %+v", run.Status, run.Streams)
	}
	// The batch, and at most 2·⌈log2 10⌉ = 8 calls to isolate the bad row.
	if n := requests(e) - before; n > 9 {
		t.Fatalf("isolating one bad row of ten cost %d calls", n)
	}
	rej, err := e.st.RejectedRecords(ctx, id, store.RejectedFilter{Key: "4"})
	if err != nil || len(rej) != 1 || !strings.Contains(rej[0].Request, known[0].Email) || !strings.HasPrefix(rej[0].Response, "422") {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	for attempt := 2; attempt <= 3; attempt++ {
		run = e.run(id, "manual")
		if counts(run)["add"].Rejected != 1 || counts(run)["plan"].Unchanged != 9 {
			t.Fatalf("run %d: %+v", attempt, run.Streams)
		}
		states, _ := e.st.RecordStates(ctx, id, "rows", []string{"4"})
		if states["4"].Attempts != attempt {
			t.Fatalf("attempts = %d, want %d", states["4"].Attempts, attempt)
		}
	}
	m.exec(`UPDATE crm SET email = 'person4@example.com' WHERE id = 4`)
	run = e.run(id, "manual")
	if run.Status != store.RunSucceeded || counts(run)["add"].Sent != 1 {
		t.Fatalf("the fixed row: %s %+v", run.Status, run.Streams)
	}
	got, _ := e.client().CustomersByEmail(ctx, []string{"person4@example.com"})
	if got["person4@example.com"].LastName != "Last4" {
		t.Fatalf("customer 4: %+v", got)
	}
}
