package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FirstDelivery records a webhook delivery by the key of its event (see bigcommerce.Callback.DedupeKey)
// and reports whether it is the first one seen within window: BigCommerce may deliver the same event
// more than once, mostly within minutes. Keys older than window are forgotten on the way; a repeat
// arriving later is handled again, which changes nothing (a run is asked for, a cart noted again).
func (s *Store) FirstDelivery(ctx context.Context, storeID int64, key string, window time.Duration) (bool, error) {
	now := s.now()
	var first bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE store_id = $1 AND received_at < $2`, storeID, ms(now.Add(-window))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (store_id, hash, received_at) VALUES ($1, $2, $3)
			ON CONFLICT (store_id, hash) DO NOTHING`, storeID, key, ms(now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		first = n == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: webhook delivery: %w", err)
	}
	return first, nil
}

// ForgetDelivery forgets one delivery, so that BigCommerce's retry of it is handled.
func (s *Store) ForgetDelivery(ctx context.Context, storeID int64, hash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE store_id = $1 AND hash = $2`, storeID, hash); err != nil {
		return fmt.Errorf("store: forget delivery: %w", err)
	}
	return nil
}
