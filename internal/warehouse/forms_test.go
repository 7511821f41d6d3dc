package warehouse_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// What the web UI's forms need of the engine: a source tested before it is kept, a query previewed
// before it is saved, the fields of a store to choose from, and a saved sync changed.

// A source whose test fails is not saved, and the failure names the part to fix; one that passes is
// saved as tested.
func TestASourceIsSavedOnlyWhenItsTestPasses(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 1})
	ctx := context.Background()
	missing := "sqlite:" + filepath.Join(t.TempDir(), "nowhere", "dwh.db")
	src, res, err := e.eng.AddTestedSource(ctx, "dwh", missing)
	if err != nil || src != nil || res.OK || res.Part != string(source.PartFile) || res.Message == "" {
		t.Fatalf("a missing file: %+v %+v %v", src, res, err)
	}
	if all, _ := e.st.Sources(ctx); len(all) != 0 {
		t.Fatalf("a source that failed its test was saved: %+v", all)
	}
	var input *warehouse.InputError
	if _, _, err := e.eng.AddTestedSource(ctx, "dwh", "oracle://db/x"); !errors.As(err, &input) || input.Field != "url" {
		t.Fatalf("a URL no engine reads: %v", err)
	}
	if _, _, err := e.eng.AddTestedSource(ctx, " ", missing); !errors.As(err, &input) || input.Field != "name" {
		t.Fatalf("no name: %v", err)
	}

	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT)`)
	src, res, err = e.eng.AddTestedSource(ctx, "dwh", "sqlite:"+m.path)
	if err != nil || !res.OK || src == nil || src.Status != store.SourceOK || src.TestedAt.IsZero() {
		t.Fatalf("a readable file: %+v %+v %v", src, res, err)
	}
	if saved, err := e.st.Source(ctx, src.ID); err != nil || saved.Status != store.SourceOK || saved.TestedAt.IsZero() {
		t.Fatalf("saved as %+v, %v", saved, err)
	}
}

// A query is previewed before it is saved: its columns with their kinds and its first rows; with a
// primary key, checked for NULL and duplicate keys. Nothing is saved.
func TestAQueryIsPreviewedBeforeItIsSaved(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 1})
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER, email TEXT, points REAL)`)
	m.exec(`INSERT INTO crm VALUES (1, 'a@example.com', 1.5), (2, 'b@example.com', NULL), (2, 'c@example.com', 3), (NULL, 'd@example.com', 4)`)
	src, err := e.eng.AddSource(ctx, "dwh", "sqlite:"+m.path)
	if err != nil {
		t.Fatal(err)
	}
	in := warehouse.ModelInput{SourceID: src.ID, Query: "SELECT id, email, points FROM crm ORDER BY email", PrimaryKey: "id"}
	p, err := e.eng.PreviewDraft(ctx, in, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 2 || len(p.Columns) != 3 || p.Columns[2].Kind != source.KindFloat || !p.Checked || p.Total != 4 ||
		p.NullKeys != 1 || p.DuplicateKeys != 2 {
		t.Fatalf("preview = %+v", p)
	}
	in.PrimaryKey = ""
	if p, err := e.eng.PreviewDraft(ctx, in, 50, true); err != nil || p.Checked || len(p.Rows) != 4 {
		t.Fatalf("without a primary key nothing is checked: %+v %v", p, err)
	}
	var input *warehouse.InputError
	if _, err := e.eng.PreviewDraft(ctx, warehouse.ModelInput{SourceID: src.ID}, 50, false); !errors.As(err, &input) || input.Field != "query" {
		t.Fatalf("neither a query nor a table: %v", err)
	}
	if _, err := e.eng.PreviewDraft(ctx, warehouse.ModelInput{SourceID: src.ID, Query: "SELECT nope FROM crm"}, 50, false); source.PartOf(err) != source.PartQuery {
		t.Fatalf("a query the warehouse refuses: %v", err)
	}
	if models, _ := e.st.Models(ctx); len(models) != 0 {
		t.Fatalf("a preview saved a model: %+v", models)
	}
}

// The fields to choose from are the native ones and, for customers, the store's attributes and form
// fields as the store has them now.
func TestTheCatalogueOfAStoreListsItsAttributesAndFormFields(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 1, Customers: 5})
	ctx := context.Background()
	fields, err := e.eng.Catalogue(ctx, e.shopID, mapping.Customers)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]int{}
	for _, f := range fields {
		groups[f.Group]++
	}
	if groups[mapping.GroupCustomer] == 0 || groups[mapping.GroupAddress] == 0 || groups[mapping.GroupAttributes] == 0 || groups[mapping.GroupFormFields] == 0 {
		t.Fatalf("groups = %v", groups)
	}
	orders, err := e.eng.Catalogue(ctx, e.shopID, mapping.Orders)
	if err != nil || !slices.ContainsFunc(orders, func(f mapping.Field) bool { return f.Key == "status" }) {
		t.Fatalf("orders' fields: %v", err)
	}
	var input *warehouse.InputError
	if _, err := e.eng.Catalogue(ctx, e.shopID, "products"); !errors.As(err, &input) || input.Field != "object" {
		t.Fatalf("an object bcsync does not write: %v", err)
	}
}

// A saved sync is changed and checked as a new one is: a mapping of the wrong type is refused with
// its index and nothing changes; its store, model and object stay; a new schedule counts from now; a
// plan waiting for approval is set aside.
func TestASavedSyncIsChangedAndCheckedLikeANewOne(t *testing.T) {
	e := newEnv(t, bcemu.Config{Seed: 1})
	ctx := context.Background()
	m := newSQLiteModel(t, `CREATE TABLE crm (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, tier TEXT)`)
	for i, who := range []string{"ann", "ben", "cy", "di", "ed"} {
		m.exec(`INSERT INTO crm VALUES (?, ?, ?, 'Last', 'Gold')`, i+1, who+"@example.com", who)
	}
	src, err := e.eng.AddSource(ctx, "dwh", "sqlite:"+m.path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := e.eng.AddModel(ctx, warehouse.ModelInput{Name: "people", SourceID: src.ID, Table: "crm", PrimaryKey: "id"})
	if err != nil {
		t.Fatal(err)
	}
	spec := mapping.Spec{Object: mapping.Customers, Mode: mapping.Upsert, Match: mapping.Match{Column: "email", Field: mapping.MatchEmail},
		Mappings: []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "last_name", Column: "last"}}}
	w, err := e.eng.AddSync(ctx, warehouse.SyncInput{Name: "CRM", StoreID: e.shopID, ModelID: model.ID, Spec: spec, Schedule: schedule.Manual})
	if err != nil {
		t.Fatal(err)
	}

	wrong := spec
	wrong.Mappings = append(slices.Clone(spec.Mappings), mapping.Mapping{Field: "store_credit", Column: "tier"})
	var check *mapping.CheckError
	if _, err := e.eng.UpdateSync(ctx, w.ID, warehouse.SyncInput{Name: "CRM", Spec: wrong}); !errors.As(err, &check) ||
		len(check.ForMapping(2)) != 1 || !strings.Contains(check.ForMapping(2)[0].Message, "store_credit") {
		t.Fatalf("a text column to store credit: %v", err)
	}
	if saved, _ := e.st.WarehouseSync(ctx, w.ID); strings.Contains(saved.Mappings, "store_credit") {
		t.Fatalf("a refused change was saved: %s", saved.Mappings)
	}
	var input *warehouse.InputError
	if _, err := e.eng.UpdateSync(ctx, w.ID, warehouse.SyncInput{Name: "CRM", Spec: mapping.Spec{Object: mapping.Orders, Mode: mapping.Insert}}); !errors.As(err, &input) || input.Field != "object" {
		t.Fatalf("another object: %v", err)
	}
	if _, err := e.eng.UpdateSync(ctx, w.ID, warehouse.SyncInput{Name: "CRM", ModelID: model.ID + 1, Spec: spec}); !errors.As(err, &input) || input.Field != "model" {
		t.Fatalf("another model: %v", err)
	}

	// Synced once, then four of five rows leave the model: with delete, the guard stops the run.
	e.run(w.ID, "manual")
	m.exec(`DELETE FROM crm WHERE id > 1`)
	if _, err := e.eng.UpdateSync(ctx, w.ID, warehouse.SyncInput{Name: "CRM", Spec: spec, Delete: "delete"}); err != nil {
		t.Fatal(err)
	}
	if run := e.run(w.ID, "manual"); run.Status != store.RunBlocked {
		t.Fatalf("run %s", run.Status)
	}
	if y, _ := e.st.WarehouseSync(ctx, w.ID); y.Status != store.StatusAwaitingApproval {
		t.Fatalf("status %s", y.Status)
	}

	before := time.Now()
	changed, err := e.eng.UpdateSync(ctx, w.ID, warehouse.SyncInput{Name: "CRM renamed", Spec: spec, Delete: "nothing",
		Schedule: schedule.Spec{Interval: time.Hour}, GuardRemoveShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := e.st.WarehouseSync(ctx, w.ID)
	if err != nil || saved.Name != "CRM renamed" || saved.Delete != "nothing" || saved.GuardRemoveShare != 0.5 || saved.GuardCountShare != warehouse.DefaultGuardCountShare ||
		saved.Interval != time.Hour || saved.NextRunAt.Before(before.Add(time.Hour-time.Second)) || saved.Status != store.StatusOK || changed.Status != store.StatusOK {
		t.Fatalf("saved = %+v, %v", saved, err)
	}
	if _, state, err := e.eng.LatestPlan(ctx, w.ID); err != nil || state != "discarded" {
		t.Fatalf("the waiting plan is %q, %v", state, err)
	}
	if err := e.eng.Approve(ctx, w.ID); !errors.Is(err, warehouse.ErrNothingToApprove) {
		t.Fatalf("a plan set aside was approved: %v", err)
	}
}
