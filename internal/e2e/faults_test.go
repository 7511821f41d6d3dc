package e2e

import (
	"strconv"
	"testing"
)

// faults are the kinds, at rates high enough that each occurs in a test-sized backfill.
const faults = "500=0.08,429=0.08,truncate=0.06,timeout=0.04"

// A backfill under 5xx, 429s without headers, cut answers and timeouts on both APIs reaches the same
// Dotdigital state as a backfill without faults. A run may end failed when an import's outcome was left
// unknown; the next sync (here at once, normally at the next interval) finishes the work.
func TestABackfillUnderFaultsReachesTheSameState(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	sz := sizes{customers: 2500, subscribers: 600, orders: 3000, products: 250}
	clean := func(bc *bcemuConfig, dd *ddemuConfig) {
		slowWorld(bc, dd)
		bc.Latency, dd.ImportDelay = 0, 30e6
	}
	ref := newWorld(t, sz, clean)
	rid := ref.connect()
	ref.settings(rid, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS")
	ref.sync(rid)

	w := newWorld(t, sz, clean, func(bc *bcemuConfig, dd *ddemuConfig) { bc.Faults, dd.Faults, dd.Seed = faults, faults, 7 })
	// Short, so that the injected timeouts cost little, yet longer than an honest answer takes under
	// -race on a busy machine (the emulator checks each of an import's 3,000 records against the spec):
	// at 1 s every attempt of the orders' import timed out and no run could succeed.
	w.env = append(w.env, "BCSYNC_API_TIMEOUT=5s")
	id := w.connect()
	w.settings(id, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS")
	runs := 0
	for ; runs < 6; runs++ {
		out, _ := w.try("sync", strconv.FormatInt(id, 10), "--wait", "--json")
		run := parseRun(t, out)
		if run.Status == "succeeded" {
			break
		}
		t.Logf("run %d %s: %s\n%s", runs+1, run.Status, run.Error, run.Detail)
	}
	t.Logf("converged after %d runs; faults injected: BigCommerce %v, Dotdigital %v", runs+1, w.bc.Stats().Faults, w.dd.Stats().Snapshot().Faults)
	if runs == 6 {
		t.Fatal("no run succeeded")
	}
	if len(w.bc.Stats().Faults) < 3 || len(w.dd.Stats().Snapshot().Faults) < 2 {
		t.Fatal("too few faults were injected to show anything")
	}
	sameState(t, ref, w)
}
