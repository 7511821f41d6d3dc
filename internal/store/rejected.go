package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Rejected is a record that could not be synced, with the reason.
type Rejected struct {
	ID     int64
	SyncID int64
	RunID  int64
	// RunNumber is the run's number within the sync (0 when the run is gone).
	RunNumber int64
	Stream    string
	Key       string
	Email     string
	Reason    string // a short code, e.g. InvalidEmail, ContactEmailDoesNotExist
	Detail    string
	// Request and Response are the exchange that refused the record, redacted, when one did.
	Request   string
	Response  string
	CreatedAt time.Time
}

// AddRejected records rejected records.
func (s *Store) AddRejected(ctx context.Context, rs []Rejected) error {
	if len(rs) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO rejected_records (sync_id, run_id, stream, key, email, reason, detail, request,
			response, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`)
		if err != nil {
			return fmt.Errorf("store: add rejected: %w", err)
		}
		defer stmt.Close()
		for _, r := range rs {
			if _, err := stmt.ExecContext(ctx, r.SyncID, r.RunID, r.Stream, r.Key, r.Email, r.Reason, r.Detail, r.Request, r.Response, now); err != nil {
				return fmt.Errorf("store: add rejected: %w", err)
			}
		}
		return nil
	})
}

// RejectedFilter narrows a search of rejected records.
type RejectedFilter struct {
	RunID    int64
	Query    string // matches the email (substring, case-insensitive) or the key (exact)
	Key      string // the key, exactly
	Limit    int
	BeforeID int64
}

// RejectedRecords returns a sync's rejected records, newest first.
func (s *Store) RejectedRecords(ctx context.Context, syncID int64, f RejectedFilter) ([]Rejected, error) {
	q := `SELECT id, sync_id, run_id, COALESCE((SELECT number FROM runs WHERE runs.id = run_id), 0), stream, key, email, reason, detail, request,
		response, created_at FROM rejected_records WHERE sync_id = $1`
	args := []any{syncID}
	if f.RunID > 0 {
		args = append(args, f.RunID)
		q += fmt.Sprintf(" AND run_id = $%d", len(args))
	}
	if f.Key != "" {
		args = append(args, f.Key)
		q += fmt.Sprintf(" AND key = $%d", len(args))
	}
	if f.Query != "" {
		args = append(args, "%"+strings.ToLower(f.Query)+"%", f.Query)
		q += fmt.Sprintf(" AND (email LIKE $%d OR key = $%d)", len(args)-1, len(args))
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rejected records: %w", err)
	}
	defer rows.Close()
	var out []Rejected
	for rows.Next() {
		var r Rejected
		var created int64
		if err := rows.Scan(&r.ID, &r.SyncID, &r.RunID, &r.RunNumber, &r.Stream, &r.Key, &r.Email, &r.Reason, &r.Detail, &r.Request, &r.Response, &created); err != nil {
			return nil, fmt.Errorf("store: rejected records: %w", err)
		}
		r.CreatedAt = fromMS(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReasonCount is how many records of a run were rejected for one reason.
type ReasonCount struct {
	Reason string
	Count  int64
}

// RejectedReasons returns a run's most common reasons for rejecting records, most common first.
func (s *Store) RejectedReasons(ctx context.Context, runID int64, limit int) ([]ReasonCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT reason, COUNT(*) FROM rejected_records WHERE run_id = $1 GROUP BY reason
		ORDER BY COUNT(*) DESC, reason LIMIT $2`, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: rejected reasons: %w", err)
	}
	defer rows.Close()
	var out []ReasonCount
	for rows.Next() {
		var r ReasonCount
		if err := rows.Scan(&r.Reason, &r.Count); err != nil {
			return nil, fmt.Errorf("store: rejected reasons: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
