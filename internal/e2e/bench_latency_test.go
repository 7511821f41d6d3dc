package e2e

import (
	"encoding/json"
	"testing"

	"github.com/bcsync/bcsync/internal/bench"
)

// bcsync bench --latency runs bcsync serve with webhooks, makes changes through the store's API at a
// steady rate and reports how long each took to be visible in Dotdigital, with the calls it cost, where
// they went, and the floors they compare with (here under a Basic package's budget of imports). The
// JSON's field names are read by scripts.
func TestLatencyBenchReportsEveryChangeArrivingAndItsCost(t *testing.T) {
	w := newWorld(t, sizes{})
	out := w.bcsync("bench", "--latency", "--rate", "5", "--duration", "4s", "--import-delay", "100ms", "--rate-limit", "150/30s",
		"--dotdigital-rate-limit", "low=35/1m", "--json")
	var fields map[string]map[string]any
	var rep bench.LatencyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	json.Unmarshal([]byte(out), &fields) // the scalar fields fail to decode into maps; the objects do
	for obj, keys := range map[string][]string{"latency": {"p50_s", "p95_s", "p99_s", "max_s", "changes"}, "calls_per_1000": {"bigcommerce", "dotdigital"}} {
		for _, k := range keys {
			if _, ok := fields[obj][k]; !ok {
				t.Errorf("the JSON lacks %s.%s:\n%s", obj, k, out)
			}
		}
	}
	l := rep.Latency
	if l.Count != 20 || l.Unseen != 0 {
		t.Fatalf("%d changes made, %d never arrived:\n%s", l.Count, l.Unseen, out)
	}
	if !(0 < l.P50 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latencies out of order: %+v", l)
	}
	if rep.CallsPer1000["bigcommerce"] <= 0 || rep.CallsPer1000["dotdigital"] <= 0 || rep.FloorPer1000["bigcommerce"] <= 0 {
		t.Errorf("calls: %+v, floor %+v", rep.CallsPer1000, rep.FloorPer1000)
	}
	if f := rep.FloorPer1000; !(f["bigcommerce"] <= f["bigcommerce_within_8s"] && f["bigcommerce_within_8s"] <= f["bigcommerce_within_5s"]) {
		t.Errorf("a floor that allows less waiting is lower: %+v", f)
	}
	for api, ops := range rep.Operations {
		var sum int64
		for _, n := range ops {
			sum += n
		}
		if sum != rep.Calls[api] {
			t.Errorf("%s: operations add up to %d calls, not %d: %v", api, sum, rep.Calls[api], ops)
		}
	}
	if len(rep.ResyncSent) != 0 {
		t.Errorf("a full sync after the changes still sent %v: the changes left something out", rep.ResyncSent)
	}
	if len(rep.Samples) == 0 {
		t.Errorf("no samples of memory and backlog")
	}
	if rep.QuotaUsed == nil || *rep.QuotaUsed <= 0 || *rep.QuotaUsed > 1 || rep.Throttled != 0 {
		t.Errorf("quota used %v, %d answers of 429", rep.QuotaUsed, rep.Throttled)
	}
}
