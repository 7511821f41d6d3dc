package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/store"
)

// bigcommerceWebhook receives the store's deliveries for a connection: it checks the connection's
// secret header, drops deliveries seen before (BigCommerce may repeat them; the hash names the event),
// keeps abandoned carts for the carts stream and asks for a sync at once. It answers quickly and with
// an empty body, as BigCommerce asks; anything but 2xx makes BigCommerce retry.
func (s *Server) bigcommerceWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	conn, err := s.svc.Store.Connection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Removed: "gone" tells nothing about other connections, and BigCommerce's retries stop in time.
		http.Error(w, "", http.StatusGone)
		return
	}
	if err != nil {
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	got := r.Header.Get(marketing.WebhookSecretHeader)
	if conn.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(conn.WebhookSecret)) != 1 {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	cb, err := bigcommerce.ParseCallback(body)
	if err != nil || cb.StoreHash() != conn.StoreHash {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	first, err := s.svc.Store.FirstDelivery(ctx, id, cb.Hash)
	if err != nil {
		http.Error(w, "", http.StatusServiceUnavailable)
		return
	}
	if !first {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Until it is handled, the delivery must not count as seen: BigCommerce retries what failed.
	fail := func() {
		s.svc.Store.ForgetDelivery(context.WithoutCancel(ctx), id, cb.Hash)
		http.Error(w, "", http.StatusServiceUnavailable)
	}
	if cb.Scope == "store/cart/abandoned" {
		if err := s.svc.Store.AddCartEvent(ctx, id, store.CartEvent{CartID: cb.Data.ID, Token: cb.Data.Token}); err != nil {
			fail()
			return
		}
	}
	if conn.Settings.DataSync {
		if err := s.svc.Store.RequestSync(ctx, id); err != nil {
			fail()
			return
		}
		if err := s.svc.Queue.Enqueue(ctx, id, jobs.TriggerWebhook); err != nil && !errors.Is(err, jobs.ErrAlreadyQueued) {
			s.log.Warn("webhook: could not queue a sync", slog.Int64("connection_id", id), slog.Any("error", err))
		}
	}
	w.WriteHeader(http.StatusOK)
}
