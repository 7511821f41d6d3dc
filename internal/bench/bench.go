// Package bench measures bcsync the way a user meets it: it hosts an emulated store and account,
// runs each sync as a separate bcsync process (so its peak memory is measured alone), and compares
// the API calls each phase made with the fewest the data needs.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/emulator"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/resource"
)

// Options size and shape a benchmark.
type Options struct {
	// Binary is the bcsync executable that runs each sync.
	Binary      string `json:"-"`
	Customers   int    `json:"customers"`
	Subscribers int    `json:"subscribers"`
	Orders      int    `json:"orders"`
	Products    int    `json:"products"`
	// Changes is how many records the third phase changes before syncing.
	Changes int `json:"changes"`
	// RateLimit is the store's quota, e.g. "150/30s"; "" is unlimited.
	RateLimit string `json:"rate_limit"`
	// Latency is added to every request of both APIs.
	Latency time.Duration `json:"latency_ns"`
	// TimeScale divides rate-limit windows, import delays and poll waits, so that quota-bound runs finish
	// quickly; calls are unchanged, and wall times are in the scaled world.
	TimeScale  float64 `json:"time_scale"`
	QuotaShare float64 `json:"quota_share"`
	Seed       uint64  `json:"seed"`
	// ImportDelay is how long a Dotdigital import takes before TimeScale; default 2 s.
	ImportDelay time.Duration `json:"import_delay_ns"`
	// Progress receives a line per step; nil for none.
	Progress io.Writer `json:"-"`
}

// Report is what a benchmark measured.
type Report struct {
	Machine string  `json:"machine"`
	Options Options `json:"options"`
	Phases  []Phase `json:"phases"`
}

// Phase is one sync: backfill, no-change incremental, incremental after changes.
type Phase struct {
	Name    string                     `json:"name"`
	Status  string                     `json:"status"`
	WallS   float64                    `json:"wall_s"`
	Records map[string]resource.Stream `json:"records"`
	// Calls and FloorCalls are per API: what the sync made, and the fewest the data needs (BigCommerce:
	// pages of 250 and the /products of orders with over 50 line items; Dotdigital: imports of at most
	// the body limit with one poll each, the account check and the suppressions read).
	Calls      map[string]int64 `json:"calls"`
	FloorCalls map[string]int64 `json:"floor_calls"`
	// RateLimitFloorS is the least time the store's quota share allows for the BigCommerce floor.
	RateLimitFloorS *float64 `json:"rate_limit_floor_s,omitempty"`
	// FailedRequests are answers of 429 or 5xx from either API (a paced client gets none).
	FailedRequests int64 `json:"failed_requests"`
	PeakRSSBytes   int64 `json:"peak_rss_bytes"`
}

func (o *Options) defaults() {
	if o.TimeScale < 1 {
		o.TimeScale = 1
	}
	if o.QuotaShare <= 0 {
		o.QuotaShare = 0.5
	}
	if o.ImportDelay <= 0 {
		o.ImportDelay = 2 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

func (o *Options) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) / o.TimeScale)
}

func (o *Options) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// Run runs the three phases.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts.defaults()
	limit, err := bcemu.ParseRateLimit(opts.RateLimit)
	if err != nil {
		return nil, err
	}
	limit.Window = opts.scale(limit.Window)
	opts.say("generating a store of %d customers, %d subscribers, %d orders and %d products",
		opts.Customers, opts.Subscribers, opts.Orders, opts.Products)
	bc, err := bcemu.New(bcemu.Config{Seed: opts.Seed, Customers: opts.Customers, Subscribers: opts.Subscribers, Orders: opts.Orders,
		Products: opts.Products, Latency: opts.Latency, RateLimit: limit})
	if err != nil {
		return nil, err
	}
	defer bc.Close()
	dd, err := ddemu.New(ddemu.Config{Seed: opts.Seed, ImportDelay: opts.scale(opts.ImportDelay), Latency: opts.Latency, RateLimit: "off",
		Data: ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}})
	if err != nil {
		return nil, err
	}
	defer dd.Close()
	bcURL, stopBC, err := serve(bc.Handler())
	if err != nil {
		return nil, err
	}
	defer stopBC()
	ddURL, stopDD, err := serve(dd.Handler())
	if err != nil {
		return nil, err
	}
	defer stopDD()
	dd.SetRegionEndpoint(ddURL)

	dir, err := os.MkdirTemp("", "bcsync-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := &runner{opts: opts, env: []string{"BCSYNC_DATA_DIR=" + dir, "BCSYNC_LOG_LEVEL=warn",
		"BCSYNC_QUOTA_SHARE=" + strconv.FormatFloat(opts.QuotaShare, 'f', -1, 64),
		"BCSYNC_IMPORT_POLL_MIN=" + opts.scale(5*time.Second).String()}, bc: bc, dd: dd, limit: limit, apiPath: bc.APIPath(bcURL)}

	out, _, err := r.bcsync(ctx, "connection", "add", "--name", "Benchmark store", "--bigcommerce-api-path", r.apiPath,
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

	rep := &Report{Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU()), Options: opts}
	for _, phase := range []struct {
		name   string
		before func(context.Context) (changed, error)
	}{
		{"backfill", func(context.Context) (changed, error) { return r.everything(), nil }},
		{"no-change incremental", func(context.Context) (changed, error) { return changed{}, nil }},
		{fmt.Sprintf("incremental after %d changes", opts.Changes), r.change},
	} {
		ch, err := phase.before(ctx)
		if err != nil {
			return nil, err
		}
		p, err := r.phase(ctx, phase.name, ch)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, *p)
	}
	return rep, nil
}

// changed counts the records a phase has to read, per stream.
type changed struct{ customers, subscribers, orders, products, longOrders int }

type runner struct {
	opts    Options
	env     []string
	bc      *bcemu.Server
	dd      *ddemu.Server
	limit   bcemu.RateLimit
	id      string
	apiPath string
}

func (r *runner) everything() changed {
	inv := r.bc.Inventory()
	return changed{customers: inv.Customers, subscribers: inv.Subscribers, orders: inv.Orders, products: inv.VisibleProducts, longOrders: inv.LongOrders}
}

// bcsync runs the binary and returns its output and its peak memory.
func (r *runner) bcsync(ctx context.Context, args ...string) (string, int64, error) {
	cmd := exec.CommandContext(ctx, r.opts.Binary, args...)
	cmd.Env = append(os.Environ(), r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	rss := peak()
	if err != nil {
		return stdout.String(), rss, fmt.Errorf("bcsync %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), rss, nil
}

// watchPeakRSS follows a process's resident high-water mark (VmHWM) until the returned function is
// called. The rusage of a finished child cannot serve: Go starts children sharing its address space
// until exec, so their ru_maxrss includes this process's memory (the emulators' data).
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(stopped)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(path); err == nil {
				if hwm := vmHWM(b); hwm > peak.Load() {
					peak.Store(hwm)
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}

// vmHWM reads the VmHWM line of /proc/PID/status, in bytes.
func vmHWM(status []byte) int64 {
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (r *runner) phase(ctx context.Context, name string, ch changed) (*Phase, error) {
	r.bc.ResetStats()
	r.dd.Stats().Reset()
	importsBefore := len(r.dd.Imports())
	r.opts.say("%s…", name)
	start := time.Now()
	out, rss, err := r.bcsync(ctx, "sync", r.id, "--wait", "--json")
	wall := time.Since(start)
	var run resource.Run
	if jerr := json.NewDecoder(strings.NewReader(out)).Decode(&run); jerr != nil {
		return nil, errors.Join(err, fmt.Errorf("reading the run: %w", jerr))
	}
	bcStats, ddStats := r.bc.Stats(), r.dd.Stats().Snapshot()
	p := &Phase{Name: name, Status: run.Status, WallS: wall.Seconds(), Records: run.Streams, PeakRSSBytes: rss,
		Calls:          map[string]int64{"bigcommerce": bcStats.Total, "dotdigital": ddStats.Total},
		FailedRequests: failed(bcStats) + failed(ddStats)}
	p.FloorCalls = map[string]int64{"bigcommerce": bigcommerceFloor(ch), "dotdigital": dotdigitalFloor(r.dd.Imports()[importsBefore:])}
	if r.limit.Quota > 0 {
		perWindow := math.Floor(float64(r.limit.Quota) * r.opts.QuotaShare)
		floor := float64(p.FloorCalls["bigcommerce"]) / perWindow * r.limit.Window.Seconds()
		p.RateLimitFloorS = &floor
	}
	r.opts.say("  %s in %.1fs: %d BigCommerce calls (floor %d), %d Dotdigital calls (floor %d), peak RSS %d MB",
		run.Status, p.WallS, p.Calls["bigcommerce"], p.FloorCalls["bigcommerce"], p.Calls["dotdigital"], p.FloorCalls["dotdigital"], rss>>20)
	return p, nil
}

func failed(s emulator.Snapshot) int64 {
	var n int64
	for status, count := range s.Statuses {
		if code, err := strconv.Atoi(status); err == nil && (code == 429 || code >= 500) {
			n += count
		}
	}
	return n
}

func pages(n int) int64 { return int64(max(1, (n+bigcommerce.MaxPageSize-1)/bigcommerce.MaxPageSize)) }

// bigcommerceFloor is one read of every stream: pages of 250 (one request even when nothing changed)
// and the /products of each long order.
func bigcommerceFloor(ch changed) int64 {
	return pages(ch.orders) + pages(ch.subscribers) + pages(ch.customers) + pages(ch.products) + int64(ch.longOrders)
}

// dotdigitalFloor is the account check and the suppressions read, and for each kind of import (contacts
// of one list, records of one collection) as few imports of the body limit as its bytes need, polled once.
func dotdigitalFloor(imports []ddemu.ImportView) int64 {
	bytes := map[string]int64{}
	for _, im := range imports {
		bytes[im.Kind+"/"+im.Collection] += im.Bytes
	}
	floor := int64(2)
	for _, b := range bytes {
		n := (b + dotdigital.DefaultMaxImportBytes - 1) / dotdigital.DefaultMaxImportBytes
		floor += 2 * n
	}
	return floor
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
