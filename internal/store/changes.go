package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Change is a record a store announced as changed (by webhook) that no run has read yet.
type Change struct {
	Stream   string
	RecordID string
	// Version tells deliveries of the same record apart: a run deletes only the version it read.
	Version    int64
	ReceivedAt time.Time
	ChangedAt  time.Time
}

// AddChanges notes changed records. A record already waiting keeps its first received and changed
// times (the oldest unread change counts) and gets a new version.
func (s *Store) AddChanges(ctx context.Context, syncID int64, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO pending_changes (sync_id, stream, record_id, version, received_at, last_at, changed_at)
			VALUES ($1, $2, $3, 1, $4, $4, $5)
			ON CONFLICT (sync_id, stream, record_id) DO UPDATE SET version = pending_changes.version + 1, last_at = excluded.last_at`)
		if err != nil {
			return fmt.Errorf("store: add changes: %w", err)
		}
		defer stmt.Close()
		for _, c := range cs {
			changed := ms(c.ChangedAt)
			if c.ChangedAt.IsZero() {
				changed = now
			}
			if _, err := stmt.ExecContext(ctx, syncID, c.Stream, c.RecordID, now, changed); err != nil {
				return fmt.Errorf("store: add change %s %s: %w", c.Stream, c.RecordID, err)
			}
		}
		return nil
	})
}

// PendingChanges returns up to limit changes of a sync, oldest first.
func (s *Store) PendingChanges(ctx context.Context, syncID int64, limit int) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT stream, record_id, version, received_at, changed_at FROM pending_changes
		WHERE sync_id = $1 ORDER BY received_at, stream, record_id LIMIT $2`, syncID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var received, changed int64
		if err := rows.Scan(&c.Stream, &c.RecordID, &c.Version, &received, &changed); err != nil {
			return nil, fmt.Errorf("store: pending changes: %w", err)
		}
		c.ReceivedAt, c.ChangedAt = fromMS(received), fromMS(changed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChangeBacklog is how many changes of a sync wait and since when the oldest does (zero: none).
func (s *Store) ChangeBacklog(ctx context.Context, syncID int64) (int64, time.Time, error) {
	var n int64
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(received_at) FROM pending_changes WHERE sync_id = $1`, syncID).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: change backlog: %w", err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, fromMS(oldest.Int64), nil
}

// DoneChanges deletes the changes a run read, each only in the version it read.
func (s *Store) DoneChanges(ctx context.Context, syncID int64, cs []Change) error {
	if len(cs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `DELETE FROM pending_changes WHERE sync_id = $1 AND stream = $2 AND record_id = $3 AND version = $4`)
		if err != nil {
			return fmt.Errorf("store: done changes: %w", err)
		}
		defer stmt.Close()
		for _, c := range cs {
			if _, err := stmt.ExecContext(ctx, syncID, c.Stream, c.RecordID, c.Version); err != nil {
				return fmt.Errorf("store: done change %s %s: %w", c.Stream, c.RecordID, err)
			}
		}
		return nil
	})
}

// ChangesReadBy deletes the changes whose latest delivery came before a full read started: it read them.
func (s *Store) ChangesReadBy(ctx context.Context, syncID int64, started time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM pending_changes WHERE sync_id = $1 AND last_at < $2`, syncID, ms(started)); err != nil {
		return fmt.Errorf("store: changes read by a full run: %w", err)
	}
	return nil
}
