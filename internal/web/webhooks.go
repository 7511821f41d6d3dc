package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/bcsync/bcsync/internal/marketing"
)

// bigcommerceWebhook passes a store's delivery to the sync side and answers BigCommerce: quickly and
// with an empty body, as it asks; anything but 2xx makes BigCommerce retry.
func (s *Server) bigcommerceWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	err = s.svc.ReceiveWebhook(r.Context(), id, r.Header.Get(marketing.WebhookSecretHeader), body)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case errors.Is(err, marketing.ErrUnknownStore), errors.Is(err, marketing.ErrNotAuthentic):
		// A store that does not exist (any more) gets the answer of a wrong secret, so that the answers
		// do not tell which store ids exist. BigCommerce treats both as failures: a removed store's
		// hooks are retried a while, then deactivated.
		http.Error(w, "", http.StatusUnauthorized)
	case errors.Is(err, marketing.ErrBadDelivery):
		http.Error(w, "", http.StatusBadRequest)
	default:
		s.log.Warn("webhook: a delivery could not be handled; BigCommerce will retry it", slog.Int64("store_id", id), slog.Any("error", err))
		http.Error(w, "", http.StatusServiceUnavailable)
	}
}
