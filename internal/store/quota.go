package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// GrantRequest asks for one request to a store on behalf of this process: it is granted (and recorded)
// when fewer than budget requests were granted to any process in the window before now, and then
// returns 0. Otherwise it returns how long to wait before asking again. budget <= 0 means this process
// does not know the store's quota yet: the budget and window another process last learned are used,
// or, when none has, the request is granted. The database's clock dates the grants, so processes on
// machines whose clocks differ still count the same window.
func (s *Store) GrantRequest(ctx context.Context, storeID int64, budget int, window time.Duration) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// One process at a time decides for a store: PostgreSQL locks its row until the transaction
		// ends; SQLite's transactions are exclusive already.
		lock := `SELECT quota_budget, quota_window_ms FROM stores WHERE id = $1`
		if s.engine == Postgres {
			lock += ` FOR UPDATE`
		}
		var known int
		var knownWindow int64
		if err := tx.QueryRowContext(ctx, lock, storeID).Scan(&known, &knownWindow); err != nil {
			return err
		}
		switch {
		case budget > 0 && (budget != known || window.Milliseconds() != knownWindow):
			if _, err := tx.ExecContext(ctx, `UPDATE stores SET quota_budget = $2, quota_window_ms = $3 WHERE id = $1`,
				storeID, budget, window.Milliseconds()); err != nil {
				return err
			}
		case budget <= 0 && known > 0:
			budget, window = known, time.Duration(knownWindow)*time.Millisecond
		}
		now, err := s.dbNow(ctx, tx)
		if err != nil {
			return err
		}
		from := now - window.Milliseconds()
		if _, err := tx.ExecContext(ctx, `DELETE FROM quota_grants WHERE store_id = $1 AND granted_at <= $2`, storeID, from); err != nil {
			return err
		}
		if budget > 0 {
			var n int
			var oldest sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(granted_at) FROM quota_grants WHERE store_id = $1`, storeID).Scan(&n, &oldest); err != nil {
				return err
			}
			if n >= budget {
				wait = time.Duration(oldest.Int64-from+1) * time.Millisecond
				return nil
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO quota_grants (store_id, granted_at) VALUES ($1, $2)`, storeID, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: grant a request to store %d: %w", storeID, err)
	}
	return wait, nil
}

// dbNow is the database's clock in unix milliseconds (this process's with SQLite: one machine).
func (s *Store) dbNow(ctx context.Context, tx *sql.Tx) (int64, error) {
	if s.engine != Postgres {
		return ms(s.now()), nil
	}
	var now int64
	err := tx.QueryRowContext(ctx, `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`).Scan(&now)
	return now, err
}

// RecordRequest counts one request already made to a store (before bcsync knew the store: its
// credentials' check) against the window of every process.
func (s *Store) RecordRequest(ctx context.Context, storeID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now, err := s.dbNow(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO quota_grants (store_id, granted_at) VALUES ($1, $2)`, storeID, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: record a request to store %d: %w", storeID, err)
	}
	return nil
}
