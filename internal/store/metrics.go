package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The queries below feed the Prometheus metrics (internal/metrics). They read the whole cluster's state,
// so every process reports the same figures. Runs are never deleted except with their connection, so
// the runs table only grows: RunHistory aggregates it once, when a process first serves its metrics, and
// RunTallies then reads only the runs that may still change (the newest ids, and those still running),
// by the primary key.

// RecordCounts are what a stream did with records: read from the source, sent to the destination,
// skipped as unchanged, rejected by the destination.
type RecordCounts struct {
	Read, Sent, Unchanged, Rejected int64
}

// Add adds o to c.
func (c *RecordCounts) Add(o RecordCounts) {
	c.Read += o.Read
	c.Sent += o.Sent
	c.Unchanged += o.Unchanged
	c.Rejected += o.Rejected
}

// DurationHistogram counts run durations against upper bounds, as a Prometheus histogram does.
type DurationHistogram struct {
	Bounds []time.Duration // ascending
	// Cumulative[i] counts the durations ≤ Bounds[i].
	Cumulative []uint64
	Count      uint64
	Sum        time.Duration
}

// NewDurationHistogram returns an empty histogram over bounds (ascending).
func NewDurationHistogram(bounds []time.Duration) DurationHistogram {
	return DurationHistogram{Bounds: bounds, Cumulative: make([]uint64, len(bounds))}
}

// Observe counts one duration.
func (h *DurationHistogram) Observe(d time.Duration) {
	for i, b := range h.Bounds {
		if d <= b {
			h.Cumulative[i]++
		}
	}
	h.Count++
	h.Sum += d
}

// Merge adds o's counts to h (same bounds).
func (h *DurationHistogram) Merge(o DurationHistogram) {
	for i := range h.Cumulative {
		h.Cumulative[i] += o.Cumulative[i]
	}
	h.Count += o.Count
	h.Sum += o.Sum
}

// RunTotals aggregate finished runs.
type RunTotals struct {
	Runs     map[RunStatus]int64     // by final status
	Records  map[string]RecordCounts // by stream
	Duration DurationHistogram       // from start to finish
}

// NewRunTotals returns empty totals with a duration histogram over bounds.
func NewRunTotals(bounds []time.Duration) RunTotals {
	return RunTotals{Runs: map[RunStatus]int64{}, Records: map[string]RecordCounts{}, Duration: NewDurationHistogram(bounds)}
}

// RunHistory is the state of the runs table up to a point: the totals of the finished runs whose id is
// below Below, and the ids of the runs below it that are still running.
type RunHistory struct {
	Below   int64
	Totals  RunTotals
	Running []int64
}

// RunHistory aggregates every run except the newest recent ids (those may belong to transactions that
// are not committed yet), in one snapshot, with run durations counted against bounds. It reads the
// whole runs and run_streams tables (seconds for millions of runs): call it once, then follow the
// newer runs with RunTallies.
func (s *Store) RunHistory(ctx context.Context, recent int64, bounds []time.Duration) (*RunHistory, error) {
	h := &RunHistory{Totals: NewRunTotals(bounds)}
	var opts *sql.TxOptions
	if s.engine == Postgres {
		// One snapshot for all the statements: a run that finishes meanwhile is counted exactly once.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: run history: %w", err)
	}
	defer tx.Rollback() // read only: nothing to commit
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM runs`).Scan(&maxID); err != nil {
		return nil, fmt.Errorf("store: run history: %w", err)
	}
	cut := max(maxID-recent, 0)
	h.Below = cut + 1

	// Runs by status, with their durations bucketed: one row per final status.
	var cols strings.Builder
	args := []any{cut, string(RunRunning)}
	for _, b := range bounds {
		args = append(args, b.Milliseconds())
		fmt.Fprintf(&cols, ", SUM(CASE WHEN COALESCE(finished_at, started_at) - started_at <= $%d THEN 1 ELSE 0 END)", len(args))
	}
	err = eachRow(ctx, tx, `SELECT status, COUNT(*), CAST(COALESCE(SUM(COALESCE(finished_at, started_at) - started_at), 0) AS BIGINT)`+cols.String()+`
		FROM runs WHERE id <= $1 AND status <> $2 GROUP BY status`, args, func(rows *sql.Rows) error {
		var status string
		var n, sumMS int64
		buckets := make([]int64, len(bounds))
		dest := []any{&status, &n, &sumMS}
		for i := range buckets {
			dest = append(dest, &buckets[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		t := &h.Totals
		t.Runs[RunStatus(status)] += n
		t.Duration.Count += uint64(n)
		t.Duration.Sum += time.Duration(sumMS) * time.Millisecond
		for i, c := range buckets {
			t.Duration.Cumulative[i] += uint64(c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: run history: %w", err)
	}

	err = eachRow(ctx, tx, `SELECT id FROM runs WHERE id <= $1 AND status = $2 ORDER BY id`, []any{cut, string(RunRunning)}, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		h.Running = append(h.Running, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: run history: %w", err)
	}

	// Records of every run, then less those of the running runs: summing run_streams alone is a third
	// of the cost of joining it with runs.
	err = eachRow(ctx, tx, `SELECT stream, CAST(SUM(read) AS BIGINT), CAST(SUM(sent) AS BIGINT), CAST(SUM(unchanged) AS BIGINT), CAST(SUM(rejected) AS BIGINT)
		FROM run_streams WHERE run_id <= $1 GROUP BY stream`, []any{cut}, func(rows *sql.Rows) error {
		var stream string
		var c RecordCounts
		if err := rows.Scan(&stream, &c.Read, &c.Sent, &c.Unchanged, &c.Rejected); err != nil {
			return err
		}
		h.Totals.Records[stream] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: run history: %w", err)
	}
	for start := 0; start < len(h.Running); start += batchSize {
		part := h.Running[start:min(start+batchSize, len(h.Running))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		err = eachRow(ctx, tx, `SELECT stream, read, sent, unchanged, rejected FROM run_streams WHERE run_id IN (`+placeholders(1, len(part))+`)`,
			args, func(rows *sql.Rows) error {
				var stream string
				var c RecordCounts
				if err := rows.Scan(&stream, &c.Read, &c.Sent, &c.Unchanged, &c.Rejected); err != nil {
					return err
				}
				sum := h.Totals.Records[stream]
				sum.Add(RecordCounts{Read: -c.Read, Sent: -c.Sent, Unchanged: -c.Unchanged, Rejected: -c.Rejected})
				h.Totals.Records[stream] = sum
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("store: run history: %w", err)
		}
	}
	return h, nil
}

// RunTally is one run as the metrics count it.
type RunTally struct {
	ID         int64
	Status     RunStatus
	StartedAt  time.Time
	FinishedAt time.Time               // zero while running
	Records    map[string]RecordCounts // by stream
}

// Finished reports whether the run ended.
func (t *RunTally) Finished() bool { return t.Status != RunRunning }

// Duration is how long a finished run took.
func (t *RunTally) Duration() time.Duration {
	if t.FinishedAt.IsZero() {
		return 0
	}
	return t.FinishedAt.Sub(t.StartedAt)
}

// RunTallies returns the runs whose id is at least from and those listed in ids, each with its
// streams' record counts, by id. Both are read by primary key: the cost is that of the runs returned.
func (s *Store) RunTallies(ctx context.Context, from int64, ids []int64) ([]RunTally, error) {
	var out []RunTally
	byID := map[int64]int{}
	scan := func(rows *sql.Rows) error {
		var id, started, finished int64
		var status, stream string
		var c RecordCounts
		if err := rows.Scan(&id, &status, &started, &finished, &stream, &c.Read, &c.Sent, &c.Unchanged, &c.Rejected); err != nil {
			return err
		}
		i, ok := byID[id]
		if !ok {
			i = len(out)
			byID[id] = i
			out = append(out, RunTally{ID: id, Status: RunStatus(status), StartedAt: fromMS(started), FinishedAt: fromMS(finished), Records: map[string]RecordCounts{}})
		}
		if stream != "" {
			out[i].Records[stream] = c
		}
		return nil
	}
	const q = `SELECT r.id, r.status, r.started_at, COALESCE(r.finished_at, 0), COALESCE(s.stream, ''),
		COALESCE(s.read, 0), COALESCE(s.sent, 0), COALESCE(s.unchanged, 0), COALESCE(s.rejected, 0)
		FROM runs r LEFT JOIN run_streams s ON s.run_id = r.id WHERE `
	if err := eachRow(ctx, s.db, q+`r.id >= $1 ORDER BY r.id`, []any{from}, scan); err != nil {
		return nil, fmt.Errorf("store: run tallies: %w", err)
	}
	for start := 0; start < len(ids); start += batchSize {
		part := ids[start:min(start+batchSize, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := eachRow(ctx, s.db, q+`r.id IN (`+placeholders(1, len(part))+`) ORDER BY r.id`, args, scan); err != nil {
			return nil, fmt.Errorf("store: run tallies: %w", err)
		}
	}
	return out, nil
}

// QueueCount is how many of River's jobs are in one queue and state.
type QueueCount struct {
	Queue string
	State string // available, scheduled, running, retryable
	Jobs  int64
}

// QueueJobs counts the job queue's unfinished jobs (River's river_job table) by queue and state. The
// finished ones, which River keeps for a while, are not read: the state is the leading column of
// River's fetching index.
func (s *Store) QueueJobs(ctx context.Context) ([]QueueCount, error) {
	var out []QueueCount
	err := eachRow(ctx, s.db, `SELECT queue, CAST(state AS TEXT), COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'running', 'retryable') GROUP BY queue, state ORDER BY queue, 2`, nil, func(rows *sql.Rows) error {
		var c QueueCount
		if err := rows.Scan(&c.Queue, &c.State, &c.Jobs); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: queue jobs: %w", err)
	}
	return out, nil
}

// ConnectionsByStatus counts connections (stores' Dotdigital links) by status: the store's when its
// credentials need attention, else the sync's own.
func (s *Store) ConnectionsByStatus(ctx context.Context) (map[Status]int64, error) {
	out := map[Status]int64{}
	err := eachRow(ctx, s.db, `SELECT CASE WHEN s.status <> 'ok' THEN s.status ELSE y.status END, COUNT(*)
		FROM syncs y JOIN stores s ON s.id = y.store_id WHERE y.kind = 'marketing' GROUP BY 1`, nil, func(rows *sql.Rows) error {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		out[Status(status)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: connections by status: %w", err)
	}
	return out, nil
}

// CountAllWaiting counts the records of every marketing sync that wait for their contact.
func (s *Store) CountAllWaiting(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM waiting_records`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count waiting: %w", err)
	}
	return n, nil
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachRow runs a query and hands each row to scan, reading all rows before it returns.
func eachRow(ctx context.Context, q rowQuerier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
