package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Refusal is a record the destination refused (or bcsync found invalid), in the state it was refused
// in: its fingerprint, email and status, and when (UpdatedAt). Unchanged, it would be refused again, so
// it is neither sent nor logged again; it is tried again once it changes.
type Refusal struct {
	RecordState
	Reason string
}

// RememberRefusals records refusals, replacing a key's earlier one.
func (s *Store) RememberRefusals(ctx context.Context, syncID int64, stream string, rs []Refusal) error {
	if len(rs) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO refused_records (sync_id, stream, key, email, fingerprint, status, reason, refused_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (sync_id, stream, key) DO UPDATE SET email = excluded.email, fingerprint = excluded.fingerprint,
			status = excluded.status, reason = excluded.reason, refused_at = excluded.refused_at`)
		if err != nil {
			return fmt.Errorf("store: remember refusals: %w", err)
		}
		defer stmt.Close()
		for _, r := range rs {
			if _, err := stmt.ExecContext(ctx, syncID, stream, r.Key, r.Email, r.Fingerprint, r.Status, r.Reason, now); err != nil {
				return fmt.Errorf("store: remember refusal %s/%s: %w", stream, r.Key, err)
			}
		}
		return nil
	})
}

// Refusals returns the remembered refusals of the given keys; keys never refused are absent.
func (s *Store) Refusals(ctx context.Context, syncID int64, stream string, keys []string) (map[string]Refusal, error) {
	out := map[string]Refusal{}
	for start := 0; start < len(keys); start += batchSize {
		part := keys[start:min(start+batchSize, len(keys))]
		args := make([]any, 0, len(part)+2)
		args = append(args, syncID, stream)
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT key, email, fingerprint, status, reason, refused_at FROM refused_records
			WHERE sync_id = $1 AND stream = $2 AND key IN (`+placeholders(3, len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: refusals: %w", err)
		}
		for rows.Next() {
			var r Refusal
			var at int64
			if err := rows.Scan(&r.Key, &r.Email, &r.Fingerprint, &r.Status, &r.Reason, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: refusals: %w", err)
			}
			r.UpdatedAt = fromMS(at)
			out[r.Key] = r
		}
		if err := closeRows(rows); err != nil {
			return nil, fmt.Errorf("store: refusals: %w", err)
		}
	}
	return out, nil
}
