package marketing

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// What a webhook delivery can be refused for; anything else is a failure to handle it now (BigCommerce
// retries what is not answered with 2xx).
var (
	// ErrUnknownStore: the delivery names a store bcsync does not know (removed).
	ErrUnknownStore = errors.New("webhook: no such store")
	// ErrNotAuthentic: the delivery lacks the store's secret header.
	ErrNotAuthentic = errors.New("webhook: the delivery does not carry the store's secret")
	// ErrBadDelivery: the body is not a callback of this store.
	ErrBadDelivery = errors.New("webhook: not a callback of this store")
)

// deliveryWindow is how long a delivery's event is remembered to drop its repeats.
const deliveryWindow = time.Hour

// ReceiveWebhook handles one delivery of a store's webhooks: it checks the store's secret header,
// drops repeated deliveries of one event (see bigcommerce.Callback.DedupeKey), keeps abandoned
// carts for the carts stream and asks for a run of the store's marketing sync at once through request.
// Until it is handled, a delivery does not count as seen, so BigCommerce's retry of it is handled.
func (e *Engine) ReceiveWebhook(ctx context.Context, storeID int64, secret string, body []byte, request func(ctx context.Context, syncID int64) error) error {
	sh, err := e.store.Shop(ctx, storeID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownStore
	}
	if err != nil {
		return err
	}
	if sh.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(sh.WebhookSecret)) != 1 {
		return ErrNotAuthentic
	}
	cb, err := bigcommerce.ParseCallback(body)
	if err != nil || cb.StoreHash() != sh.StoreHash {
		return ErrBadDelivery
	}
	key := cb.DedupeKey()
	first, err := e.store.FirstDelivery(ctx, storeID, key, deliveryWindow)
	if err != nil || !first {
		return err
	}
	if err := e.handleDelivery(ctx, storeID, cb, request); err != nil {
		if ferr := e.store.ForgetDelivery(context.WithoutCancel(ctx), storeID, key); ferr != nil {
			return fmt.Errorf("%w (and it could not be forgotten for its retry: %v)", err, ferr)
		}
		return err
	}
	return nil
}

func (e *Engine) handleDelivery(ctx context.Context, storeID int64, cb *bigcommerce.Callback, request func(ctx context.Context, syncID int64) error) error {
	conn, err := e.store.ConnectionOfStore(ctx, storeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // no Dotdigital link: nothing of this store waits for its changes
	}
	if err != nil {
		return err
	}
	if cb.Scope == "store/cart/abandoned" {
		if err := e.store.AddCartEvent(ctx, conn.ID, store.CartEvent{CartID: cb.Data.ID, Token: cb.Data.Token}); err != nil {
			return err
		}
	}
	if !conn.Settings.DataSync {
		return nil
	}
	if err := e.noteChange(ctx, conn.ID, cb); err != nil {
		return err
	}
	if err := e.store.RequestRun(ctx, conn.ID); err != nil {
		return err
	}
	if err := request(ctx, conn.ID); err != nil {
		// The request is recorded: the scheduler starts the run even if queueing it now failed.
		e.opts.Logger.Warn("webhook: could not queue a sync", slog.Int64("connection_id", conn.ID), slog.Any("error", err))
	}
	return nil
}
