package demo

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/web"
)

// lockedBuffer is a buffer the demo writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// handler is the web UI with one page of the test's own, to see that the handler given is the one served.
func handler(s *app.Services) (http.Handler, error) {
	mux := http.NewServeMux()
	ui, err := web.New(web.Deps{Services: s})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", ui)
	mux.HandleFunc("GET /test-page", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "the test's handler") })
	return mux, nil
}

// small is a store with a little of everything.
func small(dataDir string) Options {
	return Options{Listen: "127.0.0.1:0", Seed: 5, Customers: 60, Subscribers: 40, Orders: 90, Products: 25,
		ChangeEvery: 100 * time.Millisecond, Handler: handler, Config: app.Config{DataDir: dataDir}}
}

// started is a demo running in the background.
type started struct {
	t       *testing.T
	r       *running
	out     *lockedBuffer
	logs    *lockedBuffer
	changes chan change
	cancel  context.CancelFunc
	done    chan error
}

func start(t *testing.T, o Options) *started {
	t.Helper()
	st := &started{t: t, out: &lockedBuffer{}, logs: &lockedBuffer{}, changes: make(chan change, 1000), done: make(chan error, 1)}
	o.Out = st.out
	o.Config.Logger = slog.New(slog.NewTextHandler(st.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ready := make(chan *running, 1)
	o.onReady = func(r *running) { ready <- r }
	o.onChange = func(c change) {
		select {
		case st.changes <- c:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go func() { st.done <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		<-st.done
		if t.Failed() {
			t.Logf("demo output:\n%s\nlogs:\n%s", st.out, st.logs)
		}
	})
	select {
	case st.r = <-ready:
	case err := <-st.done:
		st.done <- err
		t.Fatalf("the demo ended before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the demo was not ready within 30s")
	}
	return st
}

// stop is Ctrl-C: Run must return nil, quickly.
func (st *started) stop() {
	st.t.Helper()
	st.cancel()
	select {
	case err := <-st.done:
		st.done <- err
		if err != nil {
			st.t.Fatalf("Run after Ctrl-C: %v", err)
		}
	case <-time.After(15 * time.Second):
		st.t.Fatal("the demo did not stop within 15s of Ctrl-C")
	}
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nextChange waits for the demo to make a change of a kind.
func (st *started) nextChange(kind string) change {
	st.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case c := <-st.changes:
			if c.kind == kind {
				return c
			}
		case <-timeout:
			st.t.Fatalf("the demo made no %q change within 60s", kind)
		}
	}
}

func (st *started) firstRun() *store.Run {
	st.t.Helper()
	var first *store.Run
	eventually(st.t, "the first sync", 60*time.Second, func() bool {
		runs, err := st.r.svc.Store.Runs(context.Background(), st.r.conn.ID, 1000, 0)
		if err != nil || len(runs) == 0 {
			return false
		}
		first = runs[len(runs)-1]
		return first.Status != store.RunRunning
	})
	return first
}

// The demo serves the handler it is given at the URL it prints, syncs the emulated store, changes it,
// and the changes reach Dotdigital (and Dotdigital's unsubscribes the store); Ctrl-C stops it all.
func TestDemoSyncsAStoreThatKeepsChanging(t *testing.T) {
	st := start(t, small(""))
	r := st.r

	printed := regexp.MustCompile(`open\s+(http://\S+)`).FindStringSubmatch(st.out.String())
	if printed == nil || printed[1] != r.url {
		t.Fatalf("the banner does not show the UI's URL %s:\n%s", r.url, st.out)
	}
	if !regexp.MustCompile(`sign in\s+admin / [a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\n`).MatchString(st.out.String()) {
		t.Fatalf("the banner does not show how to sign in:\n%s", st.out)
	}
	for path, want := range map[string]string{"/test-page": "the test's handler", "/healthz": `"ok"`} {
		resp, err := http.Get(printed[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("GET %s = %d %q", path, resp.StatusCode, body)
		}
	}

	first := st.firstRun()
	if first.Status != store.RunSucceeded || first.TriggeredBy != "install" {
		t.Fatalf("first sync: %s (%s) %s", first.Status, first.TriggeredBy, first.Error)
	}
	sent, read := map[string]int64{}, map[string]int64{}
	for _, c := range first.Streams {
		sent[c.Stream], read[c.Stream] = c.Sent, c.Read
	}
	if r.world.unsubscribed == 0 || read["unsubscribes"] < int64(r.world.unsubscribed) {
		t.Fatalf("the first sync read %d unsubscribes; the account had %d of the store's subscribers unsubscribed", read["unsubscribes"], r.world.unsubscribed)
	}
	if sent["customers"] != 60 || sent["subscribers"] == 0 || sent["orders"] == 0 || sent["products"] == 0 || sent["webhooks"] == 0 {
		t.Fatalf("first sync sent %v", sent)
	}
	conn, err := r.svc.Store.Connection(context.Background(), r.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Settings.CustomerList.Name != "Customers" || conn.Settings.NewCustomerProgram.ID == 0 ||
		conn.Settings.NewSubscriberProgram.ID == 0 || conn.Settings.AbandonedCartProgram.ID == 0 {
		t.Fatalf("settings: %+v", conn.Settings)
	}

	// A customer renamed in the store: in Dotdigital within seconds (the store's webhook asks for a sync).
	renamed := st.nextChange("customer renamed")
	eventually(t, "the renamed customer in Dotdigital", 30*time.Second, func() bool {
		c, ok := r.world.dd.Contact(renamed.email)
		return ok && c.DataFields["LASTNAME"] == renamed.lastName
	})

	// Someone unsubscribed in Dotdigital: the store's subscriber loses its consent. Dotdigital sends no
	// webhook: the unsubscribe comes with the poll, a minute after the last full read in the demo.
	gone := st.nextChange("unsubscribed in Dotdigital")
	eventually(t, "the unsubscribe written back to the store", 100*time.Second, func() bool {
		subs, err := bigcommerce.All(r.world.store.Subscribers(context.Background(), bigcommerce.SubscriberQuery{Email: gone.email}))
		return err == nil && len(subs) == 1 && !slices.Contains(subs[0].Consents, bigcommerce.ConsentNewsletter)
	})

	// A new subscriber: a contact in the subscriber list, enrolled in the new-subscriber programme.
	joined := st.nextChange("new subscriber")
	eventually(t, "the new subscriber enrolled", 30*time.Second, func() bool {
		c, ok := r.world.dd.Contact(joined.email)
		return ok && slices.Contains(r.world.dd.Enrolled(int(conn.Settings.NewSubscriberProgram.ID)), c.ID)
	})

	st.stop()
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Fatalf("the temporary directory %s is still there: %v", r.dir, err)
	}
	for _, u := range []string{r.url, r.world.bcURL, r.world.ddURL} {
		if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "http://"), time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still answers after the demo stopped", u)
		}
	}
}

// A data directory used before keeps its account; the connection of the earlier demo is replaced.
func TestDemoReusesADataDirectory(t *testing.T) {
	dir := t.TempDir()
	o := small(dir)
	o.ChangeEvery = 0
	one := start(t, o)
	one.firstRun()
	one.stop()
	if !strings.Contains(one.out.String(), "sign in   admin / ") {
		t.Fatalf("first banner:\n%s", one.out)
	}

	two := start(t, o)
	if !strings.Contains(two.out.String(), "admin / the password it was given when "+dir+" was first used") {
		t.Fatalf("second banner:\n%s", two.out)
	}
	conns, err := two.r.svc.Store.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].ID != two.r.conn.ID {
		t.Fatalf("connections: %d, want the new demo's only", len(conns))
	}
	if first := two.firstRun(); first.Status != store.RunSucceeded {
		t.Fatalf("first sync of the second demo: %s %s", first.Status, first.Error)
	}
	two.stop()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the data directory given is gone: %v", err)
	}
}

func TestDemoSaysWhatToDoWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := small("")
	o.Listen = ln.Addr().String()
	err = Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "--listen 127.0.0.1:0") {
		t.Fatalf("error %v, want one suggesting --listen 127.0.0.1:0", err)
	}
}

func TestDemoRefusesADatabaseURL(t *testing.T) {
	o := small("")
	o.Config.DatabaseURL = "postgres://example/db"
	if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "SQLite") {
		t.Fatalf("error %v", err)
	}
}

func TestDemoConnectionsAreToTheEmulatedStoreOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		hash, path string
		demo       bool
	}{
		{StoreHash, "http://127.0.0.1:4567/stores/bcsyncdemo/", true},
		{StoreHash, "http://[::1]:4567/stores/bcsyncdemo/", true},
		{StoreHash, "https://api.bigcommerce.com/stores/bcsyncdemo/", false},
		{"abc123", "http://127.0.0.1:4567/stores/abc123/", false},
	} {
		c := &store.Connection{StoreHash: tc.hash, BigCommerce: store.BigCommerceCredentials{APIPath: tc.path}}
		if got := isDemo(c); got != tc.demo {
			t.Errorf("isDemo(%s) = %v", tc.path, got)
		}
	}
}

func TestBrowseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := browseURL(a); got != want {
			t.Errorf("browseURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

func TestRandomPasswordsAreLongEnoughAndDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := randomPassword()
		if !regexp.MustCompile(`^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$`).MatchString(p) || seen[p] {
			t.Fatalf("password %q", p)
		}
		seen[p] = true
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3000: "3,000", 1234567: "1,234,567", -4000: "-4,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

// Ctrl-C while the demo starts: Run returns nil, at once.
func TestDemoStoppedWhileStarting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Run(ctx, small("")); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

// A data directory that holds something else is not the demo's to use.
func TestDemoRefusesADirectoryOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/bcsync.db", []byte("a real bcsync's state"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), small(dir))
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(dir + "/bcsync.db"); string(b) != "a real bcsync's state" {
		t.Fatal("the directory's database was touched")
	}
}
