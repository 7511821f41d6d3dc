package metrics

import (
	"maps"
	"slices"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// The runs table only grows (a run is deleted only with its connection), so counting it whole at every
// scrape would cost more as the installation ages. runCounter counts it once, then follows it by id:
// a run whose id is below `below` and that has finished is settled, added to `settled` and never read
// again; every other run is read at each scrape by its primary key (the newest ids, and the runs
// below `below` still running, which are few: one per connection at most).
//
// An id can become visible late: with PostgreSQL, a transaction that took id 7 may commit after the
// one that took id 8. So `below` only moves past ids seen at a scrape at least settleAfter ago: any
// transaction open then has committed since.
const (
	// settleAfter is how long after a scrape all the ids it saw are known to be committed.
	settleAfter = time.Minute
	// recentIDs is how many of the newest ids the first count leaves to be followed (same reason).
	recentIDs = 1000
)

// syncBuckets are upper bounds of a sync's duration: from an incremental sync with nothing to send to
// the first sync of a large store.
var syncBuckets = []time.Duration{
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour,
}

type runCounter struct {
	loaded  bool
	below   int64
	settled store.RunTotals          // finished runs below `below`, and what deleted runs had counted
	pending map[int64]bool           // runs below `below` still running
	live    map[int64]store.RunTally // every run not settled, as last read
	maxSeen int64
	marks   []mark // the highest id seen at recent scrapes
}

type mark struct {
	at    time.Time
	maxID int64
}

// load starts from the aggregate of all but the newest runs.
func (c *runCounter) load(h *store.RunHistory) {
	c.loaded = true
	c.below = h.Below
	c.settled = h.Totals
	c.pending = map[int64]bool{}
	for _, id := range h.Running {
		c.pending[id] = true
	}
	c.live = map[int64]store.RunTally{}
	c.maxSeen = h.Below - 1
	c.marks = nil
}

// follow returns what to read at the next scrape: the runs from `from` on, and the ids of older runs
// still running.
func (c *runCounter) follow() (from int64, ids []int64) {
	return c.below, slices.Sorted(maps.Keys(c.pending))
}

// update takes the runs read at now (see follow) and settles those that can be.
func (c *runCounter) update(now time.Time, runs []store.RunTally) {
	seen := make(map[int64]bool, len(runs))
	for _, r := range runs {
		seen[r.ID] = true
		c.live[r.ID] = r
		c.maxSeen = max(c.maxSeen, r.ID)
	}
	// A run that is gone was deleted with its connection: what it counted stays counted, so that the
	// counters never go down.
	for id, r := range c.live {
		if !seen[id] {
			c.settle(r)
		}
	}
	safe := c.below - 1
	for len(c.marks) > 0 && !c.marks[0].at.After(now.Add(-settleAfter)) {
		safe = max(safe, c.marks[0].maxID)
		c.marks = c.marks[1:]
	}
	c.marks = append(c.marks, mark{at: now, maxID: c.maxSeen})
	c.below = safe + 1
	for id, r := range c.live {
		if id >= c.below {
			continue
		}
		if r.Finished() {
			c.settle(r)
		} else {
			c.pending[id] = true
		}
	}
}

// settle adds a run to the settled totals and stops following it.
func (c *runCounter) settle(r store.RunTally) {
	addRun(&c.settled, r)
	delete(c.live, r.ID)
	delete(c.pending, r.ID)
}

// addRun counts a run's records, and the run itself when it has finished.
func addRun(t *store.RunTotals, r store.RunTally) {
	for stream, rc := range r.Records {
		sum := t.Records[stream]
		sum.Add(rc)
		t.Records[stream] = sum
	}
	if r.Finished() {
		t.Runs[r.Status]++
		t.Duration.Observe(r.Duration())
	}
}

// totals are the settled totals plus the runs followed, and how many runs are running.
func (c *runCounter) totals() (store.RunTotals, int64) {
	t := store.RunTotals{
		Runs:     maps.Clone(c.settled.Runs),
		Records:  maps.Clone(c.settled.Records),
		Duration: c.settled.Duration,
	}
	t.Duration.Cumulative = slices.Clone(t.Duration.Cumulative)
	var running int64
	for _, r := range c.live {
		addRun(&t, r)
		if !r.Finished() {
			running++
		}
	}
	return t, running
}
