package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// A store whose quota (4 requests a second, half of it bcsync's) makes a first sync take seconds, as a
// Standard plan makes a large store's take hours.
var (
	paced      = sizes{customers: 1200, subscribers: 300, orders: 600, products: 300}
	pacedQuota = func(bc *bcemu.Config, dd *ddemu.Config) {
		bc.RateLimit = bcemu.RateLimit{Quota: 4, Window: time.Second}
		dd.Data = ddemu.DataSizes{Lists: 3}
	}
)

// The streams a backfill reads from the store, each with a total the store gives up front.
var counted = []string{"subscribers", "customers", "orders", "products"}

// On a terminal, `bcsync sync --wait` draws a bar per stream, redrawn in place, with "n of N", a
// percentage and the time left.
func TestSyncWaitOnATerminalDrawsBarsWithNOfNAPercentageAndTimeLeft(t *testing.T) {
	w := newWorld(t, paced, pacedQuota)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	term, tty := openPTY(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "sync", strconv.FormatInt(id, 10), "--wait")
	cmd.Env = append(cmd.Environ(), w.env...)
	cmd.Stdout = tty
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&screen, term); close(read) }()
	if err := cmd.Run(); err != nil {
		t.Fatalf("bcsync sync --wait: %v\n%s", err, stderr.String())
	}
	tty.Close()
	<-read
	out := screen.String()
	if !strings.Contains(out, "\x1b[2K") || !regexp.MustCompile(`\x1b\[\d+A`).MatchString(out) {
		t.Fatalf("the bars are not redrawn in place:\n%q", out)
	}
	// The streams of several pages are seen running (the others may take less than a redraw).
	for _, s := range []string{"Customers", "Orders"} {
		running := regexp.MustCompile(s + ` +running +\[#*\.*\] \d+ of \d+ +\d+%  \S+ left`)
		if !running.MatchString(out) {
			t.Errorf("no running bar of %s with n of N, a percentage and the time left:\n%s", s, lastScreen(out))
		}
	}
	for s, n := range map[string]int{"Customers": paced.customers, "Orders": paced.orders, "Subscribers": paced.subscribers} {
		if !regexp.MustCompile(s + ` +done +\[#{20}\] ` + strconv.Itoa(n) + ` of ` + strconv.Itoa(n) + ` 100%`).MatchString(lastScreen(out)) {
			t.Errorf("the bar of %s does not end full:\n%s", s, lastScreen(out))
		}
	}
}

// lastScreen is the last drawing of the bars, for a failure's message.
func lastScreen(out string) string {
	if i := strings.LastIndex(out, "A\x1b[2K"); i > 0 {
		return out[i:]
	}
	return out
}

// Piped, `bcsync sync --wait` prints plain lines: no escape codes, each stream's "n of N" and
// percentage when it ends.
func TestSyncWaitPipedPrintsPlainLinesWithNOfN(t *testing.T) {
	w := newWorld(t, small, func(_ *bcemu.Config, dd *ddemu.Config) { dd.Data = ddemu.DataSizes{Lists: 3} })
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	out := w.bcsync("sync", strconv.FormatInt(id, 10), "--wait")
	if !strings.HasPrefix(out, "run ") {
		t.Errorf("waiting for the first sync, queued by connection add, does not start with its run:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatalf("escape codes in piped output:\n%q", out)
	}
	for s, n := range map[string]int{"Customers": small.customers, "Orders": small.orders, "Subscribers": small.subscribers} {
		done := regexp.MustCompile(`(?m)^` + s + ` +done +\[#{20}\] ` + strconv.Itoa(n) + ` of ` + strconv.Itoa(n) + ` 100%`)
		if !done.MatchString(out) {
			t.Errorf("no line of %s done with %d of %d:\n%s", s, n, n, out)
		}
	}
	if strings.Contains(out, "order_figures") {
		t.Errorf("an internal stream name is shown:\n%s", out)
	}
}

// The JSON of a run gives each stream read from the store its total, and while it runs the time left.
func TestTheRunsJSONGivesTotalsAndTimeLeft(t *testing.T) {
	w := newWorld(t, paced, pacedQuota)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	sync := w.start("sync", strconv.FormatInt(id, 10), "--wait")
	ids := strconv.FormatInt(id, 10)
	seen := map[string]bool{}
	w.eventually("each counted stream running with a total and a time left", func() bool {
		var runs []struct {
			Status  string
			Streams map[string]struct {
				State string   `json:"state"`
				Read  int64    `json:"read"`
				Total *int64   `json:"total"`
				LeftS *float64 `json:"left_s"`
			}
		}
		if err := jsonOf(w.bcsync("runs", ids, "--json"), &runs); err != nil || len(runs) == 0 {
			return false
		}
		for _, s := range counted {
			st := runs[0].Streams[s]
			if st.State == "running" && st.Total != nil && *st.Total > 0 && st.LeftS != nil && *st.LeftS > 0 {
				seen[s] = true
			}
		}
		return len(seen) == len(counted) || runs[0].Status != "running"
	})
	if err := sync.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 {
		t.Errorf("only %v were seen running with a total and a time left", seen)
	}
	run := w.sync(id) // a second run: totals of what changed since (the overlap), all read
	for _, s := range counted {
		st := run.Streams[s]
		if st.Total == nil || *st.Total != st.Read {
			t.Errorf("%s: read %d, total %v", s, st.Read, st.Total)
		}
	}
}

// jsonOf decodes a command's JSON output.
func jsonOf(out string, v any) error { return json.Unmarshal([]byte(out), v) }

// Connecting a store says what its first sync will read and how long the store's rate limit makes it
// take, before it starts.
func TestConnectingAStoreEstimatesTheFirstSync(t *testing.T) {
	w := newWorld(t, paced, pacedQuota)
	out := w.bcsync("connection", "add", "--name", "Test shop",
		"--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-access-token", w.bc.AccessToken(),
		"--dotdigital-username", w.dd.Username(), "--dotdigital-password", w.dd.Password(), "--dotdigital-endpoint", w.ddSrv.URL)
	visible := true
	products := len(all(t, w.store().Products(ctx(), bigcommerce.ProductQuery{Visible: &visible})))
	pages := func(n int) int { return (n + 249) / 250 }
	requests := pages(paced.subscribers) + pages(paced.orders) + 1 + pages(products)
	want := fmt.Sprintf("The first sync reads %d subscribers, %d orders and %d products (and 1,200 customers once a customer list is chosen): %d requests to the store, about ",
		paced.subscribers, paced.orders, products, requests)
	if !strings.Contains(out, want) || !strings.Contains(out, " at the 2.0 a second its rate limit leaves bcsync.") {
		t.Fatalf("connection add said:\n%s\nwant a line starting %q", out, want)
	}
	if !strings.Contains(out, "no bcsync serve or worker is running: `bcsync sync 1 --wait` runs the first sync now") {
		t.Errorf("connection add without serve does not say how the first sync runs:\n%s", out)
	}
}
