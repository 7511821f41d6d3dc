package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// A source's URL is built from the fields of its kind, as docs/warehouse.md writes it: a password
// with the characters a URL reserves is escaped, a CSV link keeps its own query and takes bcsync's
// parameters in its fragment.
func TestASourcesURLIsBuiltFromItsFields(t *testing.T) {
	for _, c := range []struct {
		form     sourceForm
		password string
		want     string
	}{
		{sourceForm{Engine: "postgres", Host: "db.internal", Port: "5433", Database: "dwh", User: "reader", Options: "sslmode=require&search_path=crm"},
			"p@ss/w:rd?", "postgres://reader:p%40ss%2Fw%3Ard%3F@db.internal:5433/dwh?sslmode=require&search_path=crm"},
		{sourceForm{Engine: "postgres", Host: "db", Database: "dwh", User: "etl"}, "", "postgres://etl@db/dwh"},
		{sourceForm{Engine: "mysql", Host: "10.0.0.5", Port: "3306", Database: "shop", User: "root"}, "pw", "mysql://root:pw@10.0.0.5:3306/shop"},
		{sourceForm{Engine: "sqlite", Path: "/var/data/dwh.db"}, "", "sqlite:/var/data/dwh.db"},
		{sourceForm{Engine: "csv", File: "/exports/loyalty.csv", Delimiter: ";", Encoding: "latin1"}, "", "/exports/loyalty.csv?delimiter=%3B&encoding=latin1"},
		{sourceForm{Engine: "csv", File: "/exports/loyalty.txt"}, "", "csv:/exports/loyalty.txt"},
		{sourceForm{Engine: "csv", File: "https://files.example.com/x.csv?sig=abc", Delimiter: "tab"}, "", "https://files.example.com/x.csv?sig=abc#delimiter=tab"},
		{sourceForm{Engine: "url", URL: "sqlite:/x.db"}, "", "sqlite:/x.db"},
	} {
		got, err := c.form.url(c.password)
		if err != nil || got != c.want {
			t.Errorf("%+v: %q, %v; want %q", c.form, got, err, c.want)
			continue
		}
		if _, err := source.Open(t.Context(), got, source.Options{}); err != nil {
			t.Errorf("%q is not a URL bcsync reads: %v", got, err)
		}
	}
	for _, c := range []struct {
		form  sourceForm
		field string
	}{{sourceForm{Engine: "postgres", User: "x"}, "host"}, {sourceForm{Engine: "mysql", Host: "db"}, "user"}, {sourceForm{Engine: "sqlite"}, "path"},
		{sourceForm{Engine: "csv"}, "file"}, {sourceForm{}, "engine"}} {
		var p *resource.Problem
		if _, err := c.form.url(""); err == nil || !asProblem(err, &p) || p.Field != c.field {
			t.Errorf("%+v: %v, want a problem of %s", c.form, err, c.field)
		}
	}
}

func asProblem(err error, p **resource.Problem) bool {
	q, ok := err.(*resource.Problem)
	*p = q
	return ok
}

// A failed test marks the fields that hold what is wrong: the password for a refused login, the host
// for a server that does not answer; a URL typed whole is its own field.
func TestAFailedTestMarksTheFieldsToFix(t *testing.T) {
	db := sourceForm{Engine: "postgres"}
	for part, want := range map[source.Part]string{source.PartAuth: "password user", source.PartHost: "host port", source.PartDatabase: "database",
		source.PartPermission: "user", source.PartTimeout: ""} {
		if got := strings.Join(db.fieldsOf(string(part)), " "); got != want {
			t.Errorf("%s: %q, want %q", part, got, want)
		}
	}
	if got := (sourceForm{Engine: "sqlite"}).fieldsOf(string(source.PartFile)); len(got) != 1 || got[0] != "path" {
		t.Errorf("an SQLite file: %v", got)
	}
	if got := (sourceForm{Engine: "url"}).fieldsOf(string(source.PartAuth)); len(got) != 1 || got[0] != "url" {
		t.Errorf("a URL: %v", got)
	}
	v := sourcesView{Form: db, Failed: &warehouse.SourceTest{Part: string(source.PartAuth), Message: "refused"}}
	if bad := v.Invalid(); !bad["password"] || !bad["user"] || bad["host"] || v.Headline() != "bcsync could not read this source: check the user or its password." {
		t.Errorf("invalid %v, headline %q", bad, v.Headline())
	}
}

// The mapping editor's rows are read with their buttons applied; blank rows are no mappings, so the
// engine's mapping i is traced back to its row; its problems stand beside that row, the match's
// beside the match, the rest above the mapping.
func TestAMappingsProblemsStandBesideTheirRows(t *testing.T) {
	form := url.Values{"rows": {"4"}, "object": {"customers"}, "mode": {"upsert"}, "match_column": {"mail"}, "match_field": {"email"},
		"map.0.source": {"first"}, "map.0.field": {"first_name"}, "map.0.skip_nulls": {"1"},
		"map.2.source": {"=constant"}, "map.2.value": {" VIP "}, "map.2.field": {"company"},
		"map.3.source": {"meta"}, "map.3.field": {"metafield:"}, "map.3.metafield": {"crm.tier"}, "action": {"add"}}
	r := httptest.NewRequest("POST", "/warehouse/syncs", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f := syncFormOf(r)
	if len(f.Rows) != 5 || !f.Rows[0].SkipNulls || !f.Rows[1].blank() || !f.Rows[4].blank() {
		t.Fatalf("rows = %+v", f.Rows)
	}
	spec, rows := f.spec()
	if len(spec.Mappings) != 3 || rows[0] != 0 || rows[1] != 2 || rows[2] != 3 {
		t.Fatalf("mappings %+v from rows %v", spec.Mappings, rows)
	}
	if c := spec.Mappings[1].Constant; c == nil || *c != " VIP " || spec.Mappings[2].Field != "metafield:crm.tier" || spec.Mappings[2].Column != "meta" {
		t.Fatalf("mappings = %+v", spec.Mappings)
	}
	v := syncFormView{Form: f}
	v.place(&resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_mapping", Problems: []mapping.Problem{
		{Mapping: 1, Message: "company: the constant is wrong"}, {Mapping: mapping.InMatch, Message: "the model has no column mail"},
		{Mapping: mapping.InSync, Message: "a customer cannot be created without last_name"}}}, rows)
	if len(v.Form.Rows[2].Problems) != 1 || v.Form.Rows[2].Problems[0] != "Company: the constant is wrong." || len(v.Form.Rows[1].Problems) != 0 ||
		len(v.MatchProblems) != 1 || len(v.SyncProblems) != 1 || v.Field != "" {
		t.Fatalf("placed: rows %+v, match %v, sync %v", v.Form.Rows, v.MatchProblems, v.SyncProblems)
	}
	v = syncFormView{Form: f}
	v.place(&resource.Problem{Status: http.StatusUnprocessableEntity, Field: "guard-remove-share", Message: "x"}, rows)
	if !v.Invalid("guard_remove") {
		t.Fatalf("a guard threshold's problem stands beside %q", v.Field)
	}
}

// A saved sync shows in the form as it was saved, and the form gives it back unchanged.
func TestASavedSyncRoundTripsThroughItsForm(t *testing.T) {
	w := &store.WarehouseSync{Sync: store.Sync{Name: "Tiers", StoreID: 1, Interval: 90 * time.Minute}, ModelID: 2, Object: "customers",
		Mode: "upsert", MatchColumn: "email", MatchField: "email", Delete: "clear", GuardRemoveShare: 0.05, GuardCountShare: 0.25,
		Mappings: `[{"field":"first_name","column":"first","skip_nulls":true},{"field":"notes","template":"Tier {tier}"},{"field":"company","constant":""},{"field":"metafield:crm.tier","column":"tier"}]`}
	f := formOfSync(w)
	if f.Schedule != "interval" || f.Every != "1h30m" || f.GuardRemove != "5" || f.Rows[2].Source != constantSource || f.Rows[3].Field != otherMetafield {
		t.Fatalf("form = %+v", f)
	}
	in, _, err := f.input()
	if err != nil {
		t.Fatal(err)
	}
	if in.Schedule.Interval != 90*time.Minute || in.GuardRemoveShare != 0.05 || in.Delete != "clear" || len(in.Spec.Mappings) != 4 ||
		in.Spec.Mappings[3].Field != "metafield:crm.tier" || in.Spec.Mappings[2].Constant == nil || *in.Spec.Mappings[2].Constant != "" ||
		in.Spec.Mappings[1].Template != "Tier {tier}" || !in.Spec.Mappings[0].SkipNulls {
		t.Fatalf("input = %+v", in)
	}
	f.Schedule, f.Cron = "cron", "61 * * * *"
	if _, _, err := f.input(); err == nil || err.(*resource.Problem).Field != "cron" {
		t.Fatalf("a cron expression out of range: %v", err)
	}
	f.Schedule, f.GuardRemove = "manual", "150"
	if _, _, err := f.input(); err == nil || err.(*resource.Problem).Field != "guard_remove" {
		t.Fatalf("a share over 100%%: %v", err)
	}
}

// A plan's samples are laid out as the mapping is, the match first; a changed value is marked, an
// unchanged one is not, and an invalid row shows its reason.
func TestAPlansSamplesShowEachFieldBeforeAndAfter(t *testing.T) {
	p := &warehouse.Plan{Samples: []warehouse.Sample{
		{Op: "change", Key: "1", TargetID: "17", Before: map[string]string{"company": "Acme", "first_name": "Ann"},
			After: map[string]string{"email": "ann@example.com", "company": "Acme Ltd", "first_name": "Ann"}},
		{Op: "add", Key: "2", After: map[string]string{"email": "ben@example.com", "company": "Globex", "first_name": "Ben"}},
		{Op: "invalid", Key: "3", Reason: "email: not an email"},
	}}
	ms := []mapping.Mapping{{Field: "first_name", Column: "first"}, {Field: "company", Column: "tier"}, {Field: "phone", Column: "phone"}}
	tbl := newSampleTable(p, ms)
	if strings.Join(tbl.Fields, " ") != "email first_name company" {
		t.Fatalf("fields = %v (a field no sample has is left out)", tbl.Fields)
	}
	change := tbl.Rows[0].Cells
	if change[1].Changed || !change[2].Changed || change[2].Before != "Acme" || change[2].After != "Acme Ltd" {
		t.Fatalf("the change: %+v", change)
	}
	if add := tbl.Rows[1].Cells; !add[0].Changed || add[0].HasBefore {
		t.Fatalf("the add: %+v", add)
	}
	if tbl.Rows[2].Reason != "email: not an email" {
		t.Fatalf("the invalid row: %+v", tbl.Rows[2])
	}
}

// A warehouse run's bar stacks its rows by outcome — added, changed, removed, rejected — scaled to
// the busiest run; a blocked run, which wrote nothing, has no bar but keeps its place.
func TestTheRowsChartStacksOutcomes(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	run := func(id int64, status store.RunStatus, add, change, remove, invalid, refused int64) *store.Run {
		return &store.Run{ID: id, Status: status, StartedAt: start, FinishedAt: start.Add(time.Second), Streams: []store.StreamCounts{
			{Stream: "plan", Read: 100, Rejected: invalid}, {Stream: "add", Sent: add, Rejected: refused}, {Stream: "change", Sent: change},
			{Stream: "remove", Sent: remove}}}
	}
	c := newOutcomeChart([]*store.Run{run(1, store.RunSucceeded, 60, 20, 0, 0, 0), run(2, store.RunPartial, 10, 10, 10, 5, 5), run(3, store.RunBlocked, 0, 0, 0, 0, 0)})
	if c.MaxRecords != 80 || len(c.Bars) != 3 {
		t.Fatalf("chart = %+v", c)
	}
	first, second := c.Bars[0], c.Bars[1]
	if len(first.Segments) != 2 || first.Segments[0].Class != "added" || first.Segments[0].H != 3*first.Segments[1].H {
		t.Fatalf("run 1: %+v", first.Segments)
	}
	if len(second.Segments) != 4 || second.Segments[3].Class != "rejected" || second.H*2 != first.H {
		t.Fatalf("run 2: %+v (height %v of %v)", second.Segments, second.H, first.H)
	}
	if len(c.Bars[2].Segments) != 0 || !strings.Contains(c.Bars[2].Label, "(blocked)") {
		t.Fatalf("the blocked run: %+v", c.Bars[2])
	}
	// Segments stack upwards, each starting where the one below ends.
	for i := 1; i < len(second.Segments); i++ {
		if below, s := second.Segments[i-1], second.Segments[i]; s.Y+s.H != below.Y {
			t.Fatalf("segment %d does not sit on %d: %+v", i, i-1, second.Segments)
		}
	}
}

// A new sync's form starts from the model's columns: an email column is the match, and a column named
// as a field (first_name) is mapped to it; other columns are left for the person to map.
func TestANewSyncStartsFromColumnsNamedAsFields(t *testing.T) {
	f := syncForm{Object: "customers"}
	cols := []source.Column{{Name: "id", Kind: source.KindInteger}, {Name: "Email", Kind: source.KindText}, {Name: "first_name", Kind: source.KindText},
		{Name: "tier", Kind: source.KindText}}
	suggest(&f, cols, mapping.Catalogue(mapping.Customers, mapping.Store{}))
	if f.MatchColumn != "Email" || f.MatchField != mapping.MatchEmail || len(f.Rows) != 1 || f.Rows[0].Source != "first_name" || f.Rows[0].Field != "first_name" {
		t.Fatalf("form = %+v", f)
	}
	orders := syncForm{Object: "orders"}
	suggest(&orders, []source.Column{{Name: "email"}, {Name: "status"}}, mapping.Catalogue(mapping.Orders, mapping.Store{}))
	if orders.MatchColumn != "" || len(orders.Rows) != 1 || orders.Rows[0].Field != "status" {
		t.Fatalf("orders are matched on their id, never an email: %+v", orders)
	}
}
