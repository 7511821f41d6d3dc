package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// upgradeFixture is testdata/upgrade/fixture.json: how the last release's state databases were made
// (testdata/upgrade/gen), so that the store they synced can be made again.
type upgradeFixture struct {
	Release   string                      `json:"release"`
	Anchor    time.Time                   `json:"anchor"`
	Seed      uint64                      `json:"seed"`
	Customers int                         `json:"customers"`
	Subs      int                         `json:"subscribers"`
	Orders    int                         `json:"orders"`
	Products  int                         `json:"products"`
	Created   []bigcommerce.CustomerInput `json:"created"`
	Engines   map[string]struct {
		Anchor       time.Time      `json:"anchor"`
		ConnectionID int64          `json:"connection_id"`
		LastRunID    int64          `json:"last_run_id"`
		Calls        map[string]int `json:"calls"`
		Schema       string         `json:"schema"`
	} `json:"engines"`
}

// The state of the last release, with real use in it (runs, rejected records, recorded calls,
// cursors, fingerprints, enrolments, orders waiting for contacts, settings and a mapping), upgrades to
// stores and syncs without losing any of it, and a sync of the unchanged store then re-sends nothing
// and makes the same calls the release's last sync made.
func TestUpgradeFromTheLastReleaseKeepsEverythingAndResendsNothing(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) { testUpgrade(t, engine) })
	}
}

func testUpgrade(t *testing.T, engine store.Engine) {
	var fx upgradeFixture
	b, err := os.ReadFile("testdata/upgrade/fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	made := fx.Engines[string(engine)]
	start := time.Now()
	w := newWorld(t, sizes{customers: fx.Customers, subscribers: fx.Subs, orders: fx.Orders, products: fx.Products}, func(bc *bcemuConfig, dd *ddemuConfig) {
		bc.Seed, dd.Seed = fx.Seed, fx.Seed
		bc.Now = func() time.Time { return made.Anchor.Add(time.Since(start)) } // the same generated store
		dd.Data = ddemuDataSizes{Lists: 3, DataFields: 4, Programs: 5}
	})
	if _, err := w.store().CreateCustomers(ctx(), fx.Created); err != nil {
		t.Fatal(err)
	}
	const key = "abababababababababababababababababababababababababababababababab"
	w.env = append(w.env, "BCSYNC_SECRET_KEY="+key)

	// The release's database, at this test's addresses, as if upgraded right after its last sync.
	var db *sql.DB
	switch engine {
	case store.SQLite:
		copyFile(t, "testdata/upgrade/sqlite/bcsync.db", filepath.Join(w.dataDir, "bcsync.db"))
		db, err = sql.Open("sqlite", "file:"+filepath.Join(w.dataDir, "bcsync.db"))
	case store.Postgres:
		w.dbURL = storetest.URL(t, store.Postgres)
		u, _ := url.Parse(w.dbURL)
		schema := u.Query().Get("search_path")
		dump, err := os.ReadFile("testdata/upgrade/postgres.sql")
		if err != nil {
			t.Fatal(err)
		}
		var stmts []string
		for _, line := range strings.Split(string(dump), "\n") {
			if strings.HasPrefix(line, `\`) || strings.HasPrefix(line, "CREATE SCHEMA ") {
				continue // psql commands; the schema exists
			}
			stmts = append(stmts, strings.ReplaceAll(line, made.Schema+".", schema+"."))
		}
		db, err = sql.Open("pgx", w.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(strings.Join(stmts, "\n")); err != nil {
			t.Fatalf("loading the release's database: %v", err)
		}
		// The dump emptied the search path of its session; this pool's next sessions are new.
		db.Close()
		db, err = sql.Open("pgx", w.dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	nowMS := time.Now().UnixMilli()
	for _, q := range []string{
		fmt.Sprintf(`UPDATE connections SET bc_api_path = '%s', dd_endpoint = '%s', dd_api_endpoint = '%s'`, w.bc.APIPath(w.bcSrv.URL), w.ddSrv.URL, w.ddSrv.URL),
		fmt.Sprintf(`UPDATE waiting_records SET retried_at = %d`, nowMS),
		fmt.Sprintf(`UPDATE stream_cursors SET cursor = '%s' WHERE stream = 'products.reconciled'`, time.Now().UTC().Format(time.RFC3339Nano)),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	before := snapshot(t, db, "connection_id")

	w.bcsync("migrate")
	id := strconv.FormatInt(made.ConnectionID, 10)
	after := snapshot(t, db, "sync_id")
	for name, was := range before {
		if !reflect.DeepEqual(was, after[name]) {
			t.Errorf("%s changed in the upgrade:\nbefore %v\nafter  %v", name, was, after[name])
		}
	}

	// The connection is a store with its Dotdigital link, settings kept.
	c := w.show(made.ConnectionID)
	if c.StoreID != made.ConnectionID || c.CustomerList == nil || c.CustomerList.Name != "Customers" || c.NewCustomerProgram == nil ||
		c.NewCustomerProgram.ID != 1002 || c.FieldMapping["total_spend"] != "LOYALTY_POINTS" || c.IntervalS != 600 || !c.DataSync {
		t.Fatalf("connection after the upgrade: %+v", c)
	}
	var st resource.Store
	if err := json.Unmarshal([]byte(w.bcsync("store", "show", strconv.FormatInt(c.StoreID, 10), "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Syncs) != 1 || st.Syncs[0].Kind != "marketing" || st.Syncs[0].ID != made.ConnectionID || st.StoreHash != c.StoreHash {
		t.Fatalf("store after the upgrade: %+v", st)
	}
	var runs []resource.Run
	if err := json.Unmarshal([]byte(w.bcsync("runs", id, "--json")), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].ID != made.LastRunID || runs[0].Status != "partial" || runs[2].TriggeredBy != "install" {
		t.Fatalf("runs after the upgrade: %+v", runs)
	}

	// An unchanged store: nothing is sent again, and the calls are the release's, but for the one read
	// of the account's removals (every unsubscribed and suppressed contact, and the list's unsubscribes)
	// that a connection makes once: the release did not keep them.
	run := w.sync(made.ConnectionID)
	for name, s := range run.Streams {
		if s.Sent != 0 {
			t.Errorf("%s sent %d records again after the upgrade: %+v", name, s.Sent, s)
		}
	}
	if run.Status == "failed" {
		t.Fatalf("the first sync after the upgrade failed: %s", run.Error)
	}
	calls := map[string]int{}
	rows, err := db.Query(`SELECT api, COUNT(*) FROM api_calls WHERE run_id = $1 AND url NOT LIKE '%-since/2000-01-01T00:00:00Z%' GROUP BY api`, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var api string
		var n int
		if err := rows.Scan(&api, &n); err != nil {
			t.Fatal(err)
		}
		calls[api] = n
	}
	rows.Close()
	if !reflect.DeepEqual(calls, made.Calls) {
		t.Fatalf("calls of the first sync after the upgrade = %v, the release's last sync made %v", calls, made.Calls)
	}
}

// snapshot reads what a sync keeps, keyed by the column that names its owner (connection_id before the
// upgrade, sync_id after).
func snapshot(t *testing.T, db *sql.DB, owner string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for name, q := range map[string]string{
		"fingerprints": `SELECT ` + owner + ` || '/' || stream || '/' || key, fingerprint || ' ' || email || ' ' || status FROM records`,
		"cursors":      `SELECT ` + owner + ` || '/' || stream, cursor FROM stream_cursors`,
		"contacts":     `SELECT ` + owner + ` || '/' || email, CAST(contact_id AS TEXT) FROM contacts`,
		"waiting":      `SELECT ` + owner + ` || '/' || key, email || ' ' || reason || ' ' || body FROM waiting_records`,
		"enrolments":   `SELECT ` + owner + ` || '/' || program_id || '/' || email, status FROM enrolments`,
		"mappings":     `SELECT ` + owner + ` || '/' || source_field, data_field || ' ' || data_field_type FROM field_mappings`,
		"runs":         `SELECT CAST(id AS TEXT), ` + owner + ` || ' ' || status || ' ' || triggered_by || ' ' || started_at FROM runs`,
		"run streams":  `SELECT run_id || '/' || stream, read || ' ' || sent || ' ' || unchanged || ' ' || rejected FROM run_streams`,
		"rejected":     `SELECT CAST(id AS TEXT), ` + owner + ` || ' ' || run_id || ' ' || key || ' ' || reason FROM rejected_records`,
		"api calls":    `SELECT CAST(id AS TEXT), ` + owner + ` || ' ' || run_id || ' ' || method || ' ' || url || ' ' || status FROM api_calls`,
		"admins":       `SELECT username, password_hash FROM admins`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := map[string]string{}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			m[k] = v
		}
		rows.Close()
		if len(m) == 0 {
			t.Fatalf("the release's database has no %s: the fixture should have some", name)
		}
		out[name] = m
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
