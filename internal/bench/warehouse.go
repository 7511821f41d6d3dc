package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// WarehouseOptions size a benchmark of the warehouse half.
type WarehouseOptions struct {
	// Binary is the bcsync executable that runs each step.
	Binary string `json:"-"`
	// PostgresURL is a PostgreSQL database the benchmark may create a schema in (dropped at the end).
	PostgresURL string `json:"-"`
	// PlanRows are the model sizes planned, e.g. 100,000 and 1,000,000.
	PlanRows []int `json:"plan_rows"`
	// Rows is how many customers the runs write; Changes how many of them the last run changes.
	Rows    int `json:"rows"`
	Changes int `json:"changes"`
	// RateLimit is the store's quota, e.g. "150/30s"; "" is unlimited.
	RateLimit  string        `json:"rate_limit"`
	Latency    time.Duration `json:"latency_ns"`
	TimeScale  float64       `json:"time_scale"`
	QuotaShare float64       `json:"quota_share"`
	Progress   io.Writer     `json:"-"`
}

// The model: a primary key, the email it is matched on, 6 other native fields and 12 customer
// attributes (points, a1 … a11).
const (
	warehouseColumns = 20
	warehouseTable   = "loyalty"
	attributeColumns = 11 // a1 … a11
)

// WarehouseReport is what a warehouse benchmark measured.
type WarehouseReport struct {
	Machine string           `json:"machine"`
	Options WarehouseOptions `json:"options"`
	Plans   []PlanPhase      `json:"plans"`
	Runs    []Phase          `json:"runs"`
}

// PlanPhase is one dry run of a model of some size: no write to the store.
type PlanPhase struct {
	Rows         int     `json:"rows"`
	Columns      int     `json:"columns"`
	WallS        float64 `json:"wall_s"`
	Adds         int64   `json:"adds"`
	Calls        int64   `json:"calls"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
}

func (o *WarehouseOptions) defaults() {
	if len(o.PlanRows) == 0 {
		o.PlanRows = []int{100_000, 1_000_000}
	}
	if o.Rows <= 0 {
		o.Rows = 10_000
	}
	if o.Changes <= 0 || o.Changes > o.Rows {
		o.Changes = min(1000, o.Rows)
	}
	if o.TimeScale < 1 {
		o.TimeScale = 1
	}
	if o.QuotaShare <= 0 {
		o.QuotaShare = 0.5
	}
	if o.PostgresURL == "" {
		o.PostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
}

func (o *WarehouseOptions) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// RunWarehouse fills a PostgreSQL table, plans models of each size of it, then runs a sync of Rows
// customers three times: all new, nothing changed, Changes changed.
func RunWarehouse(ctx context.Context, opts WarehouseOptions) (*WarehouseReport, error) {
	opts.defaults()
	limit, err := bcemu.ParseRateLimit(opts.RateLimit)
	if err != nil {
		return nil, err
	}
	limit.Window = time.Duration(float64(limit.Window) / opts.TimeScale)
	bc, err := bcemu.New(bcemu.Config{Seed: 1, Latency: opts.Latency, RateLimit: limit})
	if err != nil {
		return nil, err
	}
	defer bc.Close()
	bcURL, stop, err := serve(bc.Handler())
	if err != nil {
		return nil, err
	}
	defer stop()

	most := opts.Rows
	for _, n := range opts.PlanRows {
		most = max(most, n)
	}
	opts.say("filling a PostgreSQL table of %d rows × %d columns", most, warehouseColumns)
	srcURL, drop, err := fillWarehouse(ctx, opts.PostgresURL, most)
	if err != nil {
		return nil, err
	}
	defer drop()

	dir, err := os.MkdirTemp("", "bcsync-bench-warehouse")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := &runner{opts: Options{Binary: opts.Binary, QuotaShare: opts.QuotaShare, Progress: opts.Progress}, bc: bc, limit: limit,
		env: []string{"BCSYNC_DATA_DIR=" + dir, "BCSYNC_LOG_LEVEL=warn", "BCSYNC_QUOTA_SHARE=" + strconv.FormatFloat(opts.QuotaShare, 'f', -1, 64)}}
	storeID, err := r.lastLine(ctx, "store", "add", "--bigcommerce-api-path", bc.APIPath(bcURL), "--bigcommerce-access-token", bc.AccessToken())
	if err != nil {
		return nil, err
	}
	srcID, err := r.lastLine(ctx, "warehouse", "source", "add", "--name", "Benchmark warehouse", "--url", srcURL)
	if err != nil {
		return nil, err
	}
	// One sync per model; the first creates the attributes the others use.
	addSync := func(rows int, first bool) (string, error) {
		model, err := r.lastLine(ctx, "warehouse", "model", "add", "--name", fmt.Sprintf("Loyalty, %d rows", rows), "--source", srcID,
			"--query", fmt.Sprintf("SELECT * FROM %s WHERE id <= %d", warehouseTable, rows), "--primary-key", "id")
		if err != nil {
			return "", err
		}
		args := []string{"warehouse", "sync", "add", "--name", fmt.Sprintf("Loyalty, %d rows", rows), "--store", storeID, "--model", model,
			"--object", "customers", "--mode", "upsert", "--match", "email=email", "--map", "first=first_name", "--map", "last=last_name",
			"--map", "company=company", "--map", "phone=phone", "--map", "notes=notes", "--map", "credit=store_credit", "--map", "points=attribute:points"}
		for i := 1; i <= attributeColumns; i++ {
			args = append(args, "--map", fmt.Sprintf("a%d=attribute:a%d", i, i))
		}
		if first {
			args = append(args, "--create-attributes")
		}
		return r.lastLine(ctx, args...)
	}

	rep := &WarehouseReport{Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()), Options: opts}
	runSync, err := addSync(opts.Rows, true)
	if err != nil {
		return nil, err
	}
	for _, n := range opts.PlanRows {
		id, err := addSync(n, false)
		if err != nil {
			return nil, err
		}
		opts.say("planning %d rows…", n)
		bc.ResetStats()
		start := time.Now()
		out, rss, err := r.bcsync(ctx, "warehouse", "sync", "plan", id, "--json")
		if err != nil {
			return nil, err
		}
		var plan warehouse.Plan
		if err := json.Unmarshal([]byte(out), &plan); err != nil {
			return nil, fmt.Errorf("reading the plan: %w", err)
		}
		p := PlanPhase{Rows: n, Columns: warehouseColumns, WallS: time.Since(start).Seconds(), Adds: plan.Adds, Calls: bc.Stats().Total, PeakRSSBytes: rss}
		opts.say("  %d adds in %.1fs, %d calls, peak RSS %d MB", p.Adds, p.WallS, p.Calls, rss>>20)
		rep.Plans = append(rep.Plans, p)
	}

	// The floor of the first run: the emails looked up 50 a call, customers created 10 a call, and the
	// attribute values beyond the 10 a create carries upserted for 10 customers a call.
	lookups := pages50(opts.Rows)
	if attributeColumns+1 > mapping.MaxCreateAttributes {
		lookups += batches10(opts.Rows)
	}
	for _, phase := range []struct {
		name   string
		before func() error
		floor  int64
	}{
		{fmt.Sprintf("first run: %d new customers", opts.Rows), func() error { return nil }, lookups + batches10(opts.Rows)},
		{"no change", func() error { return nil }, 0},
		{fmt.Sprintf("%d customers changed", opts.Changes), func() error {
			return execWarehouse(ctx, srcURL, fmt.Sprintf("UPDATE %s SET company = company || ' (moved)' WHERE id <= %d", warehouseTable, opts.Changes))
		}, batches10(opts.Changes)},
	} {
		if err := phase.before(); err != nil {
			return nil, err
		}
		p, err := r.warehousePhase(ctx, phase.name, runSync, phase.floor)
		if err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, *p)
	}
	return rep, nil
}

func batches10(n int) int64 { return int64((n + 9) / 10) }

// pages50 is how many email:in lookups n emails take.
func pages50(n int) int64 { return int64((n + 49) / 50) }

// warehousePhase runs a warehouse sync once in a child process and compares its calls with the floor.
func (r *runner) warehousePhase(ctx context.Context, name, id string, floor int64) (*Phase, error) {
	r.bc.ResetStats()
	r.opts.say("%s…", name)
	start := time.Now()
	out, rss, err := r.bcsync(ctx, "warehouse", "sync", "run", id, "--wait", "--json")
	wall := time.Since(start)
	var run resource.Run
	if jerr := json.NewDecoder(strings.NewReader(out)).Decode(&run); jerr != nil {
		return nil, errors.Join(err, fmt.Errorf("reading the run: %w", jerr))
	}
	stats := r.bc.Stats()
	p := &Phase{Name: name, Status: run.Status, WallS: wall.Seconds(), Records: run.Streams, PeakRSSBytes: rss,
		Calls: map[string]int64{"bigcommerce": stats.Total}, FloorCalls: map[string]int64{"bigcommerce": floor}, FailedRequests: failed(stats)}
	if r.limit.Quota > 0 {
		perWindow := math.Floor(float64(r.limit.Quota) * r.opts.QuotaShare)
		// The quota floor of the calls made: the first window's share goes at once, each further one
		// waits a window.
		windows := math.Max(0, math.Ceil(float64(stats.Total)/perWindow)-1)
		s := windows * r.limit.Window.Seconds()
		p.RateLimitFloorS = &s
	}
	r.opts.say("  %s in %.1fs: %d calls (floor %d), peak RSS %d MB", run.Status, p.WallS, stats.Total, floor, rss>>20)
	if run.Status != "succeeded" {
		if out, _, err := r.bcsync(ctx, "warehouse", "sync", "rejected", id, "--limit", "3"); err == nil {
			r.opts.say("  rejected rows, the newest:\n%s", out)
		}
	}
	return p, nil
}

// lastLine runs bcsync and returns the last line it printed (an id).
func (r *runner) lastLine(ctx context.Context, args ...string) (string, error) {
	out, _, err := r.bcsync(ctx, args...)
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1], nil
}

// fillWarehouse creates a schema holding a table of n rows × warehouseColumns, and returns the URL of
// the schema (first on the search path) and a function dropping it.
func fillWarehouse(ctx context.Context, base string, n int) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", source.Redact(base), err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 5)
	rand.Read(b)
	schema := "bcsync_bench_" + hex.EncodeToString(b)
	cols := []string{"id BIGINT PRIMARY KEY", "email TEXT NOT NULL", "first TEXT", "last TEXT", "company TEXT", "phone TEXT", "notes TEXT",
		"credit NUMERIC(10,2)", "points INTEGER"}
	vals := []string{"g", "'member' || g || '@example.com'", "'First' || g", "'Last' || (g % 1000)", "'Company ' || (g % 5000)",
		"'+1 555 ' || lpad((g % 10000)::text, 4, '0')", "'Joined in ' || (2000 + g % 25)", "(g % 100000) / 100.0", "(g % 7919)::int"}
	for i := 1; i <= attributeColumns; i++ {
		cols = append(cols, fmt.Sprintf("a%d TEXT", i))
		vals = append(vals, fmt.Sprintf("'value %d.' || (g %% %d)", i, 97+i))
	}
	stmts := []string{
		"CREATE SCHEMA " + schema,
		fmt.Sprintf("CREATE TABLE %s.%s (%s)", schema, warehouseTable, strings.Join(cols, ", ")),
		fmt.Sprintf("INSERT INTO %s.%s SELECT %s FROM generate_series(1, %d) AS g", schema, warehouseTable, strings.Join(vals, ", "), n),
		fmt.Sprintf("ANALYZE %s.%s", schema, warehouseTable),
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return "", nil, fmt.Errorf("filling the warehouse: %w", err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx := context.WithoutCancel(ctx)
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

// execWarehouse runs a statement in the benchmark's warehouse.
func execWarehouse(ctx context.Context, rawURL, stmt string) error {
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}
