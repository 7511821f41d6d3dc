package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Source is where warehouse models are read: a PostgreSQL, MySQL/MariaDB or SQLite database, or a CSV
// file. Its URL is plaintext in memory and sealed in the database (it may hold a password).
type Source struct {
	ID            int64
	Name          string
	Engine        string
	URL           string
	DisplayURL    string // the URL with its secrets hidden
	Status        string // untested, ok, failing
	StatusMessage string
	TestedAt      time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Source statuses.
const (
	SourceUntested = "untested"
	SourceOK       = "ok"
	SourceFailing  = "failing"
)

// InUseError refuses to remove something others depend on, naming them.
type InUseError struct {
	What  string   // e.g. source 3
	Users []string // e.g. model 4 "Loyalty"
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is used by %s: remove %s first", e.What, strings.Join(e.Users, ", "), map[bool]string{true: "it", false: "them"}[len(e.Users) == 1])
}

// CreateSource saves a new source and sets its ID and times.
func (s *Store) CreateSource(ctx context.Context, src *Source) error {
	now := s.now()
	if src.Status == "" {
		src.Status = SourceUntested
	}
	src.CreatedAt, src.UpdatedAt = now, now
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO warehouse_sources (name, engine, url, display_url, status, status_message, tested_at,
			created_at, updated_at) VALUES ($1,$2,'',$3,$4,$5,$6,$7,$8) RETURNING id`,
			src.Name, src.Engine, src.DisplayURL, src.Status, src.StatusMessage, ms(src.TestedAt), ms(now), ms(now)).Scan(&src.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE warehouse_sources SET url = $2 WHERE id = $1`, src.ID, s.box.Seal(src.URL, ctxSourceURL(src.ID)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create source: %w", err)
	}
	return nil
}

const sourceColumns = `id, name, engine, url, display_url, status, status_message, tested_at, created_at, updated_at`

func (s *Store) scanSource(row rowScanner) (*Source, error) {
	var src Source
	var sealed string
	var tested, created, updated int64
	if err := row.Scan(&src.ID, &src.Name, &src.Engine, &sealed, &src.DisplayURL, &src.Status, &src.StatusMessage, &tested, &created, &updated); err != nil {
		return nil, err
	}
	src.TestedAt, src.CreatedAt, src.UpdatedAt = fromMS(tested), fromMS(created), fromMS(updated)
	var err error
	if src.URL, err = s.box.Open(sealed, ctxSourceURL(src.ID)); err != nil {
		return nil, fmt.Errorf("source %d URL: %w", src.ID, err)
	}
	return &src, nil
}

// Source returns one source, or ErrNotFound.
func (s *Store) Source(ctx context.Context, id int64) (*Source, error) {
	src, err := s.scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM warehouse_sources WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("source %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: source %d: %w", id, err)
	}
	return src, nil
}

// Sources returns every source, oldest first.
func (s *Store) Sources(ctx context.Context) ([]*Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceColumns+` FROM warehouse_sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	defer rows.Close()
	var out []*Source
	for rows.Next() {
		src, err := s.scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SetSourceStatus records the outcome of a source's connection test.
func (s *Store) SetSourceStatus(ctx context.Context, id int64, status, message string) error {
	now := ms(s.now())
	res, err := s.db.ExecContext(ctx, `UPDATE warehouse_sources SET status = $2, status_message = $3, tested_at = $4, updated_at = $4 WHERE id = $1`,
		id, status, message, now)
	return affectedOne(res, err, "set the status of", "source", id)
}

// DeleteSource deletes a source no model uses; otherwise it returns an *InUseError naming them.
func (s *Store) DeleteSource(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		users, err := names(ctx, tx, `SELECT id, name FROM warehouse_models WHERE source_id = $1 ORDER BY id`, id, "model")
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &InUseError{What: fmt.Sprintf("source %d", id), Users: users}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM warehouse_sources WHERE id = $1`, id)
		return affectedOne(res, err, "delete", "source", id)
	})
}

// names lists "kind id "name"" for each row of q (id, name).
func names(ctx context.Context, tx *sql.Tx, q string, id int64, kind string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var uid int64
		var name string
		if err := rows.Scan(&uid, &name); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s %d %q", kind, uid, name))
	}
	return out, rows.Err()
}

// Model is a warehouse model: a query (or a whole table) of a source, and its primary-key column.
type Model struct {
	ID         int64
	Name       string
	SourceID   int64
	Query      string
	Table      string
	PrimaryKey string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const modelColumns = `id, name, source_id, query, table_name, primary_key, created_at, updated_at`

// CreateModel saves a new model and sets its ID and times.
func (s *Store) CreateModel(ctx context.Context, m *Model) error {
	now := s.now()
	m.CreatedAt, m.UpdatedAt = now, now
	err := s.db.QueryRowContext(ctx, `INSERT INTO warehouse_models (name, source_id, query, table_name, primary_key, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, m.Name, m.SourceID, m.Query, m.Table, m.PrimaryKey, ms(now), ms(now)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("store: create model: %w", err)
	}
	return nil
}

func scanModel(row rowScanner) (*Model, error) {
	var m Model
	var created, updated int64
	if err := row.Scan(&m.ID, &m.Name, &m.SourceID, &m.Query, &m.Table, &m.PrimaryKey, &created, &updated); err != nil {
		return nil, err
	}
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return &m, nil
}

// Model returns one model, or ErrNotFound.
func (s *Store) Model(ctx context.Context, id int64) (*Model, error) {
	m, err := scanModel(s.db.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM warehouse_models WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("model %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: model %d: %w", id, err)
	}
	return m, nil
}

// Models returns every model, oldest first.
func (s *Store) Models(ctx context.Context) ([]*Model, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+modelColumns+` FROM warehouse_models ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: models: %w", err)
	}
	defer rows.Close()
	var out []*Model
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, fmt.Errorf("store: models: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateModel saves a model's name, query or table and primary key.
func (s *Store) UpdateModel(ctx context.Context, m *Model) error {
	m.UpdatedAt = s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE warehouse_models SET name = $2, query = $3, table_name = $4, primary_key = $5, updated_at = $6
		WHERE id = $1`, m.ID, m.Name, m.Query, m.Table, m.PrimaryKey, ms(m.UpdatedAt))
	return affectedOne(res, err, "update", "model", m.ID)
}

// DeleteModel deletes a model no sync uses; otherwise it returns an *InUseError naming them.
func (s *Store) DeleteModel(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		users, err := names(ctx, tx, `SELECT y.id, y.name FROM warehouse_syncs w JOIN syncs y ON y.id = w.sync_id WHERE w.model_id = $1 ORDER BY y.id`, id, "sync")
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &InUseError{What: fmt.Sprintf("model %d", id), Users: users}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM warehouse_models WHERE id = $1`, id)
		return affectedOne(res, err, "delete", "model", id)
	})
}

// WarehouseSync is a sync of a store from a model: the generic sync and what it writes, how.
type WarehouseSync struct {
	Sync
	ModelID     int64
	Object      string // customers, orders
	Mode        string // insert, update, upsert
	MatchColumn string
	MatchField  string // id, email
	Mappings    string // JSON (warehouse/mapping)
	Delete      string // nothing, clear, delete
	// GuardRemoveShare and GuardCountShare are the guard's thresholds: a run that would remove or clear
	// more than the first share of the synced rows, or whose model's row count moves more than the second
	// from the average of the last runs, waits for approval.
	GuardRemoveShare float64
	GuardCountShare  float64
	// StoreFields is what the mapping last read of the store (JSON, warehouse/mapping.Store), at
	// StoreFieldsAt.
	StoreFields   string
	StoreFieldsAt time.Time
}

const warehouseSyncSelect = `SELECT y.id, y.kind, y.store_id, y.name, y.enabled, y.status, y.status_message, y.interval_ms, y.cron,
	y.next_run_at, y.run_requested_at, y.created_at, y.updated_at,
	w.model_id, w.object, w.mode, w.match_column, w.match_field, w.mappings, w.delete_behavior, w.guard_remove_share, w.guard_count_share,
	w.store_fields, w.store_fields_at
	FROM syncs y JOIN warehouse_syncs w ON w.sync_id = y.id`

func scanWarehouseSync(row rowScanner) (*WarehouseSync, error) {
	var w WarehouseSync
	var kind, status string
	var intervalMS, requested, created, updated, fieldsAt int64
	var next sql.NullInt64
	if err := row.Scan(&w.ID, &kind, &w.StoreID, &w.Name, &w.Enabled, &status, &w.StatusMessage, &intervalMS, &w.Cron, &next, &requested,
		&created, &updated, &w.ModelID, &w.Object, &w.Mode, &w.MatchColumn, &w.MatchField, &w.Mappings, &w.Delete,
		&w.GuardRemoveShare, &w.GuardCountShare, &w.StoreFields, &fieldsAt); err != nil {
		return nil, err
	}
	w.StoreFieldsAt = fromMS(fieldsAt)
	w.Kind, w.Status, w.Interval = SyncKind(kind), Status(status), time.Duration(intervalMS)*time.Millisecond
	w.NextRunAt, w.RunRequestedAt, w.CreatedAt, w.UpdatedAt = nullMS(next), fromMS(requested), fromMS(created), fromMS(updated)
	return &w, nil
}

// CreateWarehouseSync saves a new warehouse sync of a store (its sync and its configuration) and sets
// its ID and times.
func (s *Store) CreateWarehouseSync(ctx context.Context, w *WarehouseSync) error {
	w.Kind = KindWarehouse
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertSync(ctx, tx, &w.Sync); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO warehouse_syncs (sync_id, model_id, object, mode, match_column, match_field, mappings,
			delete_behavior, guard_remove_share, guard_count_share) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			w.ID, w.ModelID, w.Object, w.Mode, w.MatchColumn, w.MatchField, w.Mappings, w.Delete, w.GuardRemoveShare, w.GuardCountShare)
		if err != nil {
			return fmt.Errorf("store: create warehouse sync: %w", err)
		}
		return nil
	})
}

// WarehouseSync returns one warehouse sync, or ErrNotFound.
func (s *Store) WarehouseSync(ctx context.Context, id int64) (*WarehouseSync, error) {
	w, err := scanWarehouseSync(s.db.QueryRowContext(ctx, warehouseSyncSelect+` WHERE y.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("warehouse sync %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: warehouse sync %d: %w", id, err)
	}
	return w, nil
}

// SaveStoreFields keeps what a warehouse sync's mapping read of its store.
func (s *Store) SaveStoreFields(ctx context.Context, syncID int64, fields string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE warehouse_syncs SET store_fields = $2, store_fields_at = $3 WHERE sync_id = $1`,
		syncID, fields, ms(at)); err != nil {
		return fmt.Errorf("store: warehouse sync %d: store fields: %w", syncID, err)
	}
	return nil
}

// WarehouseSyncs returns every warehouse sync, oldest first.
func (s *Store) WarehouseSyncs(ctx context.Context) ([]*WarehouseSync, error) {
	rows, err := s.db.QueryContext(ctx, warehouseSyncSelect+` ORDER BY y.id`)
	if err != nil {
		return nil, fmt.Errorf("store: warehouse syncs: %w", err)
	}
	defer rows.Close()
	var out []*WarehouseSync
	for rows.Next() {
		w, err := scanWarehouseSync(rows)
		if err != nil {
			return nil, fmt.Errorf("store: warehouse syncs: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateWarehouseSync saves a warehouse sync's configuration, name and schedule with its next run
// (NextRunAt; zero: not scheduled).
func (s *Store) UpdateWarehouseSync(ctx context.Context, w *WarehouseSync) error {
	now := ms(s.now())
	var next sql.NullInt64
	if !w.NextRunAt.IsZero() {
		next = sql.NullInt64{Int64: ms(w.NextRunAt), Valid: true}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE warehouse_syncs SET model_id = $2, object = $3, mode = $4, match_column = $5, match_field = $6,
			mappings = $7, delete_behavior = $8, guard_remove_share = $9, guard_count_share = $10 WHERE sync_id = $1`,
			w.ID, w.ModelID, w.Object, w.Mode, w.MatchColumn, w.MatchField, w.Mappings, w.Delete, w.GuardRemoveShare, w.GuardCountShare)
		if err := affectedOne(res, err, "update", "warehouse sync", w.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE syncs SET name = $2, enabled = $3, interval_ms = $4, cron = $5, next_run_at = $6, updated_at = $7
			WHERE id = $1`, w.ID, w.Name, w.Enabled, w.Interval.Milliseconds(), w.Cron, next, now)
		return err
	})
}

// Plan is a warehouse sync's latest plan.
type Plan struct {
	SyncID    int64
	RunID     int64
	State     string // planned, blocked, approved, discarded, done
	Digest    string
	Body      string // JSON
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SavePlan replaces a sync's plan.
func (s *Store) SavePlan(ctx context.Context, p *Plan) error {
	now := s.now()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	_, err := s.db.ExecContext(ctx, `INSERT INTO warehouse_plans (sync_id, run_id, state, digest, body, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (sync_id) DO UPDATE SET run_id = excluded.run_id, state = excluded.state,
		digest = excluded.digest, body = excluded.body, created_at = excluded.created_at, updated_at = excluded.updated_at`,
		p.SyncID, p.RunID, p.State, p.Digest, p.Body, ms(p.CreatedAt), ms(now))
	if err != nil {
		return fmt.Errorf("store: save plan: %w", err)
	}
	return nil
}

// Plan returns a sync's latest plan, or ErrNotFound.
func (s *Store) Plan(ctx context.Context, syncID int64) (*Plan, error) {
	var p Plan
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT sync_id, run_id, state, digest, body, created_at, updated_at FROM warehouse_plans WHERE sync_id = $1`,
		syncID).Scan(&p.SyncID, &p.RunID, &p.State, &p.Digest, &p.Body, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("a plan of sync %d: %w", syncID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: plan: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

// SetPlanState moves a sync's plan from one state to another; it reports false when the plan was not
// in state from (someone else moved it first).
func (s *Store) SetPlanState(ctx context.Context, syncID int64, from, to string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE warehouse_plans SET state = $3, updated_at = $4 WHERE sync_id = $1 AND state = $2`,
		syncID, from, to, ms(s.now()))
	if err != nil {
		return false, fmt.Errorf("store: set plan state: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
