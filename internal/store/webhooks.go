package store

import (
	"context"
	"fmt"
	"time"
)

// FirstDelivery records a webhook delivery by its hash and reports whether it is the first one seen:
// BigCommerce may deliver the same event more than once.
func (s *Store) FirstDelivery(ctx context.Context, storeID int64, hash string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO webhook_deliveries (store_id, hash, received_at) VALUES ($1, $2, $3)
		ON CONFLICT (store_id, hash) DO NOTHING`, storeID, hash, ms(s.now()))
	if err != nil {
		return false, fmt.Errorf("store: webhook delivery: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ForgetDeliveries drops delivery hashes older than before (BigCommerce retries for about 48 hours).
func (s *Store) ForgetDeliveries(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE received_at < $1`, ms(before)); err != nil {
		return fmt.Errorf("store: forget deliveries: %w", err)
	}
	return nil
}

// ForgetDelivery forgets one delivery, so that BigCommerce's retry of it is handled.
func (s *Store) ForgetDelivery(ctx context.Context, storeID int64, hash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE store_id = $1 AND hash = $2`, storeID, hash); err != nil {
		return fmt.Errorf("store: forget delivery: %w", err)
	}
	return nil
}
