package bigcommerce

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Consent kinds of a subscriber. No consent at all means unsubscribed.
const (
	ConsentNewsletter    = "marketing_newsletter"
	ConsentAbandonedCart = "abandoned_cart"
)

// Subscriber is a newsletter subscriber. Consents empty means the person unsubscribed (or never ticked
// the box); a subscriber need not be a customer.
type Subscriber struct {
	ID           int       `json:"id"`
	Email        string    `json:"email"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	Source       string    `json:"source"` // storefront, order or custom
	OrderID      int       `json:"order_id"`
	ChannelID    int       `json:"channel_id"`
	Consents     []string  `json:"consents"`
	DateCreated  time.Time `json:"date_created"`
	DateModified time.Time `json:"date_modified"`
}

type subscriberWire struct {
	Subscriber
	OrderID      *int   `json:"order_id"`
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
}

func (w *subscriberWire) model() Subscriber {
	s := w.Subscriber
	s.DateCreated, s.DateModified = w.DateCreated.t, w.DateModified.t
	if w.OrderID != nil {
		s.OrderID = *w.OrderID
	}
	return s
}

// SubscriberQuery selects subscribers; the zero value reads them all. BigCommerce cannot sort
// subscribers: they come in id order, so a date_modified cursor may only move after a full read.
type SubscriberQuery struct {
	ModifiedSince time.Time // date_modified:min (inclusive; a bare date_modified would be an exact match)
	ModifiedUntil time.Time // date_modified:max (inclusive)
	IDs           []int     // id:in
	Email         string    // exact, ignoring case
}

// filters are the query's date range and email (ids go by chunks).
func (q SubscriberQuery) filters() url.Values {
	v := url.Values{}
	setRange(v, "date_modified:min", "date_modified:max", q.ModifiedSince, q.ModifiedUntil)
	if q.Email != "" {
		v.Set("email", q.Email)
	}
	return v
}

// Subscribers reads subscribers page by page (250 each).
func (c *Client) Subscribers(ctx context.Context, q SubscriberQuery) iter.Seq2[[]Subscriber, error] {
	base := q.filters()
	return byChunks(ctx, q.IDs, nil, func(ids []int, _ []string) iter.Seq2[[]Subscriber, error] {
		query := cloneValues(base)
		if ids != nil {
			query.Set("id:in", joinInts(ids))
		}
		return v3Pages(ctx, c, "subscribers", "v3/customers/subscribers", query, 1, (*subscriberWire).model)
	})
}

// SubscriberInput creates or changes a subscriber. On update only the fields set are sent; Consents is
// sent whenever it is not nil, so []string{} unsubscribes.
type SubscriberInput struct {
	Email     string   `json:"email,omitempty"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Source    string   `json:"source,omitempty"`
	OrderID   int      `json:"order_id,omitempty"`
	ChannelID int      `json:"channel_id,omitempty"`
	Consents  []string `json:"consents,omitzero"`
}

type subscriberResponse struct {
	Data subscriberWire `json:"data"`
}

// CreateSubscriber adds a subscriber. An email already subscribed fails with ErrConflict (409).
func (c *Client) CreateSubscriber(ctx context.Context, in SubscriberInput) (*Subscriber, error) {
	var resp subscriberResponse
	if err := c.write(ctx, call{method: http.MethodPost, path: "v3/customers/subscribers", body: in}, &resp); err != nil {
		return nil, err
	}
	sub := resp.Data.model()
	return &sub, nil
}

// UpdateSubscriber changes subscriber id, typically its consents; an email in use by another
// subscriber fails with ErrConflict.
func (c *Client) UpdateSubscriber(ctx context.Context, id int, in SubscriberInput) (*Subscriber, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: subscriber id %d", ErrUnsafe, id)
	}
	var resp subscriberResponse
	if err := c.write(ctx, call{method: http.MethodPut, path: "v3/customers/subscribers/" + strconv.Itoa(id), body: in}, &resp); err != nil {
		return nil, err
	}
	sub := resp.Data.model()
	return &sub, nil
}

// DeleteSubscriber deletes one subscriber by id. There is deliberately no way to send the filtered
// DELETE /v3/customers/subscribers: without a filter it deletes every subscriber of the store.
func (c *Client) DeleteSubscriber(ctx context.Context, id int) error {
	if id <= 0 {
		return fmt.Errorf("%w: subscriber id %d", ErrUnsafe, id)
	}
	return c.write(ctx, call{method: http.MethodDelete, path: "v3/customers/subscribers/" + strconv.Itoa(id)}, nil)
}
