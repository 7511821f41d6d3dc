package alert

import (
	"context"
	"log/slog"
	"slices"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/store"
)

// CheckWebhooks reads the webhooks of the stores whose syncs a rule watches for webhooks, and judges
// those syncs with what BigCommerce says: the periodic job of webhooks. A store is read once however
// many of its syncs are watched; its calls appear in the debugger of the first of them, outside any
// run.
func (a *Service) CheckWebhooks(ctx context.Context) error {
	if a.opts.Shops == nil || a.opts.PublicURL == "" {
		return nil
	}
	ids, err := a.watched(ctx, Webhooks)
	if err != nil {
		return err
	}
	read := map[int64]*hookFacts{}
	for _, id := range ids {
		y, err := a.store.Sync(ctx, id)
		if err != nil || y.Kind != store.KindMarketing {
			continue
		}
		h, ok := read[y.StoreID]
		if !ok {
			if h, err = a.readHooks(ctx, y); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				a.log.Warn("the store's webhooks could not be read", slog.Int64("store_id", y.StoreID), slog.Any("error", err))
			}
			read[y.StoreID] = h
		}
		if h == nil {
			continue
		}
		if err := a.evaluate(ctx, id, h); err != nil {
			a.log.Warn("alert conditions not judged", slog.Int64("sync_id", id), slog.Any("error", err))
		}
	}
	return nil
}

// readHooks lists the hooks of y's store that bcsync registered (those whose destination is the
// store's): which expected scopes have none, and which BigCommerce deactivated.
func (a *Service) readHooks(ctx context.Context, y *store.Sync) (*hookFacts, error) {
	sh, err := a.store.Shop(ctx, y.StoreID)
	if err != nil {
		return nil, err
	}
	if sh.Status != store.StatusOK {
		return nil, nil // its credentials are refused: that condition says so, and nothing can be read
	}
	h := &hookFacts{expected: marketing.WebhookScopes()}
	if sh.WebhooksURL == "" {
		return h, nil // not registered: the condition says so
	}
	bc, err := a.opts.Shops.Client(sh, 1)
	if err != nil {
		return nil, err
	}
	hooks, err := bigcommerce.All(bc.Webhooks(apicall.WithScope(ctx, apicall.Scope{SyncID: y.ID})))
	if err != nil {
		return nil, err
	}
	for _, scope := range h.expected {
		i := slices.IndexFunc(hooks, func(w bigcommerce.Webhook) bool { return w.Scope == scope && w.Destination == sh.WebhooksURL })
		switch {
		case i < 0:
			h.missing = append(h.missing, scope)
		case !hooks[i].IsActive:
			h.inactive = append(h.inactive, scope)
		}
	}
	return h, nil
}
