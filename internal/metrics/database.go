package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bcsync/bcsync/internal/store"
)

const (
	// queryTimeout bounds the database queries of one scrape (with SQLite they wait for the one
	// connection the syncs also use).
	queryTimeout = 5 * time.Second
	// historyTimeout bounds the first count of all runs (store.RunHistory), which reads the whole runs
	// table: seconds for millions of runs. It runs in the background; a scrape waits for it at most
	// historyWait, and the runs metrics appear at the first scrape after it is done.
	historyTimeout = 10 * time.Minute
	historyWait    = 2 * time.Second
)

// The families read from the database, as named in bcsync_scrape_errors_total.
const (
	familyRuns        = "runs"
	familyQueue       = "queue"
	familyConnections = "connections"
	familyWaiting     = "waiting"
)

var (
	runsDesc = prometheus.NewDesc("bcsync_runs_total",
		"Finished syncs of all connections, by final status (succeeded, partial, failed, cancelled). From the state database: the same in every process.",
		[]string{"status"}, nil)
	runningDesc = prometheus.NewDesc("bcsync_runs_running",
		"Syncs running now (or interrupted and waiting to resume), in all processes.", nil, nil)
	recordsDesc = prometheus.NewDesc("bcsync_records_total",
		"Records handled by the syncs of all connections, by stream and outcome: read from the source, sent, skipped as unchanged, rejected by the destination. Includes the syncs still running.",
		[]string{"stream", "outcome"}, nil)
	syncDurationDesc = prometheus.NewDesc("bcsync_sync_duration_seconds",
		"Duration of the finished syncs of all connections, from start to finish.", nil, nil)
	queueDesc = prometheus.NewDesc("bcsync_queue_jobs",
		"Unfinished jobs in the job queue, by queue (sync: connection syncs; default: the scheduler) and state.",
		[]string{"queue", "state"}, nil)
	connectionsDesc = prometheus.NewDesc("bcsync_connections",
		"Connections, by status (ok, needs_attention).", []string{"status"}, nil)
	waitingDesc = prometheus.NewDesc("bcsync_waiting_records",
		"Orders waiting for their contact to exist in Dotdigital, in all connections.", nil, nil)
)

// dbCollector reads the installation's state from the database at each scrape. A query that fails
// leaves its metrics out of that scrape and counts in bcsync_scrape_errors_total.
type dbCollector struct {
	store  state
	log    *slog.Logger
	errors *prometheus.CounterVec
	now    func() time.Time
	wait   time.Duration // how long a scrape waits for the first count of all runs

	mu      sync.Mutex // one scrape at a time
	runs    runCounter
	history chan historyResult // while the first count of all runs is under way
	queues  map[string]bool    // queues seen: their states stay reported, at zero when empty
	// more are collectors of other families read from the state (alerts): collected before the
	// errors, so that a query of theirs that fails is counted in the same scrape.
	more []prometheus.Collector
}

// state is what the collector reads (a *store.Store).
type state interface {
	RunHistory(ctx context.Context, recent int64, bounds []time.Duration) (*store.RunHistory, error)
	RunTallies(ctx context.Context, from int64, ids []int64) ([]store.RunTally, error)
	QueueJobs(ctx context.Context) ([]store.QueueCount, error)
	ConnectionsByStatus(ctx context.Context) (map[store.Status]int64, error)
	CountAllWaiting(ctx context.Context) (int64, error)
}

func newDBCollector(s state, log *slog.Logger) *dbCollector {
	c := &dbCollector{
		store: s, log: log, now: time.Now, wait: historyWait, queues: map[string]bool{},
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "scrape_errors_total",
			Help: "State database queries that failed while serving metrics, by the metrics they feed (runs, queue, connections, waiting); those metrics were left out.",
		}, []string{"family"}),
	}
	for _, f := range []string{familyRuns, familyQueue, familyConnections, familyWaiting} {
		c.errors.WithLabelValues(f)
	}
	return c
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{runsDesc, runningDesc, recordsDesc, syncDurationDesc, queueDesc, connectionsDesc, waitingDesc} {
		ch <- d
	}
	for _, m := range c.more {
		m.Describe(ch)
	}
	c.errors.Describe(ch)
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	c.collectRuns(ctx, ch)
	c.collectQueue(ctx, ch)
	c.collectConnections(ctx, ch)
	c.collectWaiting(ctx, ch)
	for _, m := range c.more {
		m.Collect(ch)
	}
	c.errors.Collect(ch)
}

func (c *dbCollector) failed(family string, err error) {
	c.errors.WithLabelValues(family).Inc()
	c.log.Warn("metrics: state database query failed", slog.String("metrics", family), slog.Any("error", err))
}

type historyResult struct {
	h   *store.RunHistory
	err error
}

func (c *dbCollector) collectRuns(ctx context.Context, ch chan<- prometheus.Metric) {
	if !c.runs.loaded {
		if c.history == nil {
			done := make(chan historyResult, 1)
			c.history = done
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
				defer cancel()
				h, err := c.store.RunHistory(ctx, recentIDs, syncBuckets)
				done <- historyResult{h, err}
			}()
		}
		wait := time.NewTimer(c.wait)
		defer wait.Stop()
		select {
		case r := <-c.history:
			c.history = nil
			if r.err != nil {
				c.failed(familyRuns, r.err)
				return
			}
			c.runs.load(r.h)
		case <-wait.C:
			return // still counting: the runs metrics appear when it is done
		case <-ctx.Done():
			return
		}
	}
	now := c.now() // before the query: see runCounter
	from, ids := c.runs.follow()
	tallies, err := c.store.RunTallies(ctx, from, ids)
	if err != nil {
		c.failed(familyRuns, err)
		return
	}
	c.runs.update(now, tallies)
	t, running := c.runs.totals()
	for _, s := range []store.RunStatus{store.RunSucceeded, store.RunPartial, store.RunFailed} {
		if _, ok := t.Runs[s]; !ok {
			t.Runs[s] = 0 // present from the start, so that rates and alerts work before the first failure
		}
	}

	for status, n := range t.Runs {
		ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.CounterValue, float64(n), string(status))
	}
	ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, float64(running))
	for stream, rc := range t.Records {
		for _, o := range []struct {
			outcome string
			n       int64
		}{{"read", rc.Read}, {"sent", rc.Sent}, {"unchanged", rc.Unchanged}, {"rejected", rc.Rejected}} {
			ch <- prometheus.MustNewConstMetric(recordsDesc, prometheus.CounterValue, float64(o.n), stream, o.outcome)
		}
	}
	buckets := make(map[float64]uint64, len(t.Duration.Bounds))
	for i, b := range t.Duration.Bounds {
		buckets[b.Seconds()] = t.Duration.Cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(syncDurationDesc, t.Duration.Count, t.Duration.Sum.Seconds(), buckets)
}

// queueStates are the job states counted (store.QueueJobs).
var queueStates = []string{"available", "scheduled", "running", "retryable"}

func (c *dbCollector) collectQueue(ctx context.Context, ch chan<- prometheus.Metric) {
	counts, err := c.store.QueueJobs(ctx)
	if err != nil {
		c.failed(familyQueue, err)
		return
	}
	jobs := map[[2]string]int64{}
	for _, q := range counts {
		c.queues[q.Queue] = true
		jobs[[2]string{q.Queue, q.State}] = q.Jobs
	}
	for queue := range c.queues {
		for _, state := range queueStates {
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(jobs[[2]string{queue, state}]), queue, state)
		}
	}
}

func (c *dbCollector) collectConnections(ctx context.Context, ch chan<- prometheus.Metric) {
	counts, err := c.store.ConnectionsByStatus(ctx)
	if err != nil {
		c.failed(familyConnections, err)
		return
	}
	// Both statuses are always present, at zero when no connection has them.
	for _, s := range []store.Status{store.StatusOK, store.StatusNeedsAttention} {
		if _, ok := counts[s]; !ok {
			counts[s] = 0
		}
	}
	for s, n := range counts {
		ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(n), string(s))
	}
}

func (c *dbCollector) collectWaiting(ctx context.Context, ch chan<- prometheus.Metric) {
	n, err := c.store.CountAllWaiting(ctx)
	if err != nil {
		c.failed(familyWaiting, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(n))
}
