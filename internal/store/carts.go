package store

import (
	"context"
	"fmt"
	"time"
)

// CartEvent is an abandoned cart the store told of.
type CartEvent struct {
	CartID     string
	Token      string
	ReceivedAt time.Time
}

// AddCartEvent records an abandoned cart (once per cart: a cart abandoned again is handled again).
func (s *Store) AddCartEvent(ctx context.Context, syncID int64, e CartEvent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO cart_events (sync_id, cart_id, token, received_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sync_id, cart_id) DO UPDATE SET token = excluded.token, received_at = excluded.received_at`,
		syncID, e.CartID, e.Token, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: add cart event: %w", err)
	}
	return nil
}

// CartEvents returns up to limit abandoned carts to handle, oldest first.
func (s *Store) CartEvents(ctx context.Context, syncID int64, limit int) ([]CartEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT cart_id, token, received_at FROM cart_events WHERE sync_id = $1
		ORDER BY received_at, cart_id LIMIT $2`, syncID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: cart events: %w", err)
	}
	defer rows.Close()
	var out []CartEvent
	for rows.Next() {
		var e CartEvent
		var at int64
		if err := rows.Scan(&e.CartID, &e.Token, &at); err != nil {
			return nil, fmt.Errorf("store: cart events: %w", err)
		}
		e.ReceivedAt = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteCartEvent forgets a handled cart, unless it was abandoned again since handledFrom.
func (s *Store) DeleteCartEvent(ctx context.Context, syncID int64, cartID string, handledFrom time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM cart_events WHERE sync_id = $1 AND cart_id = $2 AND received_at <= $3`,
		syncID, cartID, ms(handledFrom)); err != nil {
		return fmt.Errorf("store: delete cart event: %w", err)
	}
	return nil
}
