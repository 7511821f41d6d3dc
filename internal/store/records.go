package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RecordState is what bcsync last sent for one source record (a customer, subscriber, order or product,
// by its BigCommerce id), plus the few facts later steps need without asking the store again.
type RecordState struct {
	Key         string
	Email       string // lower-cased
	Fingerprint string // of the payload last accepted by the destination
	AmountE4    int64  // orders: total in units of 1/10,000 (exact sums in SQL)
	OccurredAt  time.Time
	Status      int64 // orders: status id; products: 1 when sent (visible); warehouse rows: see warehouse
	// TargetID is the destination record a source record was matched to or created as (warehouse rows:
	// the BigCommerce id).
	TargetID string
	// Attempts counts the attempts in a row that failed (warehouse rows are retried on every run).
	Attempts  int
	UpdatedAt time.Time
}

// batchSize bounds the parameters of one IN (…) query.
const batchSize = 500

// RecordStates returns the saved states of the given keys of a stream, by key.
func (s *Store) RecordStates(ctx context.Context, syncID int64, stream string, keys []string) (map[string]RecordState, error) {
	out := make(map[string]RecordState, len(keys))
	for start := 0; start < len(keys); start += batchSize {
		part := keys[start:min(start+batchSize, len(keys))]
		args := make([]any, 0, len(part)+2)
		args = append(args, syncID, stream)
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
			WHERE sync_id = $1 AND stream = $2 AND key IN (`+placeholders(3, len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: record states: %w", err)
		}
		if err := scanRecordStates(rows, func(r RecordState) { out[r.Key] = r }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const recordColumns = `key, email, fingerprint, amount_e4, occurred_at, status, target_id, attempts, updated_at`

func scanRecordStates(rows *sql.Rows, each func(RecordState)) error {
	defer rows.Close()
	for rows.Next() {
		var r RecordState
		var occurred, updated int64
		if err := rows.Scan(&r.Key, &r.Email, &r.Fingerprint, &r.AmountE4, &occurred, &r.Status, &r.TargetID, &r.Attempts, &updated); err != nil {
			return fmt.Errorf("store: record states: %w", err)
		}
		r.OccurredAt, r.UpdatedAt = fromMS(occurred), fromMS(updated)
		each(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: record states: %w", err)
	}
	return nil
}

// SaveRecordStates upserts states in one transaction.
func (s *Store) SaveRecordStates(ctx context.Context, syncID int64, stream string, states []RecordState) error {
	if len(states) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (sync_id, stream, key, email, fingerprint, amount_e4, occurred_at, status,
			target_id, attempts, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (sync_id, stream, key) DO UPDATE SET email = excluded.email, fingerprint = excluded.fingerprint,
			amount_e4 = excluded.amount_e4, occurred_at = excluded.occurred_at, status = excluded.status,
			target_id = excluded.target_id, attempts = excluded.attempts, updated_at = excluded.updated_at`)
		if err != nil {
			return fmt.Errorf("store: save record states: %w", err)
		}
		defer stmt.Close()
		for _, r := range states {
			if _, err := stmt.ExecContext(ctx, syncID, stream, r.Key, r.Email, r.Fingerprint, r.AmountE4, ms(r.OccurredAt), r.Status,
				r.TargetID, r.Attempts, now); err != nil {
				return fmt.Errorf("store: save record state %s/%s: %w", stream, r.Key, err)
			}
		}
		return nil
	})
}

// DeleteRecordStates forgets the given keys of a stream.
func (s *Store) DeleteRecordStates(ctx context.Context, syncID int64, stream string, keys []string) error {
	for start := 0; start < len(keys); start += batchSize {
		part := keys[start:min(start+batchSize, len(keys))]
		args := []any{syncID, stream}
		for _, k := range part {
			args = append(args, k)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE sync_id = $1 AND stream = $2 AND key IN (`+placeholders(3, len(part))+`)`, args...); err != nil {
			return fmt.Errorf("store: delete record states: %w", err)
		}
	}
	return nil
}

// DeleteStreamRecords forgets every record of a stream.
func (s *Store) DeleteStreamRecords(ctx context.Context, syncID int64, stream string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE sync_id = $1 AND stream = $2`, syncID, stream); err != nil {
		return fmt.Errorf("store: delete the records of %s: %w", stream, err)
	}
	return nil
}

// RecordKeys returns every key of a stream with the given status (e.g. the products sent as visible).
func (s *Store) RecordKeys(ctx context.Context, syncID int64, stream string, status int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM records WHERE sync_id = $1 AND stream = $2 AND status = $3 ORDER BY key`, syncID, stream, status)
	if err != nil {
		return nil, fmt.Errorf("store: record keys: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: record keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RecordsByEmail returns the states of a stream's records with the given (lower-cased) emails.
func (s *Store) RecordsByEmail(ctx context.Context, syncID int64, stream string, emails []string) ([]RecordState, error) {
	var out []RecordState
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID, stream}
		for _, e := range part {
			args = append(args, e)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
			WHERE sync_id = $1 AND stream = $2 AND email IN (`+placeholders(3, len(part))+`) ORDER BY key`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: records by email: %w", err)
		}
		if err := scanRecordStates(rows, func(r RecordState) { out = append(out, r) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OrderSummary is what a contact's orders add up to, for computed data fields.
type OrderSummary struct {
	Email       string
	Orders      int64
	TotalE4     int64
	FirstAt     time.Time
	LastAt      time.Time
	LastOrderID string
}

// OrderSummaries sums the orders stream per email over orders whose status is not in excluded.
func (s *Store) OrderSummaries(ctx context.Context, syncID int64, stream string, emails []string, excluded []int64) (map[string]OrderSummary, error) {
	out := make(map[string]OrderSummary, len(emails))
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID, stream}
		for _, e := range part {
			args = append(args, e)
		}
		notIn := ""
		if len(excluded) > 0 {
			notIn = ` AND status NOT IN (` + placeholders(3+len(part), len(excluded)) + `)`
			for _, x := range excluded {
				args = append(args, x)
			}
		}
		rows, err := s.db.QueryContext(ctx, `SELECT key, email, amount_e4, occurred_at FROM records
			WHERE sync_id = $1 AND stream = $2 AND email IN (`+placeholders(3, len(part))+`)`+notIn, args...)
		if err != nil {
			return nil, fmt.Errorf("store: order summaries: %w", err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var key, email string
				var amount, occurred int64
				if err := rows.Scan(&key, &email, &amount, &occurred); err != nil {
					return err
				}
				at := fromMS(occurred)
				sum := out[email]
				sum.Email = email
				sum.Orders++
				sum.TotalE4 += amount
				if sum.FirstAt.IsZero() || at.Before(sum.FirstAt) {
					sum.FirstAt = at
				}
				if at.After(sum.LastAt) || (at.Equal(sum.LastAt) && keyAfter(key, sum.LastOrderID)) {
					sum.LastAt, sum.LastOrderID = at, key
				}
				out[email] = sum
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("store: order summaries: %w", err)
		}
	}
	return out, nil
}

// keyAfter orders keys numerically when both are numbers (BigCommerce ids), else as text.
func keyAfter(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) > len(b)
	}
	return a > b
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// EmailsChangedSince returns the distinct emails of a stream's records saved at or after since.
func (s *Store) EmailsChangedSince(ctx context.Context, syncID int64, stream string, since time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT email FROM records WHERE sync_id = $1 AND stream = $2 AND updated_at >= $3 AND email <> '' ORDER BY email`,
		syncID, stream, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: emails changed: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("store: emails changed: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordStatesAfter returns up to limit states of a stream whose key sorts after afterKey, in key
// order: a whole stream read in chunks.
func (s *Store) RecordStatesAfter(ctx context.Context, syncID int64, stream, afterKey string, limit int) ([]RecordState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records WHERE sync_id = $1 AND stream = $2 AND key > $3
		ORDER BY key LIMIT $4`, syncID, stream, afterKey, limit)
	if err != nil {
		return nil, fmt.Errorf("store: record states: %w", err)
	}
	var out []RecordState
	if err := scanRecordStates(rows, func(r RecordState) { out = append(out, r) }); err != nil {
		return nil, err
	}
	return out, nil
}

// CountRecords counts a stream's records with one of the given statuses.
func (s *Store) CountRecords(ctx context.Context, syncID int64, stream string, statuses ...int64) (int64, error) {
	args := []any{syncID, stream}
	for _, st := range statuses {
		args = append(args, st)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM records WHERE sync_id = $1 AND stream = $2 AND status IN (`+
		placeholders(3, len(statuses))+`)`, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count records: %w", err)
	}
	return n, nil
}
