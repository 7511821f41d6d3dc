package ui_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app/apptest"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/ui"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// The warehouse pages, driven over HTTP as a browser without JavaScript would: every form is posted
// as it is, and every answer is a whole page.

// site is the UI of one test's bcsync, signed in.
type site struct {
	t    *testing.T
	env  *apptest.Env
	url  string
	http *http.Client
	csrf string
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newSite(t *testing.T) *site {
	t.Helper()
	env := apptest.NewWorking(t)
	h, err := ui.New(env.Services, env.Services.Auth, ui.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	s := &site{t: t, env: env, url: srv.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	_, page := s.get("/login")
	resp := s.post("/login", url.Values{"csrf": {csrfInput.FindStringSubmatch(page)[1]}, "username": {"admin"}, "password": {apptest.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	_, page = s.get("/warehouse/sources")
	s.csrf = csrfInput.FindStringSubmatch(page)[1]
	return s
}

func (s *site) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form; its body is read into the response's Page.
func (s *site) post(path string, form url.Values) *response {
	s.t.Helper()
	if s.csrf != "" {
		form.Set("csrf", s.csrf)
	}
	resp, err := s.http.PostForm(s.url+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{Response: resp, Page: string(b)}
}

type response struct {
	*http.Response
	Page string
}

// follow is the page a redirect leads to.
func (s *site) follow(r *response) string {
	s.t.Helper()
	if r.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("no redirect but %d:\n%s", r.StatusCode, text(r.Page))
	}
	status, page := s.get(r.Header.Get("Location"))
	if status != http.StatusOK {
		s.t.Fatalf("%s: %d", r.Header.Get("Location"), status)
	}
	return page
}

var (
	tags        = regexp.MustCompile(`<[^>]*>`)
	beforePunct = regexp.MustCompile(` ([,.;:])`)
)

// text is a page's text, its tags and runs of spaces taken out, to look for what a reader sees.
func text(page string) string {
	s := strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(page, " "))), " ")
	return beforePunct.ReplaceAllString(s, "$1")
}

// see fails unless the page's text holds every phrase.
func see(t *testing.T, page string, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(text(page), p) {
			t.Fatalf("the page does not say %q:\n%s", p, text(page))
		}
	}
}

// warehouseFile is an SQLite warehouse of people; exec changes it.
func warehouseFile(t *testing.T) (string, func(string, ...any)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dwh.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, tier TEXT, points REAL)`)
	exec(`INSERT INTO people VALUES (1, 'ann@example.com', 'Ann', 'Archer', 'Gold', 120.5), (2, 'ben@example.com', 'Ben', 'Baker', 'Silver', NULL),
		(3, 'cy@example.com', 'Cy', 'Cooper', NULL, 30)`)
	return path, exec
}

// addStore adds the emulated store and returns its id.
func (s *site) addStore() int64 {
	s.t.Helper()
	in := s.env.ConnectInput()
	sh, _, err := s.env.Services.AddStore(context.Background(), shop.Input{BigCommerce: in.BigCommerce})
	if err != nil {
		s.t.Fatal(err)
	}
	return sh.ID
}

// idIn reads the id at the end of a redirect's location.
func idIn(t *testing.T, r *response) int64 {
	t.Helper()
	loc := r.Header.Get("Location")
	id, err := strconv.ParseInt(loc[strings.LastIndexByte(loc, '/')+1:], 10, 64)
	if err != nil {
		t.Fatalf("no id in %q (%d): %s", loc, r.StatusCode, text(r.Page))
	}
	return id
}

// A source is tested before it is added: a file that is not there is named, beside the field to fix,
// and nothing is saved; a readable one is saved, shown as readable with the time of its test.
func TestASourceIsTestedBeforeItIsAdded(t *testing.T) {
	s := newSite(t)
	path, _ := warehouseFile(t)
	missing := filepath.Join(filepath.Dir(path), "nowhere", "dwh.db")
	r := s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {missing}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a missing file: %d", r.StatusCode)
	}
	see(t, r.Page, "bcsync could not read this source: check the file.")
	if !strings.Contains(r.Page, `id="path" name="path" value="`+missing+`" placeholder="/var/data/warehouse.db" aria-invalid="true"`) {
		t.Fatalf("the path is not marked and kept:\n%s", r.Page)
	}
	if srcs, _ := s.env.Services.Store.Sources(context.Background()); len(srcs) != 0 {
		t.Fatalf("a source that failed its test was saved: %+v", srcs)
	}
	page := s.follow(s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {path}}))
	see(t, page, "Added dwh: bcsync can read it.", "SQLite file", "readable", "tested just now")

	// A source a model reads cannot be removed: the confirmation names the model instead.
	srcs, _ := s.env.Services.Store.Sources(context.Background())
	if _, err := s.env.Services.Warehouse.AddModel(context.Background(), warehouseModel(srcs[0].ID)); err != nil {
		t.Fatal(err)
	}
	_, page = s.get(fmt.Sprintf("/warehouse/sources/%d/remove", srcs[0].ID))
	see(t, page, "These models read it: remove them first", "People")
	if r := s.post(fmt.Sprintf("/warehouse/sources/%d/remove", srcs[0].ID), url.Values{}); r.StatusCode != http.StatusConflict {
		t.Fatalf("removing a source in use: %d", r.StatusCode)
	} else {
		see(t, r.Page, `Source 1 is used by model 1 "People": remove it first.`)
	}
}

// A model's query is previewed before it is saved: its columns with their types, its first rows with
// NULL shown as such; the check counts rows without a key. Saving runs it once more.
func TestAModelIsPreviewedBeforeItIsSaved(t *testing.T) {
	s := newSite(t)
	path, exec := warehouseFile(t)
	exec(`CREATE TABLE dupes (id INTEGER, email TEXT)`)
	exec(`INSERT INTO dupes VALUES (1, 'a@example.com'), (1, 'b@example.com'), (NULL, 'c@example.com')`)
	s.follow(s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {path}}))
	form := url.Values{"name": {"People"}, "source": {"1"}, "query": {"SELECT id, email, tier, points\r\nFROM people"}, "primary_key": {"id"}, "action": {"preview"}}
	r := s.post("/warehouse/models", form)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %s", r.StatusCode, text(r.Page))
	}
	see(t, r.Page, "Preview: the first 3 rows", "id primary key", "integer", "points", "float", "ben@example.com Silver NULL", "cy@example.com NULL 30")
	if models, _ := s.env.Services.Store.Models(context.Background()); len(models) != 0 {
		t.Fatalf("a preview saved the model: %+v", models)
	}

	form.Set("query", "SELECT * FROM dupes")
	form.Set("action", "check")
	see(t, s.post("/warehouse/models", form).Page, "3 rows: 1 without a primary key, 2 sharing theirs with another row.")

	form.Set("query", "SELECT nope FROM people")
	r = s.post("/warehouse/models", form)
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(r.Page, `aria-describedby="query-hint problem" aria-invalid="true"`) {
		t.Fatalf("a query the warehouse refuses: %d %s", r.StatusCode, text(r.Page))
	}
	see(t, r.Page, "no such column: nope")

	form.Set("query", "SELECT id, email, tier, points FROM people")
	form.Set("action", "save")
	page := s.follow(s.post("/warehouse/models", form))
	see(t, page, "Saved the model People.", "SELECT id, email, tier, points FROM people")
	_, page = s.get("/warehouse/models/1?check")
	see(t, page, "3 rows, every one with a primary key of its own.")
}

func warehouseModel(sourceID int64) warehouse.ModelInput {
	return warehouse.ModelInput{Name: "People", SourceID: sourceID, Table: "people", PrimaryKey: "id"}
}

// syncForm is the form of a customers upsert of the people model, its mapping given as rows of
// (source, field).
func syncForm(storeID int64, rows ...[2]string) url.Values {
	f := url.Values{"name": {"Tiers"}, "store": {strconv.FormatInt(storeID, 10)}, "model": {"1"}, "object": {"customers"}, "mode": {"upsert"},
		"match_column": {"email"}, "match_field": {"email"}, "schedule": {"manual"}, "delete": {"nothing"}, "rows": {strconv.Itoa(len(rows))}}
	for i, r := range rows {
		f.Set(fmt.Sprintf("map.%d.source", i), r[0])
		f.Set(fmt.Sprintf("map.%d.field", i), r[1])
	}
	return f
}

// The mapping editor works without JavaScript: adding and removing a row shows the form again with
// every other row as it was; a column of the wrong type is refused with the message beside its row
// (counted without the blank rows) and nothing is saved; a required field no row maps is named.
func TestTheMappingEditorWorksWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	path, _ := warehouseFile(t)
	storeID := s.addStore()
	s.follow(s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {path}}))
	s.follow(s.post("/warehouse/models", url.Values{"name": {"People"}, "source": {"1"}, "table": {"people"}, "primary_key": {"id"}, "action": {"save"}}))

	_, page := s.get(fmt.Sprintf("/warehouse/syncs/new?store=%d&model=1", storeID))
	// A new sync starts matched on the email column, and offers the store's own fields by group.
	if !strings.Contains(page, `<option value="email" selected>email · text</option>`) || !strings.Contains(page, `<optgroup label="Attributes">`) {
		t.Fatalf("the new form:\n%s", page)
	}
	see(t, page, "Needed to create a customer: Email ✓ from the match, First name ✗ not mapped, Last name ✗ not mapped")

	form := syncForm(storeID, [2]string{"first", "first_name"}, [2]string{"", ""}, [2]string{"last", "last_name"})
	form.Set("action", "add")
	r := s.post("/warehouse/syncs", form)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Page, `name="rows" value="4"`) {
		t.Fatalf("adding a row: %d %s", r.StatusCode, text(r.Page))
	}
	form.Del("action")
	form.Set("remove", "0")
	r = s.post("/warehouse/syncs", form)
	if !strings.Contains(r.Page, `name="rows" value="2"`) || !strings.Contains(r.Page, `<option value="last" selected>`) || strings.Contains(r.Page, `<option value="first" selected>`) {
		t.Fatalf("removing row 1 kept the wrong rows:\n%s", text(r.Page))
	}

	// Row 3 (mapping 2, the blank row 1 not counted) writes text into store credit.
	form = syncForm(storeID, [2]string{"first", "first_name"}, [2]string{"", ""}, [2]string{"last", "last_name"}, [2]string{"tier", "store_credit"})
	r = s.post("/warehouse/syncs", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a mismatch: %d %s", r.StatusCode, text(r.Page))
	}
	problem := regexp.MustCompile(`<div class="row-problem" id="map\.(\d)\.problem"><p>([^<]*)</p>`).FindStringSubmatch(r.Page)
	if problem == nil || problem[1] != "3" || !strings.Contains(problem[2], `The column &#34;tier&#34; (text) cannot be written to store_credit (a decimal)`) {
		t.Fatalf("the problem is not beside row 3: %q\n%s", problem, text(r.Page))
	}
	if !strings.Contains(r.Page, `id="map.3.field" name="map.3.field" data-value-for="map.3.metafield" data-shows-on="metafield:" aria-invalid="true" aria-describedby="map.3.problem"`) {
		t.Fatalf("row 3's field is not marked")
	}
	see(t, r.Page, "The sync was not saved: one problem, shown where it is below.")
	if syncs, _ := s.env.Services.Store.WarehouseSyncs(context.Background()); len(syncs) != 0 {
		t.Fatalf("a refused sync was saved: %+v", syncs)
	}

	form = syncForm(storeID, [2]string{"first", "first_name"})
	form.Set("mode", "insert")
	form.Set("match_column", "")
	r = s.post("/warehouse/syncs", form)
	see(t, r.Page, "A customer cannot be created without email, and insert mode creates a record for every new row: map it.")

	form = syncForm(storeID, [2]string{"first", "first_name"}, [2]string{"last", "last_name"}, [2]string{"=template", "notes"})
	form.Set("map.2.value", "Tier {tier}")
	form.Set("schedule", "cron")
	form.Set("cron", "0 3 * * *")
	page = s.follow(s.post("/warehouse/syncs", form))
	see(t, page, "Saved Tiers.", "at the times of cron 0 3 * * * (UTC)", "03:00 UTC", "the template Tier {tier}")
}

// A saved sync is changed in the same form: its mapping shown as saved, its store, model and object
// fixed; the delete behaviour's warning is plain.
func TestASavedSyncIsChangedInItsSettings(t *testing.T) {
	s := newSite(t)
	path, _ := warehouseFile(t)
	storeID := s.addStore()
	s.follow(s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {path}}))
	s.follow(s.post("/warehouse/models", url.Values{"name": {"People"}, "source": {"1"}, "table": {"people"}, "primary_key": {"id"}, "action": {"save"}}))
	form := syncForm(storeID, [2]string{"first", "first_name"}, [2]string{"last", "last_name"}, [2]string{"=constant", "company"})
	form.Set("map.2.value", "Acme")
	form.Set("map.0.skip_nulls", "1")
	id := idIn(t, s.post("/warehouse/syncs", form))

	_, page := s.get(fmt.Sprintf("/warehouse/syncs/%d/settings", id))
	for _, want := range []string{`<option value="=constant" selected>`, `name="map.2.value" value="Acme"`, `name="map.0.skip_nulls" value="1" checked`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the settings do not show %s:\n%s", want, page)
		}
	}
	see(t, page, "A sync keeps its store, model and object", "Delete removes records from the store for good")
	form.Set("delete", "delete")
	form.Set("guard_remove", "50")
	form.Set("object", "orders") // ignored: a sync keeps its object
	see(t, s.follow(s.post(fmt.Sprintf("/warehouse/syncs/%d/settings", id), form)), "Saved the settings of Tiers.", "are deleted in the store", "above 50% removed")
	saved, _ := s.env.Services.Store.WarehouseSync(context.Background(), id)
	if saved.Delete != "delete" || saved.GuardRemoveShare != 0.5 || saved.Object != "customers" {
		t.Fatalf("saved = %+v", saved)
	}
}

// A plan, a run, a rejected row exported as CSV and JSON with the request and the response, the
// debugger filtered to the run, a row tested on its own; the guard stopping a run and its approval.
func TestAWarehouseSyncIsPlannedRunInspectedAndApproved(t *testing.T) {
	s := newSite(t)
	path, exec := warehouseFile(t)
	storeID := s.addStore()
	s.follow(s.post("/warehouse/sources", url.Values{"name": {"dwh"}, "engine": {"sqlite"}, "path": {path}}))
	s.follow(s.post("/warehouse/models", url.Values{"name": {"People"}, "source": {"1"}, "table": {"people"}, "primary_key": {"id"}, "action": {"save"}}))
	form := syncForm(storeID, [2]string{"first", "first_name"}, [2]string{"last", "last_name"}, [2]string{"tier", "company"})
	id := idIn(t, s.post("/warehouse/syncs", form))
	base := fmt.Sprintf("/warehouse/syncs/%d", id)

	page := s.follow(s.post(base+"/plan", url.Values{}))
	see(t, page, "Planned without writing anything: 3 adds, 0 changes, 0 removes, 0 invalid rows.", "Adds 3", "add 1 new")
	s.follow(s.post(base+"/run", url.Values{}))
	run := s.waitRun(id)
	if run.Status != store.RunSucceeded {
		t.Fatalf("run %s", run.Status)
	}

	// Ben is deleted in the store, then his row changes: the update of a customer no longer there is
	// refused, with the request and the response.
	ben := s.customerID("ben@example.com")
	req, _ := http.NewRequest("DELETE", s.env.BC.APIPath(s.env.BCURL)+"v3/customers?id:in="+strconv.Itoa(ben), nil)
	req.Header.Set("X-Auth-Token", s.env.BC.AccessToken())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("deleting Ben: %v %v", resp, err)
	}
	exec(`UPDATE people SET tier = 'Platinum' WHERE id IN (1, 2)`)
	page = s.follow(s.post(base+"/plan", url.Values{}))
	if !regexp.MustCompile(`<td class="changed"><del>Gold</del> → <ins>Platinum</ins></td>`).MatchString(page) {
		t.Fatalf("the change is not shown before → after:\n%s", page)
	}
	s.follow(s.post(base+"/run", url.Values{}))
	run = s.waitRun(id)
	if run.Status != store.RunPartial {
		t.Fatalf("run %s", run.Status)
	}
	_, page = s.get(base + "/rejected?q=2")
	see(t, page, "Changes", "2", fmt.Sprintf("Customer %d does not exist", ben), "Request", "Response")
	_, csvText := s.get(base + "/rejected.csv?q=2")
	rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][3] != "2" || !strings.HasPrefix(rows[1][9], "422 ") || !strings.Contains(rows[1][8], "Platinum") {
		t.Fatalf("CSV: %q %v", rows, err)
	}
	_, jsonText := s.get(base + "/rejected.json?q=2")
	var exported struct {
		Rejected []struct{ Key, Request, Response string }
	}
	if err := json.Unmarshal([]byte(jsonText), &exported); err != nil || len(exported.Rejected) != 1 || exported.Rejected[0].Key != "2" ||
		!strings.HasPrefix(exported.Rejected[0].Response, "422 ") {
		t.Fatalf("JSON: %s %v", jsonText, err)
	}
	s.env.Services.Recorder.Flush() // calls are recorded in the background
	_, page = s.get(fmt.Sprintf("%s/debugger?run=%d", base, run.ID))
	see(t, page, "Every request bcsync made to BigCommerce and Dotdigital for this sync", "/v3/customers")
	if strings.Contains(page, "/connections/") {
		t.Fatalf("the warehouse sync's debugger links to connections:\n%s", page)
	}
	_, page = s.get(base + "/runs")
	see(t, page, "partial", "succeeded")
	if n := strings.Count(page, `<rect class="seg added"`); n != 1 {
		t.Fatalf("%d bars of added rows, want 1 (the first run's)", n)
	}

	// One row tested: sent now, with its calls and a link to them in the debugger.
	r := s.post(base+"/test", url.Values{"key": {"3"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("test: %d %s", r.StatusCode, text(r.Page))
	}
	see(t, r.Page, "Row 3: sent", "Sent as a change of its record", "PUT /stores/")
	testRun := regexp.MustCompile(`/debugger\?run=(\d+)`).FindStringSubmatch(r.Page)
	if testRun == nil {
		t.Fatalf("no link to the test's calls:\n%s", r.Page)
	}
	// The test's run is linked by its id and named by its number within the sync.
	testRunID, _ := strconv.ParseInt(testRun[1], 10, 64)
	tested, err := s.env.Services.Store.Run(t.Context(), testRunID)
	if err != nil {
		t.Fatal(err)
	}
	if link := fmt.Sprintf(`<a href="%s/runs/%d">%d</a>`, base, tested.ID, tested.Number); tested.Number < 1 || !strings.Contains(r.Page, link) {
		t.Fatalf("no link %s to the test's run:\n%s", link, r.Page)
	}
	see(t, s.post(base+"/test", url.Values{"key": {"99"}}).Page, `The model has no row whose primary key is "99".`)

	// Delete mode, and two of three rows leave the model: the guard stops the run for approval.
	form.Set("delete", "delete")
	s.follow(s.post(base+"/settings", form))
	exec(`DELETE FROM people WHERE id > 1`)
	s.follow(s.post(base+"/run", url.Values{}))
	if run = s.waitRun(id); run.Status != store.RunBlocked {
		t.Fatalf("run %s", run.Status)
	}
	_, page = s.get(base)
	see(t, page, "Waits for approval", "would delete 2 of 2 customers (100%) — the limit is 10%", "Approve and run this plan")
	_, page = s.get("/stores")
	see(t, page, "Tiers awaiting approval")
	page = s.follow(s.post(base+"/approve", url.Values{}))
	see(t, page, "Approved.")
	if run = s.waitRun(id); run.Status != store.RunSucceeded || run.TriggeredBy != "approval" {
		t.Fatalf("the approved run: %s %s", run.Status, run.TriggeredBy)
	}
}

// waitRun waits for the sync's newest run to end and returns it.
func (s *site) waitRun(id int64) *store.Run {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		runs, err := s.env.Services.Store.Runs(context.Background(), id, 1, 0)
		if err != nil {
			s.t.Fatal(err)
		}
		active, err := s.env.Services.Queue.Active(context.Background(), id)
		if err != nil {
			s.t.Fatal(err)
		}
		if len(runs) > 0 && !runs[0].FinishedAt.IsZero() && !active {
			return runs[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatal("the run did not end")
	return nil
}

// customerID is the store's customer of an email.
func (s *site) customerID(email string) int {
	s.t.Helper()
	in := s.env.ConnectInput()
	req, _ := http.NewRequest("GET", s.env.BC.APIPath(s.env.BCURL)+"v3/customers?email:in="+url.QueryEscape(email), nil)
	req.Header.Set("X-Auth-Token", in.BigCommerce.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Data []struct{ ID int } }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Data) != 1 {
		s.t.Fatalf("customer %s: %v %+v", email, err, out)
	}
	return out.Data[0].ID
}
