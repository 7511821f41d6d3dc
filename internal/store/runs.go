package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RunStatus is where a run is.
type RunStatus string

const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	// RunPartial means the run finished but rejected some records.
	RunPartial RunStatus = "partial"
	RunFailed  RunStatus = "failed"
	// RunBlocked means a warehouse run's guard stopped it before it wrote anything: it waits for
	// approval.
	RunBlocked RunStatus = "blocked"
)

// Run is one run of one sync.
type Run struct {
	ID     int64
	SyncID int64
	// Number counts the sync's runs: 1 for its first. People see it; URLs and scripts use ID.
	Number      int64
	TriggeredBy string // install, schedule, manual, webhook, mapping
	Status      RunStatus
	StartedAt   time.Time
	FinishedAt  time.Time
	// Error says why a run failed, in sentences a merchant understands; Detail is the technical
	// errors behind them.
	Error   string
	Detail  string
	Streams []StreamCounts
}

// Duration is how long the run took, or has taken so far.
func (r *Run) Duration(now time.Time) time.Duration {
	if r.FinishedAt.IsZero() {
		return now.Sub(r.StartedAt)
	}
	return r.FinishedAt.Sub(r.StartedAt)
}

// StreamCounts are the counts of one part of a run: a marketing stream, or a warehouse operation.
type StreamCounts struct {
	Stream    string
	Position  int
	State     string // pending, running, done, skipped, failed
	Read      int64
	Sent      int64
	Unchanged int64
	Rejected  int64
	// StillRejected counts records refused before and unchanged since: neither sent nor logged again.
	StillRejected int64
	// Waiting records are held until something else happens (an order until its email is a contact);
	// Skipped ones need nothing sent. Reasons says why, reason → count, for both.
	Waiting int64
	Skipped int64
	Reasons map[string]int64
	Total   int64 // -1 when unknown
	// MaxRate is how many records a second the store's quota lets the stream read (0: unknown).
	MaxRate   float64
	StartedAt time.Time
	UpdatedAt time.Time
}

// StartRun creates a running run with its streams pending.
func (s *Store) StartRun(ctx context.Context, syncID int64, triggeredBy string, streams []string) (*Run, error) {
	now := s.now()
	r := &Run{SyncID: syncID, TriggeredBy: triggeredBy, Status: RunRunning, StartedAt: now.UTC().Truncate(time.Millisecond)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Two workers starting runs of one sync at once would number them alike: PostgreSQL locks the
		// sync's row until the transaction ends; SQLite's transactions are exclusive already.
		lock := `SELECT id FROM syncs WHERE id = $1`
		if s.engine == Postgres {
			lock += ` FOR UPDATE`
		}
		var id int64
		if err := tx.QueryRowContext(ctx, lock, syncID).Scan(&id); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO runs (sync_id, triggered_by, status, started_at, number)
			SELECT $1, $2, $3, $4, COALESCE(MAX(number), 0) + 1 FROM runs WHERE sync_id = $1 RETURNING id, number`,
			syncID, triggeredBy, string(RunRunning), ms(now)).Scan(&r.ID, &r.Number); err != nil {
			return err
		}
		for i, st := range streams {
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_streams (run_id, stream, position, state) VALUES ($1, $2, $3, 'pending')`, r.ID, st, i); err != nil {
				return err
			}
			r.Streams = append(r.Streams, StreamCounts{Stream: st, Position: i, State: "pending", Total: -1})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: start run: %w", err)
	}
	return r, nil
}

// RunningRun returns the sync's unfinished run, if any (a run a crash interrupted resumes it).
func (s *Store) RunningRun(ctx context.Context, syncID int64) (*Run, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM runs WHERE sync_id = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, syncID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: running run: %w", err)
	}
	return s.Run(ctx, id)
}

// SaveStreamCounts updates one stream's counts of a run.
func (s *Store) SaveStreamCounts(ctx context.Context, runID int64, c StreamCounts) error {
	reasons := ""
	if len(c.Reasons) > 0 {
		b, err := json.Marshal(c.Reasons)
		if err != nil {
			return fmt.Errorf("store: save stream counts: %w", err)
		}
		reasons = string(b)
	}
	_, err := s.db.ExecContext(ctx, `UPDATE run_streams SET state = $3, read = $4, sent = $5, unchanged = $6, rejected = $7, total = $8,
		started_at = $9, updated_at = $10, waiting = $11, skipped = $12, reasons = $13, max_rate = $14, still_rejected = $15 WHERE run_id = $1 AND stream = $2`,
		runID, c.Stream, c.State, c.Read, c.Sent, c.Unchanged, c.Rejected, c.Total, ms(c.StartedAt), ms(s.now()),
		c.Waiting, c.Skipped, reasons, c.MaxRate, c.StillRejected)
	if err != nil {
		return fmt.Errorf("store: save stream counts: %w", err)
	}
	return nil
}

// FinishRun ends a run.
func (s *Store) FinishRun(ctx context.Context, runID int64, status RunStatus, runErr string) error {
	return s.FinishRunDetailed(ctx, runID, status, runErr, "")
}

// FinishRunDetailed ends a run with its error's sentences and the technical detail behind them.
func (s *Store) FinishRunDetailed(ctx context.Context, runID int64, status RunStatus, runErr, detail string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = $2, finished_at = $3, error = $4, detail = $5 WHERE id = $1`,
		runID, string(status), ms(s.now()), runErr, detail)
	if err != nil {
		return fmt.Errorf("store: finish run: %w", err)
	}
	return nil
}

// Run returns one run with its stream counts.
func (s *Store) Run(ctx context.Context, id int64) (*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT id, sync_id, number, triggered_by, status, started_at, finished_at, error, detail FROM runs WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	return runs[0], nil
}

// Runs returns a sync's runs, newest first; beforeID > 0 pages back from that run.
func (s *Store) Runs(ctx context.Context, syncID int64, limit int, beforeID int64) ([]*Run, error) {
	if beforeID <= 0 {
		beforeID = 1<<62 - 1
	}
	return s.queryRuns(ctx, `SELECT id, sync_id, number, triggered_by, status, started_at, finished_at, error, detail FROM runs
		WHERE sync_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, syncID, beforeID, limit)
}

// LastFinishedRun returns the sync's latest finished run, or nil.
func (s *Store) LastFinishedRun(ctx context.Context, syncID int64) (*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT id, sync_id, number, triggered_by, status, started_at, finished_at, error, detail FROM runs
		WHERE sync_id = $1 AND status <> $2 ORDER BY id DESC LIMIT 1`, syncID, string(RunRunning))
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	return runs[0], nil
}

// FailedStreak is a sync's run of failures: how many of its last finished runs failed in a row, and
// when the first of them started (zero when the last run did not fail).
type FailedStreak struct {
	Runs  int
	Since time.Time
}

// FailedStreak counts the failed runs that ended last in a row (the last 1000 runs at most).
func (s *Store) FailedStreak(ctx context.Context, syncID int64) (FailedStreak, error) {
	var out FailedStreak
	rows, err := s.db.QueryContext(ctx, `SELECT status, started_at FROM runs WHERE sync_id = $1 AND status <> $2 ORDER BY id DESC LIMIT 1000`,
		syncID, string(RunRunning))
	if err != nil {
		return out, fmt.Errorf("store: failed runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var started int64
		if err := rows.Scan(&status, &started); err != nil {
			return out, fmt.Errorf("store: failed runs: %w", err)
		}
		if RunStatus(status) != RunFailed {
			break
		}
		out.Runs++
		out.Since = fromMS(started)
	}
	return out, rows.Err()
}

// LastSucceededRun returns the sync's latest run that succeeded, fully or partly, or nil.
func (s *Store) LastSucceededRun(ctx context.Context, syncID int64) (*Run, error) {
	runs, err := s.queryRuns(ctx, `SELECT id, sync_id, number, triggered_by, status, started_at, finished_at, error, detail FROM runs
		WHERE sync_id = $1 AND status IN ($2, $3) ORDER BY id DESC LIMIT 1`, syncID, string(RunSucceeded), string(RunPartial))
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	return runs[0], nil
}

func (s *Store) queryRuns(ctx context.Context, q string, args ...any) ([]*Run, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	var runs []*Run
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			r := &Run{}
			var status string
			var started int64
			var finished sql.NullInt64
			if err := rows.Scan(&r.ID, &r.SyncID, &r.Number, &r.TriggeredBy, &status, &started, &finished, &r.Error, &r.Detail); err != nil {
				return err
			}
			r.Status, r.StartedAt, r.FinishedAt = RunStatus(status), fromMS(started), nullMS(finished)
			runs = append(runs, r)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	byID := make(map[int64]*Run, len(runs))
	args = args[:0]
	for _, r := range runs {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT run_id, stream, position, state, read, sent, unchanged, rejected, total, started_at, updated_at,
		waiting, skipped, reasons, max_rate, still_rejected FROM run_streams WHERE run_id IN (`+placeholders(1, len(args))+`) ORDER BY run_id, position`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: run streams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var runID, started, updated int64
		var c StreamCounts
		var reasons string
		if err := rows.Scan(&runID, &c.Stream, &c.Position, &c.State, &c.Read, &c.Sent, &c.Unchanged, &c.Rejected, &c.Total, &started, &updated,
			&c.Waiting, &c.Skipped, &reasons, &c.MaxRate, &c.StillRejected); err != nil {
			return nil, fmt.Errorf("store: run streams: %w", err)
		}
		if reasons != "" {
			if err := json.Unmarshal([]byte(reasons), &c.Reasons); err != nil {
				return nil, fmt.Errorf("store: run streams: reasons of %s: %w", c.Stream, err)
			}
		}
		c.StartedAt, c.UpdatedAt = fromMS(started), fromMS(updated)
		byID[runID].Streams = append(byID[runID].Streams, c)
	}
	return runs, rows.Err()
}
