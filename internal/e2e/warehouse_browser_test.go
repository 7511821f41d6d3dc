package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

// A data team's whole way through the warehouse half in the browser, against a real PostgreSQL and
// the emulated store: a source (wrong credentials named first), a model written and previewed, a
// customers upsert mapped (a type mismatch refused beside its row), planned and run; a row the store
// refuses, searched and exported; the guard stopping a run that would delete most customers, and its
// approval; one row tested, with its calls in the debugger. Every page is checked for accessibility
// and photographed.
func TestBrowserWarehouseSyncFromSourceToApproval(t *testing.T) {
	pgURL, exec := sourcetest.Postgres(t)
	exec(`CREATE TABLE loyalty (id INTEGER PRIMARY KEY, email VARCHAR(100), first VARCHAR(50), last VARCHAR(50), tier VARCHAR(20), points NUMERIC(10,2))`)
	tiers := []string{"Gold", "Silver", "Bronze"}
	for i := 1; i <= 10; i++ {
		exec(`INSERT INTO loyalty VALUES ($1, $2, $3, $4, $5, $6)`, i, fmt.Sprintf("member%d@example.com", i), fmt.Sprint("Member", i), "Loyal",
			tiers[i%3], fmt.Sprintf("%d.50", 10*i))
	}
	pg, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	mariaURL, _ := sourcetest.MySQL(t) // only to be refused: a wrong password
	maria, _ := url.Parse(mariaURL)

	w := newWorld(t, sizes{customers: 5})
	// The server's zone is not UTC, as for most merchants: a cron schedule's times (UTC) are shown in
	// it too.
	w.env = append(w.env, "TZ=Europe/Paris")
	b := newBrowser(t, w)
	b.signIn()
	// Each step runs as a subtest that the browser's helpers fail; a failed step ends the test, as
	// the next ones build on it.
	step := func(name string, f func(t *testing.T)) {
		ok := t.Run(name, func(t *testing.T) {
			parent := b.t
			b.t = t
			defer func() { b.t = parent }()
			f(t)
		})
		if !ok {
			t.FailNow()
		}
	}
	var syncPath string

	step("the store is added", func(t *testing.T) {
		b.visit("/stores")
		b.fill("bigcommerce_api_path", w.bc.APIPath(w.bcSrv.URL))
		b.fill("bigcommerce_access_token", w.bc.AccessToken())
		b.submit("form[action='/stores'] button")
		b.see("Added ")
	})

	step("a source with wrong credentials is named, then a right one is added", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/warehouse/sources']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#add")))
		b.see("No source yet")
		// MariaDB checks passwords: a wrong one is refused and named.
		b.fill("name", "dwh")
		b.do(chromedp.Click(chromedp.CSS("input[name=engine][value=mysql]")))
		b.fill("host", maria.Hostname())
		b.fill("port", maria.Port())
		b.fill("database", strings.TrimPrefix(maria.Path, "/"))
		b.fill("user", maria.User.Username())
		b.fill("password", "not-the-password")
		b.submit("form[action='/warehouse/sources'] button.primary")
		b.see("bcsync could not read this source: check the user or its password.", "refused the password for user")
		if !b.eval(`document.getElementById('password').getAttribute('aria-invalid') === 'true'`) {
			t.Error("the password is not marked")
		}
		if strings.Contains(b.evalString(`document.documentElement.outerHTML`), "not-the-password") {
			t.Fatal("the password was written back into the page")
		}
		b.shot("warehouse-source-refused")
		// The test PostgreSQL trusts every password from here: a wrong user is what it refuses.
		b.do(chromedp.Click(chromedp.CSS("input[name=engine][value=postgres]")))
		b.fill("host", pg.Hostname())
		b.fill("port", pg.Port())
		b.fill("database", strings.TrimPrefix(pg.Path, "/"))
		b.fill("user", "nobody_at_all")
		b.fill("options", pg.RawQuery)
		b.submit("form[action='/warehouse/sources'] button.primary")
		b.see("bcsync could not read this source: check the user or its password.", `refused user "nobody_at_all"`)
		if !b.eval(`document.getElementById('user').getAttribute('aria-invalid') === 'true'`) {
			t.Error("the user is not marked")
		}
		b.fill("user", pg.User.Username())
		b.submit("form[action='/warehouse/sources'] button.primary")
		b.see("Added dwh: bcsync can read it.", "PostgreSQL", "readable", "tested just now")
		b.shot("warehouse-sources")
	})

	step("a model is written, previewed with its types, checked and saved", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/warehouse/models']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("a[href='/warehouse/models/new']")))
		b.do(chromedp.Click(chromedp.CSS("a[href='/warehouse/models/new']")))
		b.do(chromedp.WaitVisible(chromedp.ID("query")))
		b.fill("name", "Loyalty")
		b.do(chromedp.SendKeys(chromedp.ID("query"), "SELECT id, email, first, last, tier, points\nFROM loyalty\nORDER BY id"))
		if n := b.evalString(`document.querySelector('.code-editor .gutter').textContent`); n != "1\n2\n3" {
			t.Errorf("the query's line numbers: %q", n)
		}
		b.fill("primary_key", "id")
		b.submit("button[value=preview]")
		b.see("Preview: the first 10 rows", "primary key", "decimal · numeric", "member1@example.com", "10.50")
		b.shot("warehouse-model-preview")
		b.submit("button[value=check]")
		b.see("10 rows, every one with a primary key of its own.")
		b.submit("button[value=save]")
		b.see("Saved the model Loyalty.", "FROM loyalty")
		b.shot("warehouse-model")
	})

	step("a type mismatch is refused beside its row, then the sync is saved", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("a[href^='/warehouse/syncs/new?model=']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.mapping-editor")))
		b.fill("name", "Loyalty tiers")
		if got := b.selected("match_column"); got != "email · text" {
			t.Fatalf("the match column = %q, want the email column", got)
		}
		b.see("Needed to create a customer: Email ✓ from the match", "First name ✗ not mapped")
		b.choose("map.0.source", "first · text")
		b.choose("map.0.field", "First name · text (required)")
		b.submit("button[value=add]")
		b.choose("map.1.source", "last · text")
		b.choose("map.1.field", "Last name · text (required)")
		b.submit("button[value=add]")
		b.choose("map.2.source", "tier · text")
		b.choose("map.2.field", "Store credit · money")
		b.submit("button.primary[value=save]")
		b.see("The sync was not saved: one problem, shown where it is below.")
		if got := b.text(`[id="map.2.problem"]`); !strings.Contains(got, `The column "tier" (text) cannot be written to store_credit (a decimal): cast it in the model's SQL.`) {
			t.Fatalf("beside row 3: %q", got)
		}
		if !b.eval(`document.getElementById('map.2.field').getAttribute('aria-invalid') === 'true' && document.getElementById('map.0.field').getAttribute('aria-invalid') === null`) {
			t.Error("only the refused row is marked")
		}
		b.see("First name ✓", "Last name ✓")
		b.shot("warehouse-mapping")
		b.choose("map.2.field", "Company · text")
		b.submit("button[value=add]")
		b.choose("map.3.source", "points · decimal")
		b.choose("map.3.field", "Store credit · money")
		b.do(chromedp.Click(chromedp.CSS("input[name=schedule][value=cron]")))
		b.fill("cron", "0 3 * * *")
		b.submit(".upcoming button[value=refresh]")
		b.see("Next runs:", "03:00 UTC (", " here)")
		b.shot("warehouse-sync-form")
		b.submit("button.primary[value=save]")
		b.see("Saved Loyalty tiers.", "at the times of cron 0 3 * * * (UTC)", "the column points")
		syncPath = strings.TrimPrefix(b.location(), b.base)
		b.shot("warehouse-sync")
	})

	step("the first plan adds every row and its run writes them", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/plan']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#test-title")))
		b.see("No plan yet")
		b.submit("main form[action$='/plan'] button")
		b.see("Planned without writing anything: 10 adds, 0 changes, 0 removes, 0 invalid rows.")
		b.submit("main form[action$='/run'] button")
		b.see("Run queued")
		b.waitRun(syncPath, "succeeded")
		if c := mustCustomer(t, w, "member4@example.com"); c.Company != "Silver" || c.StoreCredit[0].String() != "40.5" {
			t.Fatalf("member 4 in the store: %+v", c)
		}
	})

	step("a plan shows changes before → after; a refused row is searched and exported", func(t *testing.T) {
		gone := mustCustomer(t, w, "member2@example.com")
		w.bcDo("DELETE", "/v3/customers?id:in="+strconv.Itoa(gone.ID), nil) // someone deletes a customer in the store
		exec(`UPDATE loyalty SET tier = 'Platinum' WHERE id IN (1, 2, 5)`)
		b.visit(syncPath + "/plan")
		b.submit("main form[action$='/plan'] button")
		b.see("0 adds, 3 changes, 0 removes")
		if !b.eval(`[...document.querySelectorAll('table.samples td.changed')].some(td => /Silver\s*→\s*Platinum/.test(td.textContent) && td.querySelector('del') && td.querySelector('ins'))`) {
			t.Fatalf("no changed cell shown before → after:\n%s", b.body())
		}
		b.shot("warehouse-plan")
		b.submit("main form[action$='/run'] button")
		b.waitRun(syncPath, "partial")

		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/rejected']")))
		b.do(chromedp.WaitVisible(chromedp.ID("q")))
		b.fill("q", "2")
		b.submit("form[role=search] button")
		b.see(fmt.Sprintf("Customer %d does not exist", gone.ID), "Changes")
		b.eval(`document.querySelectorAll('table.rejected details').forEach(d => d.open = true) || true`)
		b.shot("warehouse-rejected")
		csvText := b.fetch(`document.querySelector('a[href*="rejected.csv"]').getAttribute('href')`)
		rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][3] != "2" || !strings.Contains(rows[1][8], "Platinum") || !strings.HasPrefix(rows[1][9], "422 ") {
			t.Fatalf("the CSV export (%v):\n%s", err, csvText)
		}
		jsonText := b.fetch(`document.querySelector('a[href*="rejected.json"]').getAttribute('href')`)
		var exported struct{ Rejected []resource.Rejected }
		if err := json.Unmarshal([]byte(jsonText), &exported); err != nil || len(exported.Rejected) != 1 || exported.Rejected[0].Key != "2" ||
			!strings.HasPrefix(exported.Rejected[0].Response, "422 ") || !strings.Contains(exported.Rejected[0].Request, "Platinum") {
			t.Fatalf("the JSON export (%v):\n%s", err, jsonText)
		}
	})

	step("the runs show rows by outcome, and a run its parts", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/runs']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		if !b.eval(`document.querySelectorAll('.chart rect.seg.added').length === 1 && document.querySelectorAll('.chart rect.seg.changed').length === 1 && document.querySelectorAll('.chart rect.seg.rejected').length === 1`) {
			t.Errorf("the chart does not stack the runs' outcomes")
		}
		b.see("succeeded", "partial")
		b.shot("warehouse-runs")
		b.do(chromedp.Click(chromedp.CSS("table.list tbody tr:first-child th a")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#rejected-title")))
		b.see("Plan (rows read)", "Changes", "does not exist")
		b.shot("warehouse-run")
	})

	step("delete mode: the guard stops a run that would delete most customers, and approval runs it", func(t *testing.T) {
		b.visit(syncPath + "/settings")
		b.do(chromedp.Click(chromedp.CSS("input[name=delete][value=delete]")))
		b.see("Delete removes records from the store for good")
		b.submit("button.primary[value=save]")
		b.see("Saved the settings of Loyalty tiers.", "are deleted in the store")
		exec(`DELETE FROM loyalty WHERE id > 3`)
		b.submit("form[action$='/run']:not(:has(input[name=full])) button")
		b.waitRun(syncPath, "blocked")
		b.see("Waits for approval", "would delete 7 of 9 customers (78%) — the limit is 10%", "Approve and run this plan")
		b.shot("warehouse-approval")
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/stores']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		b.see("Loyalty tiers awaiting approval")
		b.do(chromedp.Click(chromedp.CSS("table.list tbody tr:first-child th a")))
		b.do(chromedp.WaitVisible(chromedp.ID("warehouse-syncs")))
		b.see("Dotdigital", "Not connected to Dotdigital", "Warehouse syncs", "Loyalty tiers awaiting approval")
		b.shot("store-syncs")
		b.do(chromedp.Click(chromedp.CSS("a.badge.awaiting")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#plan-title")))
		b.submit("form[action$='/approve'] button")
		b.see("Approved.")
		// The row whose customer was deleted in the store is still refused: the run is partial.
		b.waitRun(syncPath, "partial")
		b.see("7 removed")
		left, err := w.store().CustomersByEmail(ctx(), []string{"member1@example.com", "member9@example.com"})
		if err != nil || len(left) != 1 {
			t.Fatalf("after the approved run: %v %v", left, err)
		}
	})

	step("one row is tested, with its calls in the debugger", func(t *testing.T) {
		b.visit(syncPath + "/plan")
		b.fill("key", "3")
		b.submit("form[action$='/test'] button")
		b.see("Row 3: sent", "a change of its record", "PUT")
		b.shot("warehouse-test-row")
		b.do(chromedp.Click(chromedp.CSS("a[href*='/debugger?run=']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.calls")))
		b.see("BigCommerce", "/v3/customers")
		if b.eval(`[...document.querySelectorAll('table.calls a')].some(a => a.getAttribute('href').startsWith('/connections/'))`) {
			t.Error("the warehouse sync's debugger links to a connection's pages")
		}
		b.shot("warehouse-debugger")
		b.do(chromedp.Click(chromedp.CSS("table.calls tbody tr:first-child td.url a")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#request-title")))
		if page := b.evalString(`document.documentElement.outerHTML`); !strings.Contains(page, "X-Auth-Token: [REDACTED]") || strings.Contains(page, w.bc.AccessToken()) {
			t.Fatal("a call is shown with its access token")
		}
		b.accessible()
	})

	step("the lists of syncs, models and sources", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/warehouse/syncs']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		b.see("Loyalty tiers", "Loyalty", "customers", "upsert, matched on email, deletes", "succeeded")
		b.shot("warehouse-syncs")
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/warehouse/models']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		b.see("Loyalty", "dwh", "Loyalty tiers")
		b.shot("warehouse-models")
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/warehouse/sources']")))
		b.do(chromedp.Click(chromedp.CSS("a[href$='/remove']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#confirm")))
		b.see("These models read it: remove them first", "Loyalty")
		b.shot("warehouse-source-remove")
		b.visit("/warehouse/models/1/remove")
		b.see("These syncs write it: remove them first.", "Loyalty tiers")
		b.accessible()
		b.visit(syncPath + "/remove")
		b.see("Nothing is changed in the store: the records it wrote stay.")
		b.accessible()
		b.submit("form[action$='/remove'] button.danger")
		b.see("Removed Loyalty tiers. Nothing was changed in the store.", "No warehouse sync yet")
		b.accessible()
	})
}

// waitRun reloads a warehouse sync's page until its last run has ended as want and none goes on.
func (b *browser) waitRun(syncPath, want string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.visit(syncPath)
		if b.eval(`!!document.querySelector('.sync-status[data-active="false"]')`) {
			last := b.text(".sync-status .last")
			if strings.Contains(last, want) && !strings.Contains(last, "never") {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no run ended %s at %s:\n%s", want, syncPath, b.body())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// fetch downloads the link whose href the JavaScript expression gives, in the page's session.
func (b *browser) fetch(hrefJS string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(`+hrefJS+`, {credentials: 'same-origin'}).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch: %v", err)
	}
	return v
}
