package e2e

import (
	"encoding/json"
	"testing"

	"github.com/bcsync/bcsync/internal/bench"
)

// bcsync bench measures three phases against emulated APIs and reports calls against their floor.
func TestBenchReportsEveryPhase(t *testing.T) {
	w := newWorld(t, sizes{})
	out := w.bcsync("bench", "--customers", "600", "--subscribers", "200", "--orders", "700", "--products", "60", "--changes", "50",
		"--rate-limit", "150/30s", "--time-scale", "60", "--json")
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Phases) != 3 {
		t.Fatalf("phases: %+v", rep.Phases)
	}
	for _, p := range rep.Phases {
		if p.Status != "succeeded" || p.FailedRequests != 0 || p.PeakRSSBytes <= 0 || p.RateLimitFloorS == nil {
			t.Errorf("%s: %+v", p.Name, p)
		}
		for _, api := range []string{"bigcommerce", "dotdigital"} {
			if p.Calls[api] < p.FloorCalls[api] || p.FloorCalls[api] == 0 {
				t.Errorf("%s: %s calls %d, floor %d", p.Name, api, p.Calls[api], p.FloorCalls[api])
			}
		}
	}
	backfill, quiet, changes := rep.Phases[0], rep.Phases[1], rep.Phases[2]
	if backfill.Records["customers"].Sent != 600 || backfill.Records["products"].Sent == 0 {
		t.Errorf("backfill records: %+v", backfill.Records)
	}
	if n := quiet.Calls["bigcommerce"] + quiet.Calls["dotdigital"]; n > 10 {
		t.Errorf("a sync with nothing to do made %d calls", n)
	}
	if changes.Records["customers"].Sent != 20 || changes.Records["subscribers"].Read != 10 {
		t.Errorf("changes: %+v", changes.Records)
	}
}
