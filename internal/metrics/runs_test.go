package metrics

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// fakeRuns is a runs table in memory, read the way the store reads it.
type fakeRuns map[int64]store.RunTally

func (f fakeRuns) tallies(from int64, ids []int64) (out []store.RunTally) {
	for _, id := range slices.Sorted(maps.Keys(f)) {
		if id >= from || slices.Contains(ids, id) {
			out = append(out, f[id])
		}
	}
	return out
}

func (f fakeRuns) add(id int64, status store.RunStatus, sent int64) {
	start := time.Unix(1000, 0)
	r := store.RunTally{ID: id, Status: status, StartedAt: start, Records: map[string]store.RecordCounts{"customers": {Sent: sent}}}
	if status != store.RunRunning {
		r.FinishedAt = start.Add(time.Minute)
	}
	f[id] = r
}

// scrapeAt reads what the counter asks for and returns the totals and what was read.
func scrapeAt(c *runCounter, db fakeRuns, now time.Time) (store.RunTotals, int64, int) {
	from, ids := c.follow()
	read := db.tallies(from, ids)
	c.update(now, read)
	t, running := c.totals()
	return t, running, len(read)
}

func TestRunsAreReadUntilTheySettleThenOnlyTheirTotalsAreKept(t *testing.T) {
	db := fakeRuns{}
	db.add(1, store.RunSucceeded, 10)
	db.add(2, store.RunRunning, 5) // a run left running (its connection paused after a crash)
	db.add(3, store.RunFailed, 1)
	c := &runCounter{}
	c.load(&store.RunHistory{Below: 1, Totals: store.NewRunTotals(syncBuckets)})
	t0 := time.Unix(5000, 0)

	tot, running, read := scrapeAt(c, db, t0)
	if read != 3 || running != 1 || tot.Runs[store.RunSucceeded] != 1 || tot.Records["customers"].Sent != 16 || tot.Duration.Count != 2 {
		t.Fatalf("first scrape: read %d, running %d, totals %+v", read, running, tot)
	}
	// Within a minute the ids seen may still hide an uncommitted one: everything is read again.
	if _, _, read := scrapeAt(c, db, t0.Add(30*time.Second)); read != 3 {
		t.Fatalf("read %d runs, want 3", read)
	}
	// A minute later, the finished runs settle; the running one is followed by its id.
	db.add(4, store.RunSucceeded, 2)
	tot, running, read = scrapeAt(c, db, t0.Add(61*time.Second))
	if read != 4 || running != 1 || tot.Records["customers"].Sent != 18 {
		t.Fatalf("read %d, running %d, totals %+v", read, running, tot)
	}
	if from, ids := c.follow(); from != 4 || !slices.Equal(ids, []int64{2}) {
		t.Fatalf("follows from %d and %v, want from 4 and [2]", from, ids)
	}
	tot, _, read = scrapeAt(c, db, t0.Add(92*time.Second))
	if read != 2 || tot.Runs[store.RunSucceeded] != 2 || tot.Runs[store.RunFailed] != 1 || tot.Records["customers"].Sent != 18 {
		t.Fatalf("settled: read %d, totals %+v", read, tot)
	}
	// The stuck run finishes at last and settles too.
	db.add(2, store.RunPartial, 6)
	scrapeAt(c, db, t0.Add(120*time.Second))
	tot, running, _ = scrapeAt(c, db, t0.Add(200*time.Second))
	if running != 0 || tot.Runs[store.RunPartial] != 1 || tot.Records["customers"].Sent != 19 || tot.Duration.Count != 4 {
		t.Fatalf("after the stuck run: running %d, totals %+v", running, tot)
	}
	if _, _, read = scrapeAt(c, db, t0.Add(215*time.Second)); read != 0 || len(c.live) != 0 || len(c.pending) != 0 {
		t.Fatalf("still reads %d runs, follows %v / %v", read, c.live, c.pending)
	}
}

func TestARunCommittedLateIsStillCounted(t *testing.T) {
	db := fakeRuns{}
	db.add(1, store.RunSucceeded, 1)
	db.add(3, store.RunSucceeded, 1) // 2 is taken by a transaction that has not committed yet
	c := &runCounter{}
	c.load(&store.RunHistory{Below: 1, Totals: store.NewRunTotals(syncBuckets)})
	t0 := time.Unix(5000, 0)
	scrapeAt(c, db, t0)
	db.add(2, store.RunSucceeded, 1)
	scrapeAt(c, db, t0.Add(2*time.Minute))
	scrapeAt(c, db, t0.Add(4*time.Minute))
	tot, _, _ := scrapeAt(c, db, t0.Add(6*time.Minute))
	if tot.Runs[store.RunSucceeded] != 3 || tot.Records["customers"].Sent != 3 {
		t.Fatalf("totals %+v, want the 3 runs", tot)
	}
}

func TestCountersDoNotGoDownWhenAConnectionIsRemoved(t *testing.T) {
	db := fakeRuns{}
	db.add(1, store.RunSucceeded, 4)
	db.add(2, store.RunRunning, 3)
	c := &runCounter{}
	c.load(&store.RunHistory{Below: 1, Totals: store.NewRunTotals(syncBuckets)})
	t0 := time.Unix(5000, 0)
	scrapeAt(c, db, t0)
	delete(db, 1)
	delete(db, 2)
	tot, running, _ := scrapeAt(c, db, t0.Add(15*time.Second))
	if tot.Runs[store.RunSucceeded] != 1 || tot.Records["customers"].Sent != 7 || running != 0 {
		t.Fatalf("after removal: running %d, totals %+v", running, tot)
	}
}

func TestTotalsDoNotShareTheSettledHistogram(t *testing.T) {
	c := &runCounter{}
	c.load(&store.RunHistory{Below: 1, Totals: store.NewRunTotals(syncBuckets)})
	db := fakeRuns{}
	db.add(1, store.RunSucceeded, 1)
	scrapeAt(c, db, time.Unix(5000, 0))
	scrapeAt(c, db, time.Unix(5000, 0))
	tot, _, _ := scrapeAt(c, db, time.Unix(5000, 0))
	if tot.Duration.Count != 1 || tot.Duration.Cumulative[len(syncBuckets)-1] != 1 {
		t.Fatalf("histogram %+v: a run counted more than once", tot.Duration)
	}
}
