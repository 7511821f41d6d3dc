package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/resource"
)

// LatencyOptions shape a latency benchmark: a running bcsync serve with webhooks, and changes made
// through the store's API at a steady rate.
type LatencyOptions struct {
	Binary string `json:"-"`
	// Rate is changes per second; Duration how long they are made.
	Rate     float64       `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	// RateLimit is the store's quota, e.g. "150/30s"; "" is unlimited.
	RateLimit  string  `json:"rate_limit"`
	QuotaShare float64 `json:"quota_share"`
	// ImportDelay is how long Dotdigital takes to finish an import (default 2 s).
	ImportDelay time.Duration `json:"import_delay_ns"`
	// DotdigitalRateLimit are the emulated account's call-rate tiers (see the Dotdigital emulator's
	// ParseRateLimit); "" or "off" is none.
	DotdigitalRateLimit string `json:"dotdigital_rate_limit"`
	// Drain bounds the wait for the last changes after the rate stops (default 2 minutes).
	Drain       time.Duration `json:"drain_ns"`
	Customers   int           `json:"customers"`
	Subscribers int           `json:"subscribers"`
	Orders      int           `json:"orders"`
	Products    int           `json:"products"`
	Seed        uint64        `json:"seed"`
	Progress    interface {
		Write([]byte) (int, error)
	} `json:"-"`
}

// LatencyReport is what a latency benchmark measured. Latency, calls_per_1000 and their fields are
// read by scripts: their names are fixed.
type LatencyReport struct {
	Machine string         `json:"machine"`
	Options LatencyOptions `json:"options"`
	Latency Latency        `json:"latency"`
	// Calls are bcsync's calls while the changes were made and drained, to either API. (The changes
	// are made outside the store's API quota and counts, as the storefront's and control panel's are.)
	Calls        map[string]int64   `json:"calls"`
	CallsPer1000 map[string]float64 `json:"calls_per_1000"`
	// Operations are those calls by API and operation (e.g. "GET /v3/customers"): where they went.
	Operations map[string]map[string]int64 `json:"operations"`
	// FloorPer1000 is the fewest BigCommerce reads per 1,000 changes. "bigcommerce": each changed record
	// read once, by id:in in batches of 50 per stream (orders, which BigCommerce cannot read by id:in, in
	// pages of 250), however long a change waits for its batch to fill. "bigcommerce_within_5s" and
	// "bigcommerce_within_8s": the same reads when no change may wait longer than that for its read (see
	// floorWaits).
	FloorPer1000 map[string]float64 `json:"floor_per_1000"`
	// QuotaUsed is the share of the store's whole quota bcsync's reads took over the measured time
	// (null without --rate-limit); bcsync may take QuotaShare of it.
	QuotaUsed *float64 `json:"quota_used,omitempty"`
	// Samples follow bcsync serve's memory and the changes not yet visible, every 10 s while changes
	// are made and once they are drained: flat figures under a steady rate mean nothing piles up.
	Samples []Sample `json:"samples"`
	// ResyncSent is what a full sync run after the changes still sent: 0 when the changes left
	// Dotdigital as a full read would (nothing lost; fingerprints keep it from sending twice).
	ResyncSent map[string]int64 `json:"resync_sent"`
	// Throttled counts answers of 429 from either API.
	Throttled    int64   `json:"throttled"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	WallS        float64 `json:"wall_s"`
}

// Sample is one look at bcsync serve during a latency benchmark.
type Sample struct {
	AtS      float64 `json:"at_s"`
	RSSBytes int64   `json:"rss_bytes"`
	Waiting  int     `json:"waiting"`
}

// Latency is the time from a change made (the store's API answered) to the record visible in
// Dotdigital (the import carrying it finished), over every change; Unseen changes never arrived.
type Latency struct {
	P50    float64 `json:"p50_s"`
	P95    float64 `json:"p95_s"`
	P99    float64 `json:"p99_s"`
	Max    float64 `json:"max_s"`
	Count  int     `json:"changes"`
	Unseen int     `json:"unseen"`
}

func (o *LatencyOptions) defaults() {
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.Duration <= 0 {
		o.Duration = time.Minute
	}
	if o.QuotaShare <= 0 {
		o.QuotaShare = 0.5
	}
	if o.ImportDelay <= 0 {
		o.ImportDelay = 2 * time.Second
	}
	if o.Drain <= 0 {
		o.Drain = 2 * time.Minute
	}
	if o.Customers <= 0 {
		o.Customers = 2000
	}
	if o.Subscribers <= 0 {
		o.Subscribers = 1000
	}
	if o.Orders <= 0 {
		o.Orders = 3000
	}
	if o.Products <= 0 {
		o.Products = 300
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

func (o *LatencyOptions) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// floorWaits are the longest a change may wait for its read for it to be visible in Dotdigital within
// the 10-second target: 5 s when the import that carries it is known finished only when polled, no
// sooner than 5 s after it is sent (Dotdigital asks for polls every 5–30 s); 8 s for a reader that
// knew the emulated imports finish in 2 s.
var floorWaits = []time.Duration{5 * time.Second, 8 * time.Second}

// RunLatency runs a latency benchmark.
func RunLatency(ctx context.Context, opts LatencyOptions) (*LatencyReport, error) {
	opts.defaults()
	limit, err := bcemu.ParseRateLimit(opts.RateLimit)
	if err != nil {
		return nil, err
	}
	tr := newTracker()
	bc, err := bcemu.New(bcemu.Config{Seed: opts.Seed, Customers: opts.Customers, Subscribers: opts.Subscribers, Orders: opts.Orders,
		Products: opts.Products, RateLimit: limit})
	if err != nil {
		return nil, err
	}
	defer bc.Close()
	dd, err := ddemu.New(ddemu.Config{Seed: opts.Seed, ImportDelay: opts.ImportDelay, RateLimit: cmp.Or(opts.DotdigitalRateLimit, "off"),
		Data: ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}, OnImportDone: tr.importDone})
	if err != nil {
		return nil, err
	}
	defer dd.Close()
	tr.dd = dd
	bcURL, stopBC, err := serve(bc.Handler())
	if err != nil {
		return nil, err
	}
	defer stopBC()
	// The changes are made as shoppers and staff make them: outside the API quota bcsync shares.
	staffURL, stopStaff, err := serve(bc.StaffHandler())
	if err != nil {
		return nil, err
	}
	defer stopStaff()
	ddURL, stopDD, err := serve(dd.Handler())
	if err != nil {
		return nil, err
	}
	defer stopDD()
	dd.SetRegionEndpoint(ddURL)

	dir, err := os.MkdirTemp("", "bcsync-bench-latency")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := &runner{opts: Options{Binary: opts.Binary, Progress: opts.Progress}, env: []string{"BCSYNC_DATA_DIR=" + dir, "BCSYNC_LOG_LEVEL=warn",
		"BCSYNC_QUOTA_SHARE=" + strconv.FormatFloat(opts.QuotaShare, 'f', -1, 64)}, bc: bc, dd: dd, limit: limit, apiPath: bc.APIPath(bcURL)}

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	opts.say("starting bcsync serve on %s with webhooks", addr)
	srv := exec.CommandContext(ctx, opts.Binary, "serve", "--listen", addr, "--public-url", "http://"+addr, "--schedule-every", "1s")
	srv.Env = append(os.Environ(), r.env...)
	var srvErr strings.Builder
	srv.Stderr = &srvErr
	if path := os.Getenv("BCSYNC_BENCH_SERVE_LOG"); path != "" {
		// To see what the server did: its log goes to this file, at the level of BCSYNC_BENCH_SERVE_LOG_LEVEL.
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		srv.Stderr = f
		srv.Env = append(srv.Env, "BCSYNC_LOG_LEVEL="+cmp.Or(os.Getenv("BCSYNC_BENCH_SERVE_LOG_LEVEL"), "info"))
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	peak := watchPeakRSS(srv.Process.Pid)
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	if err := waitHealthy(ctx, "http://"+addr+"/healthz"); err != nil {
		return nil, fmt.Errorf("bcsync serve: %w\n%s", err, srvErr.String())
	}

	out, _, err := r.bcsync(ctx, "connection", "add", "--name", "Latency store", "--bigcommerce-api-path", r.apiPath,
		"--bigcommerce-access-token", bc.AccessToken(), "--dotdigital-username", dd.Username(), "--dotdigital-password", dd.Password(),
		"--dotdigital-endpoint", ddURL)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	r.id = lines[len(lines)-1]
	if _, _, err := r.bcsync(ctx, "settings", r.id, "--customer-list", "Customers"); err != nil {
		return nil, err
	}
	opts.say("first sync of %d customers, %d subscribers, %d orders and %d products…", opts.Customers, opts.Subscribers, opts.Orders, opts.Products)
	if err := waitFirstSync(ctx, r); err != nil {
		return nil, err
	}
	staff := &runner{opts: r.opts, bc: bc, apiPath: bc.APIPath(staffURL)}
	client, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: staff.apiPath, AccessToken: bc.AccessToken()}})
	if err != nil {
		return nil, err
	}
	mk, err := newChanger(ctx, client, staff, dd, tr)
	if err != nil {
		return nil, err
	}

	bc.ResetStats()
	dd.Stats().Reset()
	opts.say("making %g changes a second for %s…", opts.Rate, opts.Duration)
	start := time.Now()
	// Changes made by a direct call (a contact taken out of a list) show in the account, not in an import.
	watch, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-watch.Done():
				return
			case <-t.C:
				tr.checkDirect()
			}
		}
	}()
	tick := time.NewTicker(time.Duration(float64(time.Second) / opts.Rate))
	made := 0
	var samples []Sample
	sample := func() {
		samples = append(samples, Sample{AtS: math.Round(time.Since(start).Seconds()), RSSBytes: vmRSS(srv.Process.Pid), Waiting: tr.outstanding()})
	}
	nextSample := start.Add(10 * time.Second)
	// rate × duration changes, one a tick (a machine too busy to keep up takes longer); none for a rate
	// below one change in the duration: an idle store, watched for the duration.
	total := int(opts.Rate * opts.Duration.Seconds())
	if total == 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(opts.Duration):
		}
	}
	for made < total {
		if time.Now().After(nextSample) {
			sample()
			nextSample = nextSample.Add(10 * time.Second)
		}
		select {
		case <-ctx.Done():
			tick.Stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
		if err := mk.change(ctx, made); err != nil {
			tick.Stop()
			return nil, err
		}
		made++
	}
	tick.Stop()
	opts.say("made %d changes; waiting for the last of them (at most %s)…", made, opts.Drain)
	drainUntil := time.Now().Add(opts.Drain)
	for tr.outstanding() > 0 && time.Now().Before(drainUntil) {
		time.Sleep(100 * time.Millisecond)
	}
	stopWatch()
	sample()
	wall := time.Since(start)
	for _, c := range tr.slowest(5) {
		opts.say("  slowest: %s made %s, visible after %.1fs", c.key, c.made.Format("15:04:05.000"), c.took.Seconds())
	}
	for _, k := range tr.unseenKeys(5) {
		opts.say("  never arrived: %s (Dotdigital has %s)", k, tr.describe(k))
	}
	bcStats, ddStats := bc.Stats(), dd.Stats().Snapshot()

	rep := &LatencyReport{Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()), Options: opts,
		Latency: tr.summary(), WallS: wall.Seconds(), PeakRSSBytes: peak(), Samples: samples}
	reads := bcStats.Total
	rep.Calls = map[string]int64{"bigcommerce": reads, "dotdigital": ddStats.Total}
	per := func(n float64) float64 { return math.Round(n*1000/float64(max(made, 1))*10) / 10 }
	rep.Operations = map[string]map[string]int64{"bigcommerce": bcStats.Requests, "dotdigital": ddStats.Requests}
	rep.CallsPer1000 = map[string]float64{"bigcommerce": per(float64(reads)), "dotdigital": per(float64(ddStats.Total))}
	rep.FloorPer1000 = map[string]float64{"bigcommerce": per(float64(mk.floor()))}
	for _, wait := range floorWaits {
		rep.FloorPer1000[fmt.Sprintf("bigcommerce_within_%.0fs", wait.Seconds())] = per(float64(mk.floorWithin(wait)))
	}
	rep.Throttled = bcStats.Statuses["429"] + ddStats.Statuses["429"]
	if limit.Quota > 0 {
		windows := wall.Seconds() / limit.Window.Seconds()
		used := math.Round(float64(reads)/(float64(limit.Quota)*windows)*1000) / 1000
		rep.QuotaUsed = &used
	}
	opts.say("a full sync, to see what the changes left out…")
	var resync resource.Run
	for try := 0; ; try++ {
		// A run of changes may still be going: a sync asked for meanwhile attaches to it and ends with
		// it. Ask again until a full run of its own ran.
		out, _, err = r.bcsync(ctx, "sync", r.id, "--wait", "--json")
		if err == nil && json.NewDecoder(strings.NewReader(out)).Decode(&resync) == nil && resync.TriggeredBy == "manual" {
			break
		}
		if try == 20 {
			if err != nil {
				return nil, fmt.Errorf("a full sync after the changes: %w", err)
			}
			return nil, fmt.Errorf("a full sync after the changes: twenty asked for, none ran on its own (the last was run %d, triggered by %s, %s)",
				resync.Number, resync.TriggeredBy, resync.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
	rep.ResyncSent = map[string]int64{}
	for name, st := range resync.Streams {
		if st.Sent > 0 && name != "webhooks" {
			rep.ResyncSent[name] = st.Sent
		}
	}
	opts.say("  p50 %.1fs, p95 %.1fs, p99 %.1fs, max %.1fs over %d changes (%d unseen); %.1f BigCommerce and %.1f Dotdigital calls per 1,000 changes",
		rep.Latency.P50, rep.Latency.P95, rep.Latency.P99, rep.Latency.Max, rep.Latency.Count, rep.Latency.Unseen,
		rep.CallsPer1000["bigcommerce"], rep.CallsPer1000["dotdigital"])
	return rep, nil
}

// LatencyTable prints a latency report for people.
func LatencyTable(w interface{ Write([]byte) (int, error) }, rep *LatencyReport) {
	l := rep.Latency
	fmt.Fprintf(w, "machine: %s\n", rep.Machine)
	fmt.Fprintf(w, "changes: %d at %.0f/s for %s (rate limit %s, quota share %.2f)\n", l.Count, rep.Options.Rate, rep.Options.Duration,
		orDash(rep.Options.RateLimit), rep.Options.QuotaShare)
	fmt.Fprintf(w, "change → visible in Dotdigital: p50 %.1fs  p95 %.1fs  p99 %.1fs  max %.1fs  (%d never arrived)\n", l.P50, l.P95, l.P99, l.Max, l.Unseen)
	fmt.Fprintf(w, "calls per 1,000 changes: BigCommerce %.1f (floor %.1f; %.1f with no change waiting over 5 s for its read, %.1f over 8 s), Dotdigital %.1f\n",
		rep.CallsPer1000["bigcommerce"], rep.FloorPer1000["bigcommerce"], rep.FloorPer1000["bigcommerce_within_5s"],
		rep.FloorPer1000["bigcommerce_within_8s"], rep.CallsPer1000["dotdigital"])
	if rep.QuotaUsed != nil {
		fmt.Fprintf(w, "store quota used: %.1f%%\n", *rep.QuotaUsed*100)
	}
	fmt.Fprintf(w, "a full sync afterwards sent: %v (nothing: the changes left nothing out)\n", rep.ResyncSent)
	fmt.Fprintf(w, "429 answers: %d; peak RSS of bcsync serve: %d MB\n", rep.Throttled, rep.PeakRSSBytes>>20)
	for _, x := range rep.Samples {
		fmt.Fprintf(w, "  at %4.0fs: RSS %d MB, %d changes not yet visible\n", x.AtS, x.RSSBytes>>20, x.Waiting)
	}
}

// vmRSS reads a process's resident memory now, in bytes (0 when unknown).
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(ctx context.Context, url string) error {
	for range 300 {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("not healthy after 30 s")
}

// waitFirstSync waits until the connection's first run succeeded (the running serve does it).
func waitFirstSync(ctx context.Context, r *runner) error {
	for {
		out, _, err := r.bcsync(ctx, "runs", r.id, "--json")
		if err != nil {
			return err
		}
		var runs []resource.Run
		if err := json.Unmarshal([]byte(out), &runs); err != nil {
			return fmt.Errorf("reading the runs: %w", err)
		}
		for _, run := range runs {
			switch run.Status {
			case "succeeded":
				return nil
			case "failed":
				return fmt.Errorf("the first sync failed: %s", run.Error)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// change is one change made: when the store's API answered, and how to see it in Dotdigital.
type change struct {
	made time.Time
	key  string // contact:<email>, Orders:<id>, Catalog_Default:<id>
	// direct changes are made by a call, not an import (taking a contact out of a list).
	direct  bool
	visible func() bool
	seen    time.Time
}

// tracker follows changes until Dotdigital shows them.
type tracker struct {
	dd *ddemu.Server

	mu      sync.Mutex
	open    map[string][]*change
	done    []time.Duration
	slow    []slowChange
	all     int
	pending int
}

func newTracker() *tracker { return &tracker{open: map[string][]*change{}} }

func (t *tracker) add(c *change) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.open[c.key] = append(t.open[c.key], c)
	t.all++
	t.pending++
}

// importDone resolves the changes an import carried: the newest change of a key that Dotdigital now
// shows, and those of the same key made before it (it superseded them).
func (t *tracker) importDone(d ddemu.ImportDone) {
	if d.Failed {
		return
	}
	prefix := "contact:"
	if d.Kind == "insight" {
		prefix = d.Collection + ":"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range d.Keys {
		t.resolve(prefix+k, d.At)
	}
}

// checkDirect resolves the changes made by direct calls.
func (t *tracker) checkDirect() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for k, cs := range t.open {
		if slices.ContainsFunc(cs, func(c *change) bool { return c.direct }) {
			t.resolve(k, now)
		}
	}
}

// resolve is called with mu.
func (t *tracker) resolve(key string, at time.Time) {
	cs := t.open[key]
	for i := len(cs) - 1; i >= 0; i-- {
		if !cs[i].visible() {
			continue
		}
		for _, c := range cs[:i+1] {
			d := max(0, at.Sub(c.made))
			t.done = append(t.done, d)
			t.slow = append(t.slow, slowChange{key: key, made: c.made, took: d})
		}
		t.pending -= i + 1
		if i+1 == len(cs) {
			delete(t.open, key)
		} else {
			t.open[key] = cs[i+1:]
		}
		return
	}
}

// describe says what Dotdigital has of a key.
func (t *tracker) describe(key string) string {
	kind, id, _ := strings.Cut(key, ":")
	if kind == "contact" {
		c, ok := t.dd.Contact(id)
		if !ok {
			return "no such contact"
		}
		return fmt.Sprintf("lists %v, fields %v", c.Lists, c.DataFields)
	}
	b, ok := t.dd.Record(kind, id)
	if !ok {
		return "no such record"
	}
	return string(b)
}

type slowChange struct {
	key  string
	made time.Time
	took time.Duration
}

// slowest lists the n changes that took longest.
func (t *tracker) slowest(n int) []slowChange {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := slices.Clone(t.slow)
	slices.SortFunc(s, func(a, b slowChange) int { return int(b.took - a.took) })
	return s[:min(n, len(s))]
}

// unseenKeys names up to n keys whose changes did not arrive.
func (t *tracker) unseenKeys(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k := range t.open {
		if len(out) == n {
			break
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (t *tracker) outstanding() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pending
}

func (t *tracker) summary() Latency {
	t.mu.Lock()
	defer t.mu.Unlock()
	ds := slices.Clone(t.done)
	slices.Sort(ds)
	q := func(p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return math.Round(ds[max(i, 0)].Seconds()*100) / 100
	}
	return Latency{P50: q(0.5), P95: q(0.95), P99: q(0.99), Max: q(1), Count: t.all, Unseen: t.pending}
}
