// Package e2e drives the bcsync binary, as a user and our own scripts do, against the BigCommerce and
// Dotdigital emulators over HTTP. Each test says one behaviour of the marketing sync.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/money"
	"github.com/bcsync/bcsync/internal/resource"
)

// bin is the bcsync binary under test, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bcsync-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "bcsync")
	build := exec.Command("go", "build", "-o", bin, "github.com/bcsync/bcsync/cmd/bcsync")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building bcsync:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is a store, an account and a bcsync state directory.
type world struct {
	t       *testing.T
	bc      *bcemu.Server
	bcSrv   *httptest.Server
	dd      *ddemu.Server
	ddSrv   *httptest.Server
	dataDir string
	dbURL   string
	env     []string
}

type sizes struct {
	customers, subscribers, orders, products int
}

// small is a store big enough to have every kind of record and small enough for a test.
var small = sizes{customers: 60, subscribers: 40, orders: 90, products: 25}

func newWorld(t *testing.T, sz sizes, opts ...func(*bcemu.Config, *ddemu.Config)) *world {
	t.Helper()
	bcCfg := bcemu.Config{Seed: 7, Customers: sz.customers, Subscribers: sz.subscribers, Orders: sz.orders, Products: sz.products,
		WebhookRetryDelays: []time.Duration{10 * time.Millisecond}}
	ddCfg := ddemu.Config{Seed: 7, ImportDelay: 20 * time.Millisecond, TimeoutHold: 2 * time.Second}
	for _, o := range opts {
		o(&bcCfg, &ddCfg)
	}
	bc, err := bcemu.New(bcCfg)
	if err != nil {
		t.Fatal(err)
	}
	dd, err := ddemu.New(ddCfg)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, bc: bc, dd: dd, dataDir: t.TempDir()}
	w.bcSrv = httptest.NewServer(bc.Handler())
	w.ddSrv = httptest.NewServer(dd.Handler())
	dd.SetRegionEndpoint(w.ddSrv.URL)
	t.Cleanup(func() {
		w.bcSrv.Close()
		w.ddSrv.Close()
		bc.Close()
		dd.Close()
	})
	w.env = []string{"BCSYNC_DATA_DIR=" + w.dataDir, "BCSYNC_IMPORT_POLL_MIN=20ms", "BCSYNC_LOG_LEVEL=warn"}
	return w
}

// bcsync runs the binary and returns its standard output; a non-zero exit fails the test.
func (w *world) bcsync(args ...string) string {
	w.t.Helper()
	out, err := w.try(args...)
	if err != nil {
		w.t.Fatalf("bcsync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// try runs the binary and returns its standard output, with standard error appended on failure.
func (w *world) try(args ...string) (string, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), w.env...)
	if w.dbURL != "" {
		cmd.Env = append(cmd.Env, "BCSYNC_DATABASE_URL="+w.dbURL, "BCSYNC_SECRET_KEY="+strings.Repeat("ab", 32))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// connect adds a connection to the emulated store and account and returns its id.
func (w *world) connect(extra ...string) int64 {
	w.t.Helper()
	args := append([]string{"connection", "add", "--name", "Test shop",
		"--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-client-id", w.bc.ClientID(),
		"--bigcommerce-access-token", w.bc.AccessToken(),
		"--dotdigital-username", w.dd.Username(), "--dotdigital-password", w.dd.Password(), "--dotdigital-endpoint", w.ddSrv.URL}, extra...)
	out := w.bcsync(args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	id, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		w.t.Fatalf("connection add did not end with an id: %q", out)
	}
	return id
}

// sync runs `bcsync sync ID --wait --json` and returns the run.
func (w *world) sync(id int64) resource.Run {
	w.t.Helper()
	return parseRun(w.t, w.bcsync("sync", strconv.FormatInt(id, 10), "--wait", "--json"))
}

// parseRun reads the JSON `bcsync sync --json` prints, followed by anything (e.g. an error message).
func parseRun(t *testing.T, out string) resource.Run {
	t.Helper()
	var run resource.Run
	if err := json.NewDecoder(strings.NewReader(out)).Decode(&run); err != nil {
		t.Fatalf("sync --json printed %q: %v", out, err)
	}
	return run
}

func (w *world) settings(id int64, args ...string) string {
	w.t.Helper()
	return w.bcsync(append([]string{"settings", strconv.FormatInt(id, 10)}, args...)...)
}

func (w *world) show(id int64) resource.Connection {
	w.t.Helper()
	var c resource.Connection
	if err := json.Unmarshal([]byte(w.bcsync("connection", "show", strconv.FormatInt(id, 10), "--json")), &c); err != nil {
		w.t.Fatal(err)
	}
	return c
}

// store is a BigCommerce client for changing the emulated store through its real API.
func (w *world) store() *bigcommerce.Client {
	w.t.Helper()
	c, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: w.bc.APIPath(w.bcSrv.URL),
		ClientID: w.bc.ClientID(), AccessToken: w.bc.AccessToken()}})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// ddPost calls the emulated account's API (to act as a contact or a marketer would).
func (w *world) ddPost(path string, body any) {
	w.t.Helper()
	w.ddDo("POST", path, body)
}

// ddDo calls the emulated account's API with any method.
func (w *world) ddDo(method, path string, body any) {
	w.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, w.ddSrv.URL+path, bytes.NewReader(b))
	req.SetBasicAuth(w.dd.Username(), w.dd.Password())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, buf.String())
	}
}

// all drains a page iterator.
func all[T any](t *testing.T, seq func(yield func([]T, error) bool)) []T {
	t.Helper()
	var out []T
	for page, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
	}
	return out
}

func ctx() context.Context { return context.Background() }

type ddList = ddemu.ListView

// recordKeys lists an Insight collection's keys, sorted as text.
func recordKeys(t *testing.T, w *world, collection string) []string {
	t.Helper()
	c, ok := w.dd.Collection(collection)
	if !ok {
		return nil
	}
	keys := make([]string, len(c.Records))
	for i, r := range c.Records {
		keys[i] = r.Key
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// bcDo calls the emulated store's API directly, for changes the client has no method for.
func (w *world) bcDo(method, path string, body any) {
	w.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, w.bc.APIPath(w.bcSrv.URL)+strings.TrimPrefix(path, "/"), rd)
	req.Header.Set("X-Auth-Token", w.bc.AccessToken())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, buf.String())
	}
}

// ddList returns the id of a Dotdigital list by name, creating it.
func (w *world) ddListID(name string) int {
	w.t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name})
	req, _ := http.NewRequest("POST", w.ddSrv.URL+"/v2/address-books", bytes.NewReader(b))
	req.SetBasicAuth(w.dd.Username(), w.dd.Password())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var book struct {
		ID int `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&book); err != nil || book.ID == 0 {
		w.t.Fatalf("create list %q: %d %v", name, resp.StatusCode, err)
	}
	return book.ID
}

// mustContact is the emulated account's contact of email; the test fails when there is none.
func mustContact(t *testing.T, w *world, email string) ddemu.ContactView {
	t.Helper()
	c, ok := w.dd.Contact(email)
	if !ok {
		t.Fatalf("%s is not a contact", email)
	}
	return c
}

// mustCustomer is the store's customer of email; the test fails when the lookup fails or finds none.
func mustCustomer(t *testing.T, w *world, email string) bigcommerce.Customer {
	t.Helper()
	found, err := w.store().CustomersByEmail(ctx(), []string{email})
	if err != nil {
		t.Fatalf("customer %s: %v", email, err)
	}
	c, ok := found[strings.ToLower(email)]
	if !ok {
		t.Fatalf("%s is not a customer of the store", email)
	}
	return c
}

// updateSubscriber changes a subscriber in the store; the test fails when the store refuses.
func updateSubscriber(t *testing.T, w *world, id int, in bigcommerce.SubscriberInput) {
	t.Helper()
	if _, err := w.store().UpdateSubscriber(ctx(), id, in); err != nil {
		t.Fatalf("update subscriber %d: %v", id, err)
	}
}

// updateCustomers changes customers in the store; the test fails when the store refuses any.
func updateCustomers(t *testing.T, w *world, in ...bigcommerce.CustomerInput) {
	t.Helper()
	res, err := w.store().UpdateCustomers(ctx(), in)
	if err != nil {
		t.Fatalf("update customers: %v", err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("update customer %d: %v", in[r.Index].ID, r.Err)
		}
	}
}

func inList(c ddemu.ContactView, listID int) bool {
	return slices.ContainsFunc(c.Lists, func(l ddemu.ListView) bool { return l.ID == listID })
}

type (
	bcemuConfig    = bcemu.Config
	ddemuConfig    = ddemu.Config
	ddemuDataSizes = ddemu.DataSizes
)

func ptrAmount(s string) *money.Amount {
	a := money.MustParse(s)
	return &a
}
