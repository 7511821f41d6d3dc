package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// The browser tests drive `bcsync serve` with Chromium, as a merchant would: every page is signed
// in to, filled in and clicked through, and each page is saved as a screenshot (in
// $BCSYNC_SCREENSHOTS when set: `make screenshots` refreshes docs/screenshots/ that way).

const adminPassword = "correct-horse-battery"

// browser is a Chromium tab on a running `bcsync serve`.
type browser struct {
	t     *testing.T
	w     *world
	base  string
	ctx   context.Context
	shots string
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does")
	}
	t.Skip("Chromium is missing: install it (apt-get install -y chromium) to run the browser tests")
	return ""
}

// newBrowser starts `bcsync serve` for the world and a headless Chromium.
func newBrowser(t *testing.T, w *world) *browser {
	t.Helper()
	exe := chromium(t)
	addr := freeAddr(t)
	w.env = append(w.env, "BCSYNC_ADMIN_PASSWORD="+adminPassword)
	serve := w.start("serve", "--listen", addr, "--schedule-every", "200ms")
	t.Cleanup(func() { w.stop(serve) })
	b := &browser{t: t, w: w, base: "http://" + addr, shots: os.Getenv("BCSYNC_SCREENSHOTS")}
	w.eventually("bcsync serve to answer", func() bool {
		resp, err := http.Get(b.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b.ctx = ctx
	// The first action starts the browser, bound to the context it runs in: the test's, not a timeout's.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// do runs actions, failing the test on the first error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// visit opens a path and waits for its page.
func (b *browser) visit(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// submit clicks a form's button and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("submit %s: %v (at %s)", sel, err, b.location())
	}
	b.do(chromedp.WaitReady(chromedp.CSS("main")))
}

// fill types into a field after clearing it.
func (b *browser) fill(id, value string) {
	b.t.Helper()
	sel := chromedp.CSS(fmt.Sprintf("[id=%q]", id))
	b.do(chromedp.Clear(sel), chromedp.SendKeys(sel, value))
}

// choose picks a select's option by its visible text.
func (b *browser) choose(id, text string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.getElementById(%q); const o = [...s.options].find(o => o.text.trim() === %q);
		if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, id, text)
	if !b.eval(js) {
		b.t.Fatalf("select %s has no option %q", id, text)
	}
}

// selected is a select's chosen option text.
func (b *browser) selected(id string) string {
	b.t.Helper()
	return b.evalString(fmt.Sprintf(`(() => { const s = document.getElementById(%q); return s.options[s.selectedIndex].text.trim() })()`, id))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (at %s)", sel, err, b.location())
	}
	return s
}

func (b *browser) eval(js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluate: %v", err)
	}
	return v
}

func (b *browser) evalString(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate: %v", err)
	}
	return v
}

// body is the page's visible text.
func (b *browser) body() string { return b.text("body") }

// see fails unless the page shows every phrase.
func (b *browser) see(phrases ...string) {
	b.t.Helper()
	body := b.body()
	for _, p := range phrases {
		if !strings.Contains(body, p) {
			b.t.Fatalf("the page %s does not show %q:\n%s", b.location(), p, body)
		}
	}
}

// waitFor polls a JavaScript condition until it holds.
func (b *browser) waitFor(what, js string, within time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(within)
	for !b.eval(js) {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s at %s:\n%s", what, b.location(), b.body())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves the page as name.png and checks its accessibility basics.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.accessible()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// accessible checks what a screen reader and a keyboard user need: one h1, headings in order, a
// label on every control, text on every button and link, alt on every image, a skip link.
func (b *browser) accessible() {
	b.t.Helper()
	problems := b.evalString(`(() => {
		const out = [];
		const h1 = document.querySelectorAll('h1').length;
		if (h1 !== 1) out.push(h1 + ' h1 elements');
		let last = 0;
		for (const h of document.querySelectorAll('h1,h2,h3,h4')) {
			const level = +h.tagName[1];
			if (level > last + 1) out.push('heading ' + h.tagName + ' "' + h.textContent.trim() + '" skips a level');
			last = level;
		}
		for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
			const named = c.labels && c.labels.length || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
			if (!named) out.push('control ' + (c.id || c.name) + ' has no label');
		}
		for (const e of document.querySelectorAll('button, a[href]')) {
			if (!(e.textContent.trim() || e.getAttribute('aria-label'))) out.push(e.tagName + ' without text');
		}
		for (const i of document.querySelectorAll('img')) {
			if (!i.hasAttribute('alt')) out.push('img without alt');
		}
		if (!document.querySelector('a.skip[href="#main"]')) out.push('no skip link');
		if (!document.documentElement.lang) out.push('no lang');
		return out.join('; ');
	})()`)
	if problems != "" {
		b.t.Errorf("accessibility of %s: %s", b.location(), problems)
	}
}

// signIn signs in as the admin bcsync serve created from BCSYNC_ADMIN_PASSWORD.
func (b *browser) signIn() {
	b.t.Helper()
	b.visit("/login")
	b.fill("username", "admin")
	b.fill("password", adminPassword)
	b.submit("form[action='/login'] button[type=submit]")
	b.see("Connections")
}

// waitIdle reloads a connection's page until no sync of it is queued or running.
func (b *browser) waitIdle(path string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.visit(path)
		if b.eval(`!!document.querySelector('.sync-status[data-active="false"]')`) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("a sync is still running at %s", path)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// connectForm fills the connect page with the world's credentials, changed by edit.
func (b *browser) connectForm(edit func(f map[string]string)) {
	b.t.Helper()
	f := map[string]string{
		"bigcommerce_api_path": b.w.bc.APIPath(b.w.bcSrv.URL), "bigcommerce_client_id": b.w.bc.ClientID(),
		"bigcommerce_access_token": b.w.bc.AccessToken(), "dotdigital_username": b.w.dd.Username(),
		"dotdigital_password": b.w.dd.Password(), "dotdigital_endpoint": b.w.ddSrv.URL,
	}
	if edit != nil {
		edit(f)
	}
	b.visit("/connections/new")
	b.do(chromedp.Click(chromedp.CSS("details summary")))
	for _, id := range []string{"bigcommerce_api_path", "bigcommerce_client_id", "bigcommerce_access_token", "dotdigital_username", "dotdigital_password", "dotdigital_endpoint"} {
		b.fill(id, f[id])
	}
	b.submit("form[action='/connections'] button.primary")
}

func TestBrowserSignInRefusesAWrongPasswordAndSignsOut(t *testing.T) {
	w := newWorld(t, small)
	b := newBrowser(t, w)

	b.visit("/connections")
	if loc := b.location(); !strings.Contains(loc, "/login?next=%2Fconnections") {
		t.Fatalf("a signed-out visitor was not sent to sign in: %s", loc)
	}
	b.shot("sign-in")

	b.fill("username", "admin")
	b.fill("password", "not the password")
	b.submit("form[action='/login'] button[type=submit]")
	b.see("The username or password is not right.")
	if !b.eval(`document.getElementById('password').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the password field is not marked invalid")
	}

	// By keyboard alone: the username keeps its value, Tab moves to the password, Enter submits.
	b.do(chromedp.Focus(chromedp.ID("password")), chromedp.SendKeys(chromedp.ID("password"), adminPassword+"\n"))
	b.do(chromedp.WaitVisible(chromedp.CSS("a.button.primary[href='/connections/new']")))
	b.see("No store is connected yet")
	b.shot("connections-empty")

	b.submit("form.signout button")
	b.see("You are signed out.")
	b.visit("/connections")
	if !strings.Contains(b.location(), "/login") {
		t.Fatal("the session still works after signing out")
	}
}

func TestBrowserConnectsAStoreAndShowsWhichCredentialIsWrong(t *testing.T) {
	w := newWorld(t, small, withAccount)
	b := newBrowser(t, w)
	b.signIn()

	cases := []struct {
		name  string
		edit  func(map[string]string)
		field string
		says  string
	}{
		{"wrong BigCommerce token", func(f map[string]string) { f["bigcommerce_access_token"] = "wrong-token" }, "bigcommerce_access_token", "BigCommerce refused the access token"},
		{"wrong store hash", func(f map[string]string) {
			f["bigcommerce_api_path"] = strings.Replace(f["bigcommerce_api_path"], w.bc.StoreHash(), "nosuchstore", 1)
		}, "bigcommerce_api_path", "No BigCommerce store has this API path"},
		{"not an API path", func(f map[string]string) { f["bigcommerce_api_path"] = "https://example.com/admin" }, "bigcommerce_api_path", "The API path should look like"},
		{"wrong Dotdigital password", func(f map[string]string) { f["dotdigital_password"] = "wrong-password" }, "dotdigital_password", "Dotdigital refused the API user or its password"},
	}
	for _, c := range cases {
		b.connectForm(c.edit)
		b.see(c.says)
		if !b.eval(fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-invalid') === 'true'`, c.field)) {
			t.Errorf("%s: the field %s is not marked invalid", c.name, c.field)
		}
		if c.name == "wrong BigCommerce token" {
			b.shot("connect-wrong-token")
			if strings.Contains(b.evalString(`document.documentElement.outerHTML`), w.dd.Password()) {
				t.Error("a password was written back into the page")
			}
		}
	}

	b.visit("/connections/new")
	b.shot("connect")
	b.connectForm(nil)
	b.see("Connected", "the first sync has started", "Store subscribers")
	if got := b.selected("customer_list"); !strings.HasPrefix(got, "None") {
		t.Errorf("customers sync to %q by default, want none", got)
	}
}

func TestBrowserManagesAConnection(t *testing.T) {
	w := newWorld(t, small, withAccount, func(_ *bcemu.Config, dd *ddemu.Config) {
		dd.ImportDelay = 1500 * time.Millisecond // a sync long enough to watch
	})
	b := newBrowser(t, w)
	b.signIn()
	b.connectForm(nil)
	b.see("The first sync reads 40 subscribers") // the estimate, before the first sync ends
	storeTab := b.location()
	b.waitFor("the first sync to finish", `!!document.querySelector('.sync-status[data-active="false"] .last .badge')`, 60*time.Second)
	b.shot("store")
	// Each step runs as a subtest that the browser's helpers fail.
	step := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			parent := b.t
			b.t = t
			defer func() { b.t = parent }()
			f(t)
		})
	}

	step("customers go to a chosen list", func(t *testing.T) {
		b.choose("customer_list", "Customers")
		b.choose("new_customer_program", "New customer welcome")
		b.submit("form.settings button.primary")
		b.see("Settings saved.")
		if got := b.selected("customer_list"); got != "Customers" {
			t.Fatalf("customer list = %q after saving", got)
		}
	})

	step("the same list for subscribers and customers is refused", func(t *testing.T) {
		b.choose("customer_list", "Store subscribers")
		b.submit("form.settings button.primary")
		b.see("cannot sync to the same list")
		if !b.eval(`document.getElementById('customer_list').getAttribute('aria-invalid') === 'true'`) {
			t.Error("the customer list is not marked invalid")
		}
		b.shot("store-same-list")
		b.visit(strings.TrimPrefix(storeTab, b.base))
		if got := b.selected("customer_list"); got != "Customers" {
			t.Fatalf("a refused change was saved: customer list = %q", got)
		}
	})

	step("a field is mapped, an incompatible one refused, another unmapped", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/mapping']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.mapping")))
		b.choose("map.total_spend", "LOYALTY_POINTS · Numeric")
		b.choose("map.last_name", "Not mapped")
		b.submit("main form button.primary")
		b.see("Field mapping saved.")
		if b.selected("map.total_spend") != "LOYALTY_POINTS · Numeric" || b.selected("map.last_name") != "Not mapped" {
			t.Fatalf("mapping after saving: total_spend %q, last_name %q", b.selected("map.total_spend"), b.selected("map.last_name"))
		}
		b.shot("mapping")
		b.choose("map.date_created", "VIP · Boolean")
		b.submit("main form button.primary")
		b.see("Date created cannot be mapped to VIP: a Boolean field cannot hold Date values.")
		if !b.eval(`document.getElementById('map.date_created').getAttribute('aria-invalid') === 'true'`) {
			t.Error("the refused mapping's field is not marked invalid")
		}
	})

	step("data sync off disables SYNC NOW, and on again", func(t *testing.T) {
		b.visit(strings.TrimPrefix(storeTab, b.base))
		b.do(chromedp.Click(chromedp.CSS("label[for=data_sync_off]")))
		b.submit("form.settings button.primary")
		b.see("Settings saved.", "Data sync is off")
		if !b.eval(`document.querySelector('button[form=sync-now]').disabled`) {
			t.Error("SYNC NOW is enabled while data sync is off")
		}
		b.do(chromedp.Click(chromedp.CSS("label[for=data_sync_on]")))
		b.submit("form.settings button.primary")
		b.see("Settings saved.")
		if b.eval(`document.querySelector('button[form=sync-now]').disabled`) {
			t.Error("SYNC NOW is disabled after data sync was turned on")
		}
	})

	step("SYNC NOW shows progress, then the last sync", func(t *testing.T) {
		// Turning data sync on asked for a sync; let it be dispatched and end first.
		time.Sleep(time.Second)
		b.waitIdle(strings.TrimPrefix(storeTab, b.base))
		before := b.text(".sync-status .last")
		// Changes in the store give the sync imports to wait for (1.5 s each): without them it would
		// end in milliseconds, before the page could show it running.
		renamed := []bigcommerce.CustomerInput{{ID: 1, LastName: "Progress"}, {ID: 2, LastName: "Progress"}, {ID: 3, LastName: "Progress"}}
		if _, err := w.store().UpdateCustomers(ctx(), renamed); err != nil {
			t.Fatal(err)
		}
		shipped := 2
		for id := 1; id <= 3; id++ {
			if _, err := w.store().UpdateOrder(ctx(), id, bigcommerce.OrderUpdate{StatusID: &shipped}); err != nil {
				t.Fatal(err)
			}
		}
		b.submit("button[form=sync-now]")
		b.see("Sync started.")
		// The page updates itself: the run's streams with progress bars, then the new last sync.
		b.waitFor("the run's progress", `!!document.querySelector('.sync-status .progress-table progress')`, 30*time.Second)
		// The picture is better a little later, once customers are under way; the run may end first.
		for deadline := time.Now().Add(6 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if b.eval(`[...document.querySelectorAll('.sync-status .progress-table tbody tr')].some(r => /^Customers/.test(r.textContent.trim()) && !/pending/.test(r.textContent)) || !document.querySelector('.sync-status .progress-table')`) {
				break
			}
		}
		b.shot("sync-progress")
		b.waitFor("the run to end", `!!document.querySelector('.sync-status[data-active="false"]')`, 60*time.Second)
		if after := b.text(".sync-status .last"); after == before || !strings.Contains(after, "succeeded") {
			t.Fatalf("last sync did not move on: before %q, after %q", before, after)
		}
	})

	step("the runs page and the debugger show the run", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/runs']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		b.see("manual", "install", "succeeded")
		if !b.eval(`document.querySelectorAll('.chart rect.bar').length >= 2`) {
			t.Error("the chart does not show the runs")
		}
		b.shot("runs")
		b.do(chromedp.Click(chromedp.CSS("table.list tbody tr:first-child th a")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#rejected-title")))
		b.see("Run ", "Customers", "This run rejected no record.")
		b.shot("run")

		b.do(chromedp.Click(chromedp.CSS("a[href*='/debugger?run=']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.calls")))
		b.see("BigCommerce", "/v3/customers")
		b.shot("debugger")
		b.choose("api", "Dotdigital")
		b.submit("form.inline-fields button")
		if b.eval(`[...document.querySelectorAll('table.calls tbody tr td:nth-child(2)')].some(td => td.textContent.trim() !== 'Dotdigital')`) {
			t.Error("the API filter shows BigCommerce calls")
		}
		b.choose("api", "BigCommerce")
		b.submit("form.inline-fields button")
		b.do(chromedp.Click(chromedp.CSS("table.calls tbody tr:first-child td.url a")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#request-title")))
		page := b.evalString(`document.documentElement.outerHTML`)
		if !strings.Contains(page, "X-Auth-Token: [REDACTED]") || strings.Contains(page, w.bc.AccessToken()) {
			t.Fatal("the debugger shows a call without its access token redacted")
		}
		b.shot("api-call")
	})

	step("rejected records are searchable and exported", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav.tabs a[href$='/rejected']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#rejected-title")))
		b.fill("q", "nobody@example.com")
		b.submit("form[role=search] button")
		b.see("No rejected record matches.")
		if href := b.evalString(`document.querySelector('a[download]').getAttribute('href')`); !strings.Contains(href, "rejected.csv?q=nobody%40example.com") {
			t.Errorf("the export link does not keep the search: %s", href)
		}
		b.shot("rejected")
	})

	step("the stores page shows the store with its Dotdigital link", func(t *testing.T) {
		b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/stores']")))
		b.do(chromedp.WaitVisible(chromedp.CSS("table.list")))
		b.see("Stores", "Connection ", "50%", "healthy")
		b.shot("stores")
		b.do(chromedp.Click(chromedp.CSS("table.list tbody tr:first-child th a")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#syncs")))
		b.see("Dotdigital", "50% of the store's API quota", "Remove the store")
		b.shot("store-detail")
	})

	step("the connection is removed after a confirmation", func(t *testing.T) {
		b.visit(strings.TrimPrefix(storeTab, b.base))
		b.do(chromedp.Click(chromedp.CSS("a.button.danger")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#confirm")))
		b.see("Nothing is changed or deleted in Dotdigital")
		b.shot("remove")
		b.submit("form[action$='/remove'] button.danger")
		b.see("Removed", "No store is connected yet")
	})
}

// A store is added on its own (a wrong token named first), shown with no sync yet, and removed after a
// confirmation.
func TestBrowserAddsAndRemovesAStore(t *testing.T) {
	w := newWorld(t, small)
	b := newBrowser(t, w)
	b.signIn()
	b.visit("/stores")
	b.see("No store yet")
	b.fill("bigcommerce_api_path", w.bc.APIPath(w.bcSrv.URL))
	b.fill("bigcommerce_access_token", "wrong-token")
	b.submit("form[action='/stores'] button")
	b.see("BigCommerce refused the access token")
	if !b.eval(`document.getElementById('bigcommerce_access_token').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused token is not marked")
	}
	b.fill("bigcommerce_access_token", w.bc.AccessToken())
	b.submit("form[action='/stores'] button")
	b.see("Added ", "Nothing syncs with this store yet")
	b.do(chromedp.Click(chromedp.CSS("a.button.danger")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#confirm")))
	b.see("Nothing is changed in the store or in Dotdigital")
	b.shot("store-remove")
	b.submit("form[action$='/remove'] button.danger")
	b.see("Removed", "No store yet")
}

func TestBrowserCreatesAndRevokesAnAPIToken(t *testing.T) {
	w := newWorld(t, small)
	b := newBrowser(t, w)
	b.signIn()
	b.visit("/tokens")
	b.fill("name", "deploy script")
	b.submit("form[action='/tokens'] button")
	token := b.evalString(`document.getElementById('new-token').value`)
	if !strings.HasPrefix(token, "bcs_") {
		t.Fatalf("no token shown: %q", token)
	}
	b.shot("tokens")
	req, _ := http.NewRequest("GET", b.base+"/api/v1/connections", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the new token does not open the API: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	b.visit("/tokens")
	if strings.Contains(b.body(), token) {
		t.Fatal("the token is shown again")
	}
	b.submit("form[action$='/revoke'] button")
	b.see("Token revoked")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked token answers %d", resp.StatusCode)
	}
	resp.Body.Close()
}
