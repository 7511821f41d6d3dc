package bigcommerce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook is a subscription of the API account to store events. A hook is visible only to the API
// account (client id) that created it.
type Webhook struct {
	ID          int               `json:"id"`
	ClientID    string            `json:"client_id"`
	StoreHash   string            `json:"store_hash"`
	Scope       string            `json:"scope"` // e.g. store/customer/* or store/cart/abandoned
	Destination string            `json:"destination"`
	Headers     map[string]string `json:"headers"` // sent with every callback: the only way to authenticate them
	IsActive    bool              `json:"is_active"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

type webhookWire struct {
	Webhook
	CreatedAt unixTime `json:"created_at"`
	UpdatedAt unixTime `json:"updated_at"`
}

func (w *webhookWire) model() Webhook {
	h := w.Webhook
	h.CreatedAt, h.UpdatedAt = w.CreatedAt.t, w.UpdatedAt.t
	return h
}

// WebhookInput creates or changes a hook. On update, empty fields are left alone.
type WebhookInput struct {
	Scope       string            `json:"scope,omitempty"`
	Destination string            `json:"destination,omitempty"`
	IsActive    *bool             `json:"is_active,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
}

type webhookResponse struct {
	Data webhookWire `json:"data"`
}

func (r *webhookResponse) webhook() *Webhook {
	h := r.Data.model()
	return &h
}

// Webhooks reads the API account's hooks.
func (c *Client) Webhooks(ctx context.Context) iter.Seq2[[]Webhook, error] {
	return v3Pages(ctx, c, "webhooks", "v3/hooks", url.Values{}, 1, (*webhookWire).model)
}

// Webhook reads one hook.
func (c *Client) Webhook(ctx context.Context, id int) (*Webhook, error) {
	var resp webhookResponse
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v3/hooks/" + strconv.Itoa(id)}, &resp); err != nil {
		return nil, err
	}
	return resp.webhook(), nil
}

// CreateWebhook subscribes Destination to Scope. Give it a secret header and check it on every callback.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	if in.Scope == "" || in.Destination == "" {
		return nil, fmt.Errorf("%w: a webhook needs a scope and a destination", ErrUnsafe)
	}
	var resp webhookResponse
	if err := c.write(ctx, call{method: http.MethodPost, path: "v3/hooks", body: in}, &resp); err != nil {
		return nil, err
	}
	return resp.webhook(), nil
}

// UpdateWebhook changes hook id, e.g. to reactivate it after BigCommerce deactivated it.
func (c *Client) UpdateWebhook(ctx context.Context, id int, in WebhookInput) (*Webhook, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: webhook id %d", ErrUnsafe, id)
	}
	var resp webhookResponse
	if err := c.write(ctx, call{method: http.MethodPut, path: "v3/hooks/" + strconv.Itoa(id), body: in}, &resp); err != nil {
		return nil, err
	}
	return resp.webhook(), nil
}

// DeleteWebhook deletes hook id.
func (c *Client) DeleteWebhook(ctx context.Context, id int) error {
	if id <= 0 {
		return fmt.Errorf("%w: webhook id %d", ErrUnsafe, id)
	}
	return c.write(ctx, call{method: http.MethodDelete, path: "v3/hooks/" + strconv.Itoa(id)}, nil)
}

// Callback is the body BigCommerce posts to a hook's destination. It names what changed, not how:
// read the record to learn that.
type Callback struct {
	Scope     string // e.g. store/customer/updated
	StoreID   string // the store's numeric id, as text
	Producer  string // stores/{store_hash}
	Hash      string // identifies the event: deduplicate callbacks on it
	CreatedAt time.Time
	Data      CallbackData
}

// CallbackData is the changed record: Type customer, subscriber, order, product, cart, …, and its ID
// (a number for most records, a UUID for carts), plus the abandoned-cart Token where there is one.
type CallbackData struct {
	Type  string
	ID    string
	Token string
}

// DedupeKey names the event a callback tells of, to drop its repeated deliveries. BigCommerce's hash
// alone cannot: it is the SHA-1 of the payload's data, the same for every change of one record (and
// missing from some deliveries). A repeated delivery repeats the whole body, so the key covers the
// scope, the hash, the creation time and the data: two distinct events share it only if they are of
// the same record, the same kind, within the same second.
func (c *Callback) DedupeKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%d\n%s\n%s\n%s", c.Scope, c.Hash, c.CreatedAt.Unix(), c.Data.Type, c.Data.ID, c.Data.Token)
	return hex.EncodeToString(h.Sum(nil))
}

// StoreHash is the hash of the store that sent the callback.
func (c *Callback) StoreHash() string { return strings.TrimPrefix(c.Producer, "stores/") }

// ParseCallback reads a webhook callback body.
func ParseCallback(body []byte) (*Callback, error) {
	var w struct {
		Scope     string   `json:"scope"`
		StoreID   string   `json:"store_id"`
		Producer  string   `json:"producer"`
		Hash      string   `json:"hash"`
		CreatedAt unixTime `json:"created_at"`
		Data      struct {
			Type  string          `json:"type"`
			ID    json.RawMessage `json:"id"`
			Token string          `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("bigcommerce: webhook callback: %w", err)
	}
	if w.Scope == "" || w.Data.Type == "" || len(w.Data.ID) == 0 {
		return nil, fmt.Errorf("bigcommerce: webhook callback without scope or data: %s", truncate(string(body)))
	}
	id := strings.Trim(string(w.Data.ID), `"`)
	return &Callback{Scope: w.Scope, StoreID: w.StoreID, Producer: w.Producer, Hash: w.Hash, CreatedAt: w.CreatedAt.t,
		Data: CallbackData{Type: w.Data.Type, ID: id, Token: w.Data.Token}}, nil
}
