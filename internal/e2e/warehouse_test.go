package e2e

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

// lastID reads the id a command prints on its last line.
func lastID(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	id := lines[len(lines)-1]
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("no id on the last line of %q", out)
	}
	return id
}

// addStore adds the emulated store and returns its id.
func (w *world) addStore() string {
	w.t.Helper()
	return lastID(w.t, w.bcsync("store", "add", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-access-token", w.bc.AccessToken()))
}

// loyalty are the rows every warehouse of the test holds: customers with a tier and points.
var loyalty = [][]string{
	{"1", "ann@example.com", "Ann", "Archer", "Gold", "120.50"},
	{"2", "ben@example.com", "Ben", "Baker", "Silver", "30"},
	{"3", "cy@example.com", "Cy", "Cooper", "Gold", "99.99"},
}

// A model of each kind of warehouse — PostgreSQL, MariaDB, SQLite and a CSV file — is tested,
// previewed, planned and synced into the store's customers through the command line.
func TestWarehouseCustomersFromEachKindOfSource(t *testing.T) {
	for _, engine := range []string{"postgres", "mysql", "sqlite", "csv"} {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, sizes{})
			url := loyaltySource(t, engine)
			storeID := w.addStore()
			src := lastID(t, w.bcsync("warehouse", "source", "add", "--name", engine, "--url", url))
			if out := w.bcsync("warehouse", "source", "test", src); !strings.Contains(out, "bcsync can read it") {
				t.Fatalf("source test: %s", out)
			}
			what := []string{"--query", "SELECT * FROM loyalty"}
			if engine == "csv" {
				what = []string{"--table", "loyalty"}
			}
			model := lastID(t, w.bcsync(append([]string{"warehouse", "model", "add", "--name", "Loyalty", "--source", src, "--primary-key", "id"}, what...)...))
			var preview resource.Preview
			if err := json.Unmarshal([]byte(w.bcsync("warehouse", "model", "preview", model, "--check", "--json")), &preview); err != nil {
				t.Fatal(err)
			}
			if len(preview.Rows) != 3 || *preview.Total != 3 || *preview.DuplicateKeys != 0 || len(preview.Columns) != 6 {
				t.Fatalf("preview = %+v", preview)
			}
			sync := lastID(t, w.bcsync("warehouse", "sync", "add", "--name", "Tiers", "--store", storeID, "--model", model,
				"--object", "customers", "--mode", "upsert", "--match", "email=email",
				"--map", "first=first_name", "--map", "last=last_name", "--map", "tier=company", "--map", "points=store_credit"))
			var plan warehouse.Plan
			if err := json.Unmarshal([]byte(w.bcsync("warehouse", "sync", "plan", sync, "--json")), &plan); err != nil {
				t.Fatal(err)
			}
			if plan.Adds != 3 || plan.Changes != 0 || plan.Removes != 0 || plan.Invalid != 0 || plan.Blocked {
				t.Fatalf("plan = %+v", plan)
			}
			run := parseRun(t, w.bcsync("warehouse", "sync", "run", sync, "--wait", "--json"))
			if run.Status != "succeeded" || run.Streams["add"].Sent != 3 {
				t.Fatalf("run = %+v", run)
			}
			got, err := w.store().CustomersByEmail(ctx(), []string{"ann@example.com", "ben@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			ann := got["ann@example.com"]
			if ann.FirstName != "Ann" || ann.Company != "Gold" || len(ann.StoreCredit) == 0 || ann.StoreCredit[0].String() != "120.5" {
				t.Fatalf("Ann in the store: %+v", ann)
			}
		})
	}
}

// loyaltySource makes a warehouse of engine holding the loyalty rows and returns its URL.
func loyaltySource(t *testing.T, engine string) string {
	t.Helper()
	create := `CREATE TABLE loyalty (id INTEGER PRIMARY KEY, email VARCHAR(100), first VARCHAR(50), last VARCHAR(50), tier VARCHAR(20), points DECIMAL(10,2))`
	insert := func(exec func(string, ...any)) {
		for _, r := range loyalty {
			exec(`INSERT INTO loyalty VALUES (` + r[0] + `, '` + r[1] + `', '` + r[2] + `', '` + r[3] + `', '` + r[4] + `', ` + r[5] + `)`)
		}
	}
	switch engine {
	case "postgres":
		url, exec := sourcetest.Postgres(t)
		exec(create)
		insert(exec)
		return url
	case "mysql":
		url, exec := sourcetest.MySQL(t)
		exec(create)
		insert(exec)
		return url
	case "sqlite":
		path := filepath.Join(t.TempDir(), "dwh.db")
		insert(newSQLiteFile(t, path, create))
		return "sqlite:" + path
	}
	var b strings.Builder
	b.WriteString("id;email;first;last;tier;points\n")
	for _, r := range loyalty {
		b.WriteString(strings.Join(r, ";") + "\n")
	}
	path := filepath.Join(t.TempDir(), "loyalty.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A mapping whose column cannot be written to its field is refused when the sync is saved, with a
// message naming both.
func TestWarehouseMappingOfTheWrongTypeIsRefused(t *testing.T) {
	w := newWorld(t, sizes{})
	url := loyaltySource(t, "sqlite")
	storeID := w.addStore()
	src := lastID(t, w.bcsync("warehouse", "source", "add", "--name", "dwh", "--url", url))
	model := lastID(t, w.bcsync("warehouse", "model", "add", "--name", "Loyalty", "--source", src, "--table", "loyalty", "--primary-key", "id"))
	out, err := w.try("warehouse", "sync", "add", "--name", "Tiers", "--store", storeID, "--model", model, "--object", "customers",
		"--mode", "update", "--match", "email=email", "--map", "tier=store_credit")
	if err == nil || !strings.Contains(out, `"tier"`) || !strings.Contains(out, "store_credit") {
		t.Fatalf("a text column to a money field: %v\n%s", err, out)
	}
	if out := w.bcsync("warehouse", "sync", "list"); strings.Contains(out, "Tiers") {
		t.Fatalf("the refused sync was saved:\n%s", out)
	}
	// What each field takes is listed.
	if out := w.bcsync("warehouse", "fields", "--object", "customers", "--store", storeID); !regexp.MustCompile(`store_credit\s+money`).MatchString(out) {
		t.Fatalf("warehouse fields:\n%s", out)
	}
}

// The guard, from the command line: a run that would delete most of the customers synced stops, the
// command says so and fails; approve runs it.
func TestWarehouseGuardStopsAndApprovalReleasesFromTheCommandLine(t *testing.T) {
	w := newWorld(t, sizes{})
	path := filepath.Join(t.TempDir(), "dwh.db")
	db := newSQLiteFile(t, path, `CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT)`)
	for i := 1; i <= 10; i++ {
		db(`INSERT INTO people VALUES (?, ?, 'P', ?)`, i, fmt.Sprintf("p%d@example.com", i), fmt.Sprint("L", i))
	}
	storeID := w.addStore()
	src := lastID(t, w.bcsync("warehouse", "source", "add", "--name", "dwh", "--url", "sqlite:"+path))
	model := lastID(t, w.bcsync("warehouse", "model", "add", "--name", "People", "--source", src, "--table", "people", "--primary-key", "id"))
	sync := lastID(t, w.bcsync("warehouse", "sync", "add", "--name", "People", "--store", storeID, "--model", model, "--object", "customers",
		"--mode", "upsert", "--match", "email=email", "--map", "first=first_name", "--map", "last=last_name", "--delete", "delete"))
	w.bcsync("warehouse", "sync", "run", sync, "--wait")
	db(`DELETE FROM people WHERE id > 3`)
	out, err := w.try("warehouse", "sync", "run", sync, "--wait")
	if err == nil || !strings.Contains(out, "would delete 7 of 10 customers (70%) — the limit is 10%") {
		t.Fatalf("the run was not stopped: %v\n%s", err, out)
	}
	if out := w.bcsync("warehouse", "sync", "show", sync); !strings.Contains(out, "Waits for approval") {
		t.Fatalf("show does not say the sync waits:\n%s", out)
	}
	run := parseRun(t, w.bcsync("warehouse", "sync", "approve", sync, "--wait", "--json"))
	if run.Status != "succeeded" || run.Streams["remove"].Sent != 7 {
		t.Fatalf("the approved run: %+v", run)
	}
	left, err := w.store().CustomersByEmail(ctx(), []string{"p1@example.com", "p9@example.com"})
	if err != nil || len(left) != 1 {
		t.Fatalf("after the approved run: %v %v", left, err)
	}
	var rejected []resource.Rejected
	if err := json.Unmarshal([]byte(w.bcsync("warehouse", "sync", "rejected", sync, "--json")), &rejected); err != nil || len(rejected) != 0 {
		t.Fatalf("rejected = %v %v", rejected, err)
	}
}

// newSQLiteFile makes an SQLite database at path with schema, and returns a function running SQL in it.
func newSQLiteFile(t *testing.T, path, schema string) func(string, ...any) {
	t.Helper()
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
	exec(schema)
	return exec
}

// Rejected rows, from the command line: listed with their reason, searched by key, and exported as
// CSV with the request sent and the store's answer.
func TestWarehouseRejectedRowsAreListedAndExportedFromTheCommandLine(t *testing.T) {
	w := newWorld(t, sizes{customers: 1})
	taken := all(t, w.store().Customers(ctx(), bigcommerce.CustomerQuery{}))[0].Email
	path := filepath.Join(t.TempDir(), "dwh.db")
	db := newSQLiteFile(t, path, `CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT)`)
	db(`INSERT INTO people VALUES (1, 'ok@example.com', 'Ok', 'Row'), (2, 'not an email', 'Bad', 'Email'), (3, ?, 'Taken', 'Email')`, taken)
	storeID := w.addStore()
	src := lastID(t, w.bcsync("warehouse", "source", "add", "--name", "dwh", "--url", "sqlite:"+path))
	model := lastID(t, w.bcsync("warehouse", "model", "add", "--name", "People", "--source", src, "--table", "people", "--primary-key", "id"))
	sync := lastID(t, w.bcsync("warehouse", "sync", "add", "--name", "People", "--store", storeID, "--model", model, "--object", "customers",
		"--mode", "insert", "--map", "email=email", "--map", "first=first_name", "--map", "last=last_name"))
	run := parseRun(t, w.bcsync("warehouse", "sync", "run", sync, "--wait", "--json"))
	if run.Status != "partial" || run.Streams["add"].Sent != 1 || run.Streams["add"].Rejected != 1 || run.Streams["plan"].Rejected != 1 {
		t.Fatalf("run = %+v", run)
	}
	if out := w.bcsync("warehouse", "sync", "rejected", sync, "--q", "3"); !strings.Contains(out, "Refused") || strings.Contains(out, "not an email") {
		t.Fatalf("rejected --q 3:\n%s", out)
	}
	rows, err := csv.NewReader(strings.NewReader(w.bcsync("warehouse", "sync", "rejected", sync, "--csv"))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV: %v %v", rows, err)
	}
	byKey := map[string][]string{}
	for _, r := range rows[1:] {
		byKey[r[3]] = r
	}
	if r := byKey["3"]; r[5] != "Refused" || !strings.Contains(r[8], taken) || !strings.HasPrefix(r[9], "422 ") {
		t.Fatalf("the refused row: %q", r)
	}
	if r := byKey["2"]; r[5] != "Invalid" || !strings.Contains(r[6], "not an email") || r[8] != "" {
		t.Fatalf("the invalid row: %q", r)
	}
}
