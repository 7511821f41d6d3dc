package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Waiting is an Insight record held back until its contact exists in Dotdigital.
type Waiting struct {
	Collection string
	Key        string
	Email      string // lower-cased
	Body       []byte // the record's JSON, as it will be sent
	Reason     string
	Since      time.Time
}

// AddWaiting parks records (replacing an older version of the same key).
func (s *Store) AddWaiting(ctx context.Context, syncID int64, ws []Waiting) error {
	if len(ws) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO waiting_records (sync_id, collection, key, email, body, reason, since, retried_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			ON CONFLICT (sync_id, collection, key) DO UPDATE SET email = excluded.email, body = excluded.body,
			reason = excluded.reason, retried_at = excluded.retried_at`)
		if err != nil {
			return fmt.Errorf("store: add waiting: %w", err)
		}
		defer stmt.Close()
		for _, w := range ws {
			if _, err := stmt.ExecContext(ctx, syncID, w.Collection, w.Key, w.Email, string(w.Body), w.Reason, now); err != nil {
				return fmt.Errorf("store: add waiting %s: %w", w.Key, err)
			}
		}
		return nil
	})
}

// ParkWaiting parks records that are not known to have a contact, keeping what is known of their email:
// a record whose email Dotdigital already said is no contact is not sent again before its daily retry.
func (s *Store) ParkWaiting(ctx context.Context, syncID int64, ws []Waiting) error {
	if len(ws) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO waiting_records (sync_id, collection, key, email, body, reason, since, retried_at)
			SELECT $1, $2, $3, $4, $5, COALESCE(MAX(w.reason), ''), $6, COALESCE(MAX(w.retried_at), $6)
			FROM (SELECT reason, retried_at FROM waiting_records WHERE sync_id = $1 AND collection = $2 AND email = $4 AND reason <> '' LIMIT 1) w
			WHERE true -- SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
			ON CONFLICT (sync_id, collection, key) DO UPDATE SET email = excluded.email, body = excluded.body`)
		if err != nil {
			return fmt.Errorf("store: park waiting: %w", err)
		}
		defer stmt.Close()
		for _, w := range ws {
			if _, err := stmt.ExecContext(ctx, syncID, w.Collection, w.Key, w.Email, string(w.Body), now); err != nil {
				return fmt.Errorf("store: park waiting %s: %w", w.Key, err)
			}
		}
		return nil
	})
}

// WaitingFor returns the records of a collection waiting for any of the given emails.
func (s *Store) WaitingFor(ctx context.Context, syncID int64, collection string, emails []string) ([]Waiting, error) {
	var out []Waiting
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID, collection}
		for _, e := range part {
			args = append(args, e)
		}
		got, err := s.queryWaiting(ctx, `SELECT collection, key, email, body, reason, since FROM waiting_records
			WHERE sync_id = $1 AND collection = $2 AND email IN (`+placeholders(3, len(part))+`) ORDER BY since, key`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// WaitingRetryDue returns up to limit records of a collection last tried before before, oldest first:
// contacts may have been created in Dotdigital by something other than bcsync.
func (s *Store) WaitingRetryDue(ctx context.Context, syncID int64, collection string, before time.Time, limit int) ([]Waiting, error) {
	return s.queryWaiting(ctx, `SELECT collection, key, email, body, reason, since FROM waiting_records
		WHERE sync_id = $1 AND collection = $2 AND retried_at < $3 ORDER BY retried_at, key LIMIT $4`, syncID, collection, ms(before), limit)
}

func (s *Store) queryWaiting(ctx context.Context, q string, args ...any) ([]Waiting, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: waiting records: %w", err)
	}
	defer rows.Close()
	var out []Waiting
	for rows.Next() {
		var w Waiting
		var body string
		var since int64
		if err := rows.Scan(&w.Collection, &w.Key, &w.Email, &body, &w.Reason, &since); err != nil {
			return nil, fmt.Errorf("store: waiting records: %w", err)
		}
		w.Body, w.Since = []byte(body), fromMS(since)
		out = append(out, w)
	}
	return out, rows.Err()
}

// ReleasableWaiting returns, in key order after afterKey, up to limit records of a collection worth
// sending now: never tried, or whose email became a contact, or last tried before retryBefore.
func (s *Store) ReleasableWaiting(ctx context.Context, syncID int64, collection, afterKey string, retryBefore time.Time, limit int) ([]Waiting, error) {
	return s.queryWaiting(ctx, `SELECT w.collection, w.key, w.email, w.body, w.reason, w.since FROM waiting_records w
		WHERE w.sync_id = $1 AND w.collection = $2 AND w.key > $3
		AND (w.reason = '' OR w.retried_at < $4 OR EXISTS (SELECT 1 FROM contacts c WHERE c.sync_id = w.sync_id AND c.email = w.email))
		ORDER BY w.key LIMIT $5`, syncID, collection, afterKey, ms(retryBefore), limit)
}

// WaitingTried records that records were sent and refused again for reason: they are next tried when
// their email becomes a contact, or at the daily retry.
func (s *Store) WaitingTried(ctx context.Context, syncID int64, collection string, keys []string, reason string) error {
	now := ms(s.now())
	for start := 0; start < len(keys); start += batchSize {
		part := keys[start:min(start+batchSize, len(keys))]
		args := []any{syncID, collection, reason, now}
		for _, k := range part {
			args = append(args, k)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE waiting_records SET reason = $3, retried_at = $4
			WHERE sync_id = $1 AND collection = $2 AND key IN (`+placeholders(5, len(part))+`)`, args...); err != nil {
			return fmt.Errorf("store: waiting tried: %w", err)
		}
	}
	return nil
}

// DeleteWaiting removes records that were sent (or superseded).
func (s *Store) DeleteWaiting(ctx context.Context, syncID int64, collection string, keys []string) error {
	for start := 0; start < len(keys); start += batchSize {
		part := keys[start:min(start+batchSize, len(keys))]
		args := []any{syncID, collection}
		for _, k := range part {
			args = append(args, k)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM waiting_records WHERE sync_id = $1 AND collection = $2 AND key IN (`+placeholders(3, len(part))+`)`, args...); err != nil {
			return fmt.Errorf("store: delete waiting: %w", err)
		}
	}
	return nil
}

// CountWaiting counts the records of a marketing sync that wait for their contact.
func (s *Store) CountWaiting(ctx context.Context, syncID int64) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM waiting_records WHERE sync_id = $1`, syncID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count waiting: %w", err)
	}
	return n, nil
}

// ProbedEmails returns which of the emails Dotdigital already said are no contact (a record of theirs
// waits with a reason).
func (s *Store) ProbedEmails(ctx context.Context, syncID int64, collection string, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID, collection}
		for _, e := range part {
			args = append(args, e)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT email FROM waiting_records WHERE sync_id = $1 AND collection = $2
			AND reason <> '' AND email IN (`+placeholders(3, len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: probed emails: %w", err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var e string
				if err := rows.Scan(&e); err != nil {
					return err
				}
				out[e] = true
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("store: probed emails: %w", err)
		}
	}
	return out, nil
}
