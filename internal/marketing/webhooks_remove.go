package marketing

import (
	"context"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// RemoveWebhooks deletes from the store the webhooks the connection registered (those pointing at
// the address it recorded), so that a removed connection leaves none calling a dead address. It
// returns how many it deleted.
func (e *Engine) RemoveWebhooks(ctx context.Context, c *store.Connection) (int, error) {
	if c.WebhooksURL == "" {
		return 0, nil // none were registered
	}
	bc, err := e.shops.Client(shopOf(c), 1)
	if err != nil {
		return 0, err
	}
	hooks, err := bigcommerce.All(bc.Webhooks(ctx))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range hooks {
		if h.Destination != c.WebhooksURL {
			continue // another app's, or another bcsync's
		}
		if err := bc.DeleteWebhook(ctx, h.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
