// Command gen writes the state databases that TestUpgrade* migrate: what a bcsync release leaves
// behind after real use. It is kept beside the fixtures it made so that they can be made again for a
// later release: check out that release, copy this directory into it and run
//
//	go run ./internal/e2e/testdata/upgrade/gen -out internal/e2e/testdata/upgrade
//
// with PostgreSQL at BCSYNC_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test). It
// builds that release's bcsync, connects an emulated store and account, chooses lists, a mapping and
// programmes, syncs, changes the store (new customers to enrol, a refused record), syncs again and
// once more without a change, on SQLite and on PostgreSQL, and writes fixture.json with what the
// upgrade test needs to rebuild the same emulated store.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// Fixture is fixture.json: how the emulated store was made, and what its last sync cost.
type Fixture struct {
	Release   string    `json:"release"`
	Anchor    time.Time `json:"anchor"` // the store emulator's clock at its start
	Made      time.Time `json:"made"`
	Seed      uint64    `json:"seed"`
	Customers int       `json:"customers"`
	Subs      int       `json:"subscribers"`
	Orders    int       `json:"orders"`
	Products  int       `json:"products"`
	// Created are the customers made through the store's API between the first and the second sync.
	Created []bigcommerce.CustomerInput `json:"created"`
	Engines map[string]Run              `json:"engines"`
}

// Run is what the last (no-change) sync of an engine's connection cost.
type Run struct {
	Anchor       time.Time      `json:"anchor"` // the store emulator's clock at its start
	ConnectionID int64          `json:"connection_id"`
	LastRunID    int64          `json:"last_run_id"`
	Calls        map[string]int `json:"calls"` // by API
	Schema       string         `json:"schema,omitempty"`
}

const secretKey = "abababababababababababababababababababababababababababababababab"

func main() {
	out := flag.String("out", "internal/e2e/testdata/upgrade", "where to write the fixtures")
	release := flag.String("release", "", "the release's commit")
	flag.Parse()
	if err := run(*out, *release); err != nil {
		log.Fatal(err)
	}
}

func run(out, release string) error {
	tmp, err := os.MkdirTemp("", "bcsync-upgrade-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bcsync")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/bcsync").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, b)
	}
	fx := Fixture{Release: release, Seed: 11, Customers: 80, Subs: 40, Orders: 120, Products: 20,
		Engines: map[string]Run{}}
	pgBase := os.Getenv("BCSYNC_TEST_POSTGRES")
	if pgBase == "" {
		pgBase = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		env := []string{"BCSYNC_IMPORT_POLL_MIN=20ms", "BCSYNC_LOG_LEVEL=warn", "BCSYNC_SECRET_KEY=" + secretKey}
		r := Run{}
		switch engine {
		case "sqlite":
			dir := filepath.Join(out, "sqlite")
			os.RemoveAll(dir)
			env = append(env, "BCSYNC_DATA_DIR="+dir)
		case "postgres":
			r.Schema = "bcsync_upgrade_fixture"
			db, err := sql.Open("pgx", pgBase)
			if err != nil {
				return err
			}
			db.Exec(`DROP SCHEMA IF EXISTS ` + r.Schema + ` CASCADE`)
			if _, err := db.Exec(`CREATE SCHEMA ` + r.Schema); err != nil {
				return err
			}
			db.Close()
			env = append(env, "BCSYNC_DATABASE_URL="+pgBase+"&search_path="+r.Schema)
		}
		if err := use(bin, env, &fx, &r); err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		fx.Engines[engine] = r
		if engine == "postgres" {
			dump := exec.Command("pg_dump", "--schema="+r.Schema, "--inserts", "--no-owner", "--no-privileges", "--no-comments", pgBase)
			b, err := dump.Output()
			if err != nil {
				return fmt.Errorf("pg_dump: %w", err)
			}
			if err := os.WriteFile(filepath.Join(out, "postgres.sql"), b, 0o644); err != nil {
				return err
			}
			db, _ := sql.Open("pgx", pgBase)
			db.Exec(`DROP SCHEMA ` + r.Schema + ` CASCADE`)
			db.Close()
		}
	}
	fx.Made = time.Now().UTC()
	b, _ := json.MarshalIndent(fx, "", "  ")
	return os.WriteFile(filepath.Join(out, "fixture.json"), append(b, '\n'), 0o644)
}

// use connects, configures and syncs one state database.
func use(bin string, env []string, fx *Fixture, r *Run) error {
	start := time.Now()
	r.Anchor = start.UTC()
	bc, err := bcemu.New(bcemu.Config{Seed: fx.Seed, Customers: fx.Customers, Subscribers: fx.Subs, Orders: fx.Orders, Products: fx.Products,
		Now: func() time.Time { return r.Anchor.Add(time.Since(start)) }})
	if err != nil {
		return err
	}
	defer bc.Close()
	dd, err := ddemu.New(ddemu.Config{Seed: fx.Seed, ImportDelay: 20 * time.Millisecond, Data: ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}})
	if err != nil {
		return err
	}
	defer dd.Close()
	bcSrv, ddSrv := httptest.NewServer(bc.Handler()), httptest.NewServer(dd.Handler())
	defer bcSrv.Close()
	defer ddSrv.Close()
	dd.SetRegionEndpoint(ddSrv.URL)

	cmd := func(args ...string) (string, error) {
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			return "", fmt.Errorf("bcsync %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String(), nil
	}
	out, err := cmd("connection", "add", "--name", "Upgrade shop", "--bigcommerce-api-path", bc.APIPath(bcSrv.URL),
		"--bigcommerce-client-id", bc.ClientID(), "--bigcommerce-access-token", bc.AccessToken(),
		"--dotdigital-username", dd.Username(), "--dotdigital-password", dd.Password(), "--dotdigital-endpoint", ddSrv.URL)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	id, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		return fmt.Errorf("connection add printed %q", out)
	}
	r.ConnectionID = id
	sid := strconv.FormatInt(id, 10)
	if _, err := cmd("settings", sid, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS", "--map", "shipping_city=CITY",
		"--new-customer-program", "1002", "--new-subscriber-program", "1001", "--interval", "10m"); err != nil {
		return err
	}
	if _, err := cmd("sync", sid, "--wait", "--json"); err != nil {
		return err
	}

	// New customers after the install are enrolled; an address Dotdigital refuses is rejected.
	client, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: bc.APIPath(bcSrv.URL),
		ClientID: bc.ClientID(), AccessToken: bc.AccessToken()}})
	if err != nil {
		return err
	}
	ctx := context.Background()
	time.Sleep(1500 * time.Millisecond) // the store dates in whole seconds: these come after the install
	var news []bigcommerce.CustomerInput
	for i := range 3 {
		news = append(news, bigcommerce.CustomerInput{Email: fmt.Sprintf("new%d@upgrade.example", i), FirstName: "New", LastName: fmt.Sprint("Customer ", i)})
	}
	news = append(news, bigcommerce.CustomerInput{Email: "bad@upgrade.x", FirstName: "Bad", LastName: "Address"})
	fx.Created = news
	if _, err := client.CreateCustomers(ctx, news); err != nil {
		return fmt.Errorf("create customers: %w", err)
	}
	if _, err := cmd("sync", sid, "--wait", "--json"); err != nil && !strings.Contains(err.Error(), "partial") {
		return err
	}
	out, err = cmd("sync", sid, "--wait", "--json")
	if err != nil {
		return err
	}
	var last struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &last); err != nil {
		return err
	}
	r.LastRunID = last.ID
	if _, err := cmd("admin", "create", "--password", "correct-horse-battery"); err != nil {
		return err
	}
	return countCalls(env, r)
}

// countCalls counts the calls of the last run by API, as the state database recorded them.
func countCalls(env []string, r *Run) error {
	driver, dsn := "sqlite", ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "BCSYNC_DATA_DIR="); ok {
			dsn = "file:" + filepath.Join(v, "bcsync.db")
		}
		if v, ok := strings.CutPrefix(e, "BCSYNC_DATABASE_URL="); ok {
			driver, dsn = "pgx", v
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT api, COUNT(*) FROM api_calls WHERE run_id = $1 GROUP BY api`, r.LastRunID)
	if err != nil {
		return err
	}
	defer rows.Close()
	r.Calls = map[string]int{}
	for rows.Next() {
		var api string
		var n int
		if err := rows.Scan(&api, &n); err != nil {
			return err
		}
		r.Calls[api] = n
	}
	return rows.Err()
}
