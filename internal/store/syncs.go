package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SyncKind says which half of bcsync a sync belongs to.
type SyncKind string

const (
	// KindMarketing is a store's Dotdigital link: store ⇄ email marketing.
	KindMarketing SyncKind = "marketing"
	// KindWarehouse writes a warehouse model into the store.
	KindWarehouse SyncKind = "warehouse"
)

// DefaultInterval is the time between the end of one run and the start of the next.
const DefaultInterval = 5 * time.Minute

// Sync is the unit that runs: a store's Dotdigital link or one of its warehouse syncs. Runs, their
// counts, rejected records, recorded API calls, the schedule and the job queue's "one run at a time"
// are keyed by it.
type Sync struct {
	ID      int64
	Kind    SyncKind
	StoreID int64
	Name    string
	// Enabled syncs run on their schedule (a marketing sync's "data sync").
	Enabled       bool
	Status        Status // its own health (its destination's or source's credentials)
	StatusMessage string
	// Interval is the time from the end of a run to the start of the next; Cron, when set, schedules
	// runs instead (UTC); neither: runs only when asked.
	Interval  time.Duration
	Cron      string
	NextRunAt time.Time // zero: not scheduled
	// RunRequestedAt is when a run was last asked for (a webhook): a run going on then misses nothing,
	// as the next one starts at once.
	RunRequestedAt time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Status is a store's or a sync's health.
type Status string

const (
	StatusOK Status = "ok"
	// StatusNeedsAttention means syncing stopped for a reason only the user can fix (refused credentials).
	StatusNeedsAttention Status = "needs_attention"
	// StatusAwaitingApproval means a warehouse sync's last plan was stopped by its guard: nothing runs
	// on schedule until a person approves or discards it.
	StatusAwaitingApproval Status = "awaiting_approval"
)

const syncColumns = `id, kind, store_id, name, enabled, status, status_message, interval_ms, cron, next_run_at, run_requested_at, created_at, updated_at`

// insertSync saves a new sync in a transaction and sets its ID and times.
func (s *Store) insertSync(ctx context.Context, tx *sql.Tx, y *Sync) error {
	now := s.now()
	if y.Status == "" {
		y.Status = StatusOK
	}
	y.CreatedAt, y.UpdatedAt = now, now
	var next sql.NullInt64
	if !y.NextRunAt.IsZero() {
		next = sql.NullInt64{Int64: ms(y.NextRunAt), Valid: true}
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO syncs (kind, store_id, name, enabled, status, status_message, interval_ms, cron,
		next_run_at, run_requested_at, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`,
		string(y.Kind), y.StoreID, y.Name, y.Enabled, string(y.Status), y.StatusMessage, y.Interval.Milliseconds(), y.Cron,
		next, ms(y.RunRequestedAt), ms(now), ms(now)).Scan(&y.ID)
	if err != nil {
		return fmt.Errorf("store: create sync: %w", err)
	}
	return nil
}

func scanSync(row rowScanner) (*Sync, error) {
	var y Sync
	var kind, status string
	var intervalMS, requested, created, updated int64
	var next sql.NullInt64
	if err := row.Scan(&y.ID, &kind, &y.StoreID, &y.Name, &y.Enabled, &status, &y.StatusMessage, &intervalMS, &y.Cron, &next,
		&requested, &created, &updated); err != nil {
		return nil, err
	}
	y.Kind, y.Status, y.Interval = SyncKind(kind), Status(status), time.Duration(intervalMS)*time.Millisecond
	y.NextRunAt, y.RunRequestedAt, y.CreatedAt, y.UpdatedAt = nullMS(next), fromMS(requested), fromMS(created), fromMS(updated)
	return &y, nil
}

// Sync returns one sync, or ErrNotFound.
func (s *Store) Sync(ctx context.Context, id int64) (*Sync, error) {
	y, err := scanSync(s.db.QueryRowContext(ctx, `SELECT `+syncColumns+` FROM syncs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sync %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: sync %d: %w", id, err)
	}
	return y, nil
}

// Syncs returns the syncs of a store (storeID 0: of every store), oldest first.
func (s *Store) Syncs(ctx context.Context, storeID int64) ([]*Sync, error) {
	q, args := `SELECT `+syncColumns+` FROM syncs ORDER BY id`, []any(nil)
	if storeID != 0 {
		q, args = `SELECT `+syncColumns+` FROM syncs WHERE store_id = $1 ORDER BY id`, []any{storeID}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: syncs: %w", err)
	}
	defer rows.Close()
	var out []*Sync
	for rows.Next() {
		y, err := scanSync(rows)
		if err != nil {
			return nil, fmt.Errorf("store: syncs: %w", err)
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// SetSchedule sets how a sync is scheduled: every interval from the end of its last run, or by a cron
// expression (cron wins when set); neither: only when asked.
func (s *Store) SetSchedule(ctx context.Context, id int64, interval time.Duration, cron string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE syncs SET interval_ms = $2, cron = $3, updated_at = $4 WHERE id = $1`,
		id, interval.Milliseconds(), cron, ms(s.now()))
	return affectedOne(res, err, "schedule", "sync", id)
}

// SetEnabled turns a sync on or off.
func (s *Store) SetEnabled(ctx context.Context, id int64, on bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE syncs SET enabled = $2, updated_at = $3 WHERE id = $1`, id, on, ms(s.now()))
	return affectedOne(res, err, "turn on or off", "sync", id)
}

// SetSyncStatus records a sync's health.
func (s *Store) SetSyncStatus(ctx context.Context, id int64, status Status, message string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE syncs SET status = $2, status_message = $3, updated_at = $4 WHERE id = $1`,
		id, string(status), message, ms(s.now()))
	return affectedOne(res, err, "set the status of", "sync", id)
}

// SetNextRunAt schedules a sync's next run; the zero time unschedules it.
func (s *Store) SetNextRunAt(ctx context.Context, id int64, at time.Time) error {
	var next sql.NullInt64
	if !at.IsZero() {
		next = sql.NullInt64{Int64: ms(at), Valid: true}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE syncs SET next_run_at = $2 WHERE id = $1`, id, next)
	return affectedOne(res, err, "schedule", "sync", id)
}

// RequestRun records that a run was asked for now (a webhook) and makes the sync due: should a run be
// going on (or ending), its worker sees the request when it ends and the scheduler starts the next.
func (s *Store) RequestRun(ctx context.Context, id int64) error {
	now := ms(s.now())
	res, err := s.db.ExecContext(ctx, `UPDATE syncs SET run_requested_at = $2, next_run_at = $2 WHERE id = $1`, id, now)
	return affectedOne(res, err, "request a run of", "sync", id)
}

// DueSync is a sync whose next run is due.
type DueSync struct {
	ID   int64
	Kind SyncKind
}

// DueSyncs returns the enabled, healthy syncs of healthy stores whose next run is due at now.
func (s *Store) DueSyncs(ctx context.Context, now time.Time) ([]DueSync, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT y.id, y.kind FROM syncs y JOIN stores s ON s.id = y.store_id
		WHERE y.enabled = $1 AND y.status = $2 AND s.status = $2 AND y.next_run_at IS NOT NULL AND y.next_run_at <= $3
		ORDER BY y.next_run_at`, true, string(StatusOK), ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: due syncs: %w", err)
	}
	defer rows.Close()
	var out []DueSync
	for rows.Next() {
		var d DueSync
		var kind string
		if err := rows.Scan(&d.ID, &kind); err != nil {
			return nil, fmt.Errorf("store: due syncs: %w", err)
		}
		d.Kind = SyncKind(kind)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteSync deletes a sync with all its state; its store stays.
func (s *Store) DeleteSync(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM syncs WHERE id = $1`, id)
	return affectedOne(res, err, "delete", "sync", id)
}

func affectedOne(res sql.Result, err error, verb, noun string, id int64) error {
	if err != nil {
		return fmt.Errorf("store: %s %s %d: %w", verb, noun, id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%s %d: %w", noun, id, ErrNotFound)
	}
	return nil
}

// CreateSync saves a new sync of a store and sets its ID and times. A marketing sync is made with its
// Dotdigital link instead (CreateConnection).
func (s *Store) CreateSync(ctx context.Context, y *Sync) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.insertSync(ctx, tx, y) })
}
