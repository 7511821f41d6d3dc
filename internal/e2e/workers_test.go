package e2e

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// Two worker processes on PostgreSQL share the syncs of 20 connections: every connection is synced,
// the work is spread over both, and a connection is never synced twice at once.
func TestTwoWorkersOnPostgresShareConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	w := newWorld(t, sizes{})
	w.dbURL = storetest.URL(t, store.Postgres)
	w.env = append(w.env, "BCSYNC_SCHEDULE_EVERY=200ms")
	w.bcsync("migrate")

	// Two workers, logging which connections they sync.
	var logs [2]*syncLog
	var workers [2]*exec.Cmd
	for i := range workers {
		logs[i] = &syncLog{}
		workers[i] = exec.Command(bin, "worker", "--workers", "3", "--log-level", "info", "--log-format", "json")
		workers[i].Env = append(workers[i].Environ(), w.env...)
		workers[i].Env = append(workers[i].Env, "BCSYNC_DATABASE_URL="+w.dbURL, "BCSYNC_SECRET_KEY="+strings.Repeat("ab", 32))
		workers[i].Stderr = logs[i]
		if err := workers[i].Start(); err != nil {
			t.Fatal(err)
		}
		cmd := workers[i]
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}

	const n = 20
	ids := make([]int64, n)
	for i := range n {
		bc, err := bcemu.New(bcemu.Config{Seed: uint64(100 + i), StoreHash: fmt.Sprintf("store%02d", i), Customers: 40, Subscribers: 30,
			Orders: 60, Products: 15, Latency: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(bc.Handler())
		t.Cleanup(func() { srv.Close(); bc.Close() })
		// Each store has its own account: two stores in one account would share Insight keys (order
		// ids), which Dotdigital refuses for another contact (KeyExistingForDifferentContact).
		dd, err := ddemu.New(ddemu.Config{Seed: uint64(100 + i), ImportDelay: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ddSrv := httptest.NewServer(dd.Handler())
		dd.SetRegionEndpoint(ddSrv.URL)
		t.Cleanup(func() { ddSrv.Close(); dd.Close() })
		out := w.bcsync("connection", "add", "--name", fmt.Sprintf("Shop %d", i), "--bigcommerce-api-path", bc.APIPath(srv.URL),
			"--bigcommerce-access-token", bc.AccessToken(), "--dotdigital-username", dd.Username(),
			"--dotdigital-password", dd.Password(), "--dotdigital-endpoint", ddSrv.URL)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if ids[i], err = strconv.ParseInt(lines[len(lines)-1], 10, 64); err != nil {
			t.Fatalf("connection add printed no id: %v\n%s", err, out)
		}
		// Asking again at once: refused while the first sync is queued or running.
		if out := w.bcsync("sync", strconv.FormatInt(ids[i], 10)); !strings.Contains(out, "already queued or running") && !strings.Contains(out, "sync queued") {
			t.Fatalf("sync now: %s", out)
		}
	}

	w.eventually("every connection synced", func() bool {
		for _, id := range ids {
			var runs []resource.Run
			if err := json.Unmarshal([]byte(w.bcsync("runs", strconv.FormatInt(id, 10), "--json")), &runs); err != nil {
				t.Fatal(err)
			}
			if len(runs) == 0 || runs[0].Status == "running" {
				return false
			}
		}
		return true
	})
	for _, cmd := range workers {
		cmd.Process.Signal(interrupt)
		cmd.Wait()
	}

	for _, id := range ids {
		var runs []resource.Run
		if err := json.Unmarshal([]byte(w.bcsync("runs", strconv.FormatInt(id, 10), "--json")), &runs); err != nil || len(runs) == 0 {
			t.Fatalf("connection %d runs: %d, %v", id, len(runs), err)
		}
		for i, r := range runs {
			if r.Status != "succeeded" {
				t.Errorf("connection %d run %d: %s %s", id, r.ID, r.Status, r.Error)
			}
			// Runs of one connection never overlap.
			for _, o := range runs[i+1:] {
				if o.FinishedAt != nil && r.StartedAt.Before(*o.FinishedAt) && o.StartedAt.Before(*r.FinishedAt) {
					t.Errorf("connection %d: runs %d and %d overlap", id, r.ID, o.ID)
				}
			}
		}
	}
	a, b := logs[0].connections(), logs[1].connections()
	t.Logf("worker 1 synced %d connections, worker 2 synced %d", len(a), len(b))
	if len(a) == 0 || len(b) == 0 || len(a)+len(b) < n {
		t.Fatalf("work not shared: %v / %v", a, b)
	}
}

// syncLog collects the connection ids of "sync finished" lines of a worker's JSON log.
type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

var finishedRe = regexp.MustCompile(`"msg":"sync finished".*?"connection_id":(\d+)`)

func (l *syncLog) connections() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]bool{}
	for _, m := range finishedRe.FindAllStringSubmatch(l.buf.String(), -1) {
		out[m[1]] = true
	}
	return out
}
