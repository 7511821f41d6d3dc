package dotdigital

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

var orders = Collection{Name: "Orders", Scope: ScopeContact, Type: "orders"}
var catalog = Collection{Name: "Catalog_Default", Scope: ScopeAccount, Type: "catalog"}

func order(id int, email string, total any) InsightRecord {
	j, _ := json.Marshal(map[string]any{"id": id, "email": email, "orderTotal": total, "currency": "GBP",
		"products": []map[string]any{{"sku": "HAT-1", "qty": 1, "price": 9.5, "categories": []string{"Hats"}}}})
	return InsightRecord{Key: fmt.Sprint(id), ContactEmail: email, JSON: j}
}

// Orders go into the contact-scoped collection; records of contacts Dotdigital does not have, records
// whose field types differ from the collection's, and nested arrays come back as per-record failures.
func TestInsightImportReportsPerRecordFailures(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com"}, ""); err != nil {
		t.Fatal(err)
	}
	var got reports[InsightImportReport]
	// One import: records of one import apply in order, so the first orderTotal sets the field's type.
	// (Imports in flight together may apply in any order.)
	imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: orders, OnDone: got.add})
	recs := []InsightRecord{
		order(1, "ann@example.com", 12.5),
		order(2, "ann@example.com", 20),
		order(3, "nobody@example.com", 7),            // no such contact
		order(4, "ann@example.com", "twelve pounds"), // orderTotal was a number
		{Key: "5", ContactEmail: "ann@example.com", JSON: json.RawMessage(`{"id":5,"matrix":[[1,2],[3]]}`)}, // nested array
	}
	for _, r := range recs {
		if err := imp.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rs := got.list()
	if len(rs) != 1 || rs[0].Records != 5 || rs[0].Summary.TotalRecords != 5 || rs[0].Summary.TotalRejected != 3 {
		t.Fatalf("reports %+v", rs)
	}
	reasons := map[string]string{}
	imported := 0
	for _, r := range rs {
		if r.Err != nil || r.Status != "Complete" || r.Collection != "Orders" {
			t.Fatalf("report %+v", r)
		}
		imported += r.Summary.TotalImported
		for _, f := range r.Failures {
			reasons[f.Key] = f.Reason
			if f.Key == "3" && f.ContactEmail != "nobody@example.com" {
				t.Errorf("failure %+v", f)
			}
		}
	}
	if imported != 2 || reasons["3"] != FailureContactEmailDoesNotExist || !IsTypeConflict(reasons["4"]) || reasons["5"] != FailureNestedArray {
		t.Fatalf("imported %d, failures %v", imported, reasons)
	}
	coll, _ := b.emu.Collection("Orders")
	ann, _ := b.emu.Contact("ann@example.com")
	if coll.Scope != "contact" || coll.Type != "orders" || len(coll.Records) != 2 || coll.Records[0].ContactID != ann.ID {
		t.Fatalf("collection %+v", coll)
	}
}

// The catalog is an account-scoped collection: records are upserted by key, and deleted by key.
func TestCatalogImportAndDeletes(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: catalog})
	for i := range 20 {
		j := fmt.Appendf(nil, `{"id":%d,"name":"Product %d","price":%d.5,"url":"https://shop.example.com/p/%d"}`, i, i, i, i)
		if err := imp.Add(ctx, InsightRecord{Key: fmt.Sprint(i), JSON: j}); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := b.emu.RecordCount("Catalog_Default"); n != 20 {
		t.Fatalf("%d records", n)
	}
	keys := []string{"0", "1", "2", "nope"}
	res := must[DeleteResult](t)(b.client.DeleteInsightRecords(ctx, "Catalog_Default", keys))
	if res.Deleted != 3 || !slices.Equal(res.NotFound, []string{"nope"}) || b.emu.RecordCount("Catalog_Default") != 17 {
		t.Fatalf("delete = %+v", res)
	}
	res = must[DeleteResult](t)(b.client.DeleteInsightRecords(ctx, "No_Such_Collection", keys))
	if res.Deleted != 0 || len(res.NotFound) != 4 {
		t.Fatalf("delete from a missing collection = %+v", res)
	}
	many := make([]string, 12000)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	res = must[DeleteResult](t)(b.client.DeleteInsightRecords(ctx, "Catalog_Default", many))
	if res.Deleted != 17 || b.calls.count("DELETE", "/insightData/v3/accounts/Catalog_Default/deleteRecords") != 1+3 {
		t.Fatalf("delete in chunks of 5000 = %d deleted", res.Deleted)
	}
	if err := b.client.DeleteInsightRecord(ctx, catalog, "", "gone"); err != nil {
		t.Fatalf("deleting a record that is not there: %v", err)
	}
	colls := must[[]CollectionSummary](t)(b.client.InsightCollections(ctx))
	if len(colls) != 1 || colls[0].Name != "Catalog_Default" || colls[0].Scope != ScopeAccount || colls[0].RecordCount != 0 {
		t.Fatalf("collections %+v", colls)
	}
}

// Single-record upserts (abandoned carts): the collection is created when Dotdigital says it is missing;
// a second upsert of the key replaces the record.
func TestCartInsightUpsert(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	carts := Collection{Name: "CartInsight", Scope: ScopeContact, Type: "cartInsight"}
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com"}, ""); err != nil {
		t.Fatal(err)
	}
	cart := func(phase string) InsightRecord {
		return InsightRecord{Key: "cart-9", ContactEmail: "ann@example.com",
			JSON: fmt.Appendf(nil, `{"cartId":"cart-9","grandTotal":42.5,"currency":"GBP","cartPhase":%q,"lineItems":[{"sku":"A","quantity":2}]}`, phase)}
	}
	created := must[bool](t)(b.client.UpsertInsightRecord(ctx, carts, cart("ORDER_PENDING")))
	if !created {
		t.Fatal("the first upsert should create")
	}
	if created = must[bool](t)(b.client.UpsertInsightRecord(ctx, carts, cart("ORDER_COMPLETE"))); created {
		t.Fatal("the second upsert should replace")
	}
	coll, _ := b.emu.Collection("CartInsight")
	if len(coll.Records) != 1 || !json.Valid(coll.Records[0].JSON) || string(coll.Records[0].JSON) == "" {
		t.Fatalf("records %+v", coll.Records)
	}
	var rec map[string]any
	json.Unmarshal(coll.Records[0].JSON, &rec)
	if rec["cartPhase"] != "ORDER_COMPLETE" {
		t.Fatalf("record %v", rec)
	}
	if _, err := b.client.UpsertInsightRecord(ctx, carts, InsightRecord{Key: "c", ContactEmail: "nobody@example.com", JSON: []byte(`{}`)}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing contact: %v", err)
	}
	if _, err := b.client.UpsertInsightRecord(ctx, catalog, InsightRecord{Key: "p1", JSON: []byte(`{"price":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.UpsertInsightRecord(ctx, catalog, InsightRecord{Key: "p2", JSON: []byte(`{"price":3}`)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a type conflict: %v", err)
	}
	if err := b.client.DeleteInsightRecord(ctx, carts, "ann@example.com", "cart-9"); err != nil {
		t.Fatal(err)
	}
	if n := b.emu.RecordCount("CartInsight"); n != 0 {
		t.Fatalf("%d carts left", n)
	}
}

// Collection names and limits: the client refuses a name Dotdigital would refuse; an account holds at
// most a set number of collections (1000 in Dotdigital), beyond which imports are refused with 412.
func TestInsightCollectionLimits(t *testing.T) {
	b := setup(t, ddemu.Config{MaxCollections: 2})
	ctx := ctxT(t)
	bad := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: Collection{Name: "1st orders", Scope: ScopeAccount, Type: "custom"}})
	if err := bad.Add(ctx, InsightRecord{Key: "1", JSON: []byte(`{}`)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	bad.Close(ctx)
	for i, name := range []string{"One", "Two", "Three"} {
		var got reports[InsightImportReport]
		imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: Collection{Name: name, Scope: ScopeAccount, Type: "custom"}, OnDone: got.add})
		must[struct{}](t)(struct{}{}, imp.Add(ctx, InsightRecord{Key: "k", JSON: []byte(`{"a":1}`)}))
		err := imp.Close(ctx)
		if (i < 2) != (err == nil) || (i == 2 && !errors.Is(got.list()[0].Err, ErrCollectionLimit)) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := b.client.CreateInsightCollection(ctx, Collection{Name: "Four", Scope: ScopeAccount, Type: "custom"}); !errors.Is(err, ErrCollectionLimit) {
		t.Fatalf("create: %v", err)
	}
}

// No more than the allowed Insight imports are in flight; Dotdigital's 429 for too many active imports
// is waited out.
func TestInsightImportsInFlightAreBounded(t *testing.T) {
	b := setup(t, ddemu.Config{ImportDelay: 100 * time.Millisecond, MaxInsightImports: 1})
	ctx := ctxT(t)
	imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: catalog, MaxRecords: 2})
	for i := range 12 {
		must[struct{}](t)(struct{}{}, imp.Add(ctx, InsightRecord{Key: fmt.Sprint(i), JSON: []byte(`{"n":1}`)}))
		if n := len(b.client.insightSlots); n > 5 {
			t.Fatalf("%d in flight", n)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if b.emu.RecordCount("Catalog_Default") != 12 || b.emu.Stats().Snapshot().Statuses["429"] == 0 {
		t.Fatalf("%d records, statuses %v", b.emu.RecordCount("Catalog_Default"), b.emu.Stats().Snapshot().Statuses)
	}
}

func TestFailedInsightImportIsReported(t *testing.T) {
	b := setup(t, ddemu.Config{ImportFailures: 1})
	ctx := ctxT(t)
	var got reports[InsightImportReport]
	imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: catalog, OnDone: got.add})
	must[struct{}](t)(struct{}{}, imp.Add(ctx, InsightRecord{Key: "1", JSON: []byte(`{}`)}))
	if err := imp.Close(ctx); !errors.Is(err, ErrImportFailed) {
		t.Fatalf("Close = %v", err)
	}
	if r := got.list()[0]; r.Status != "Failed" || !errors.Is(r.Err, ErrImportFailed) {
		t.Fatalf("report %+v", r)
	}
}

// The I3 description says an import ends Complete; its example and the official SDK say Finished. The
// client takes both as success. (A stand-in server: the emulator answers Complete.)
func TestInsightImportFinishedCountsAsComplete(t *testing.T) {
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/account-info":
			fmt.Fprintf(w, `{"id":1,"properties":[{"name":"ApiEndpoint","type":"String","value":"http://%s/"}]}`, r.Host)
		case r.Method == "PUT":
			w.WriteHeader(202)
			fmt.Fprint(w, `{"importId":"d7de900d-d337-43f6-b1e1-c8ec73e1a434"}`)
		default:
			status := "Processing"
			if polls.Add(1) > 1 {
				status = "Finished"
			}
			fmt.Fprintf(w, `{"importId":"d7de900d-d337-43f6-b1e1-c8ec73e1a434","status":%q,"summary":{"totalRecords":1,"totalImported":1,"totalRejected":0}}`, status)
		}
	}))
	defer srv.Close()
	c, _ := New(Config{Credentials: Credentials{"u", "p"}, Endpoint: srv.URL, Poll: fastPolls, Retry: fastRetries})
	ctx := ctxT(t)
	var got reports[InsightImportReport]
	imp := c.NewInsightImporter(ctx, InsightImportOptions{Collection: catalog, OnDone: got.add})
	must[struct{}](t)(struct{}{}, imp.Add(ctx, InsightRecord{Key: "1", JSON: []byte(`{}`)}))
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r := got.list()[0]; r.Status != "Finished" || r.Polls != 2 || r.Summary.TotalImported != 1 {
		t.Fatalf("report %+v", r)
	}
}

// Polling learns: the first poll of an import waits as long as imports of its size have taken so far
// (an upper bound, so the next import of that size is polled once), within Min and Max; an unfinished
// import is polled again after a growing wait.
func TestPollScheduleLearns(t *testing.T) {
	p := PollPolicy{Min: 10 * time.Millisecond, Max: time.Second, PerRecord: time.Microsecond}.withDefaults()
	var e estimator
	if d := e.first(1000, p); d != 10*time.Millisecond {
		t.Fatalf("first guess %v", d)
	}
	if d := e.first(1_000_000, p); d != time.Second {
		t.Fatalf("capped guess %v", d)
	}
	e.observe(1000, 300*time.Millisecond)
	if d := e.first(1000, p); d != 300*time.Millisecond {
		t.Fatalf("after one import %v", d)
	}
	if d := e.first(500, p); d != 150*time.Millisecond {
		t.Fatalf("half the size %v", d)
	}
	e.observe(1000, 500*time.Millisecond)
	if d := e.first(1000, p); d != 400*time.Millisecond {
		t.Fatalf("after two imports %v", d)
	}
	if d := p.next(100 * time.Millisecond); d != 150*time.Millisecond {
		t.Fatalf("next %v", d)
	}
	if d := p.next(900 * time.Millisecond); d != time.Second {
		t.Fatalf("next capped %v", d)
	}
	if d := (PollPolicy{}).withDefaults(); d.Min != 5*time.Second || d.Max != 30*time.Second || d.Factor != 1.5 || d.Timeout != 4*time.Hour {
		t.Fatalf("defaults %+v", d)
	}
}

// A client lives as long as its process, so what its polls learn lasts: small imports found finished
// at a first poll held back to Min teach nothing (the time is Min's, not theirs), and the next small
// import is still polled once, at Min, rather than later and later.
func TestSmallImportsFoundFinishedAtTheMinimumPollDoNotLengthenTheNext(t *testing.T) {
	b := setup(t, ddemu.Config{ImportDelay: 5 * time.Millisecond}, func(c *Config) {
		c.Poll = PollPolicy{Min: 50 * time.Millisecond, Max: 10 * time.Second, PerRecord: time.Microsecond}
	})
	ctx := ctxT(t)
	var polls []int
	for i := range 4 {
		imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: func(r ContactImportReport) { polls = append(polls, r.Polls) }})
		for j := range 5 {
			if err := imp.Add(ctx, Contact{Email: emailN(i*10 + j)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := imp.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d := b.client.contactEst.first(5, b.client.cfg.Poll); d != 50*time.Millisecond {
		t.Fatalf("after %d small imports (polls %v) the next is first polled after %v, want Min", len(polls), polls, d)
	}
}

// OnFailures hands refused records over in chunks as the report is read, naming the import; the report
// then leaves them out.
func TestInsightRefusalsCanBeTakenInChunks(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	var mu sync.Mutex
	refused := map[string]string{}
	var firsts []int64
	var done []InsightImportReport
	imp := b.client.NewInsightImporter(ctx, InsightImportOptions{Collection: orders,
		OnFailures: func(first int64, fs []InsightFailure) error {
			mu.Lock()
			defer mu.Unlock()
			firsts = append(firsts, first)
			for _, f := range fs {
				refused[f.Key] = f.Reason
			}
			return nil
		},
		OnDone: func(r InsightImportReport) { done = append(done, r) },
	})
	for i := range 1100 { // two chunks of refusals
		if err := imp.Add(ctx, order(i, fmt.Sprintf("nobody%d@example.com", i), 10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1100 || len(done) != 1 || len(done[0].Failures) != 0 || done[0].Summary.TotalRejected != 1100 || len(firsts) != 2 {
		t.Fatalf("%d refusals handed over; reports %+v", len(refused), done)
	}
	for _, f := range firsts {
		if f != done[0].First {
			t.Fatalf("a chunk named import %d, the report %d", f, done[0].First)
		}
	}
	if refused["7"] != FailureContactEmailDoesNotExist {
		t.Fatalf("reason %q", refused["7"])
	}
}
