package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Metafields are key-value pairs an API account keeps on a customer, in a namespace: unique by
// customer, namespace and key (per API account), at most 250 per customer.

// Permission sets of a metafield: who besides its API account may read or write it.
const (
	MetafieldAppOnly         = "app_only"
	MetafieldRead            = "read"
	MetafieldWrite           = "write"
	MetafieldReadStorefront  = "read_and_sf_access"
	MetafieldWriteStorefront = "write_and_sf_access"
)

// metafieldResourceCustomers is the path of the batch endpoints.
const metafieldResourceCustomers = "v3/customers/metafields"

// Metafield is a customer metafield.
type Metafield struct {
	ID            int       `json:"id"`
	ResourceID    int       `json:"resource_id"` // the customer
	ResourceType  string    `json:"resource_type"`
	Namespace     string    `json:"namespace"`
	Key           string    `json:"key"`
	Value         string    `json:"value"`
	Description   string    `json:"description"`
	PermissionSet string    `json:"permission_set"`
	OwnerClientID string    `json:"owner_client_id"`
	DateCreated   time.Time `json:"date_created"`
	DateModified  time.Time `json:"date_modified"`
}

type metafieldWire struct {
	Metafield
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
}

func (w *metafieldWire) model() Metafield {
	m := w.Metafield
	m.DateCreated, m.DateModified = w.DateCreated.t, w.DateModified.t
	return m
}

// MetafieldInput creates or changes a metafield. Creating needs Namespace, Key, Value (1 to 65,535
// characters: an empty value is refused, so a metafield is cleared by deleting it) and PermissionSet;
// on update only the fields set are sent. ResourceID (the customer) is for the batch create, ID for
// the batch update.
type MetafieldInput struct {
	ID            int     `json:"id,omitempty"`
	ResourceID    int     `json:"resource_id,omitempty"`
	Namespace     string  `json:"namespace,omitempty"`
	Key           string  `json:"key,omitempty"`
	Value         string  `json:"value,omitempty"`
	Description   *string `json:"description,omitempty"`
	PermissionSet string  `json:"permission_set,omitempty"`
}

// MetafieldQuery selects metafields; the zero value selects all.
type MetafieldQuery struct {
	Namespace string   // namespace
	Keys      []string // key:in
}

func (q MetafieldQuery) values() url.Values {
	v := url.Values{}
	if q.Namespace != "" {
		v.Set("namespace", q.Namespace)
	}
	if len(q.Keys) > 0 {
		v.Set("key:in", strings.Join(q.Keys, ","))
	}
	return v
}

// CustomerMetafields reads the metafields of one customer page by page (250 each): GET
// /v3/customers/{id}/metafields. An unknown customer is ErrNotFound.
func (c *Client) CustomerMetafields(ctx context.Context, customerID int, q MetafieldQuery) iter.Seq2[[]Metafield, error] {
	path := fmt.Sprintf("v3/customers/%d/metafields", customerID)
	return v3Pages(ctx, c, "customer metafields", path, q.values(), 1, (*metafieldWire).model)
}

// MetafieldsOfCustomers reads the metafields of every customer page by page (250 each): GET
// /v3/customers/metafields. The endpoint cannot filter by customer; CustomerMetafields can.
func (c *Client) MetafieldsOfCustomers(ctx context.Context, q MetafieldQuery) iter.Seq2[[]Metafield, error] {
	return v3Pages(ctx, c, "customer metafields", metafieldResourceCustomers, q.values(), 1, (*metafieldWire).model)
}

// oneOrMany reads the "data" of a metafield write, which the description gives as a list even for one
// metafield; a store that answers the single object is read too.
type oneOrMany []metafieldWire

func (d *oneOrMany) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one metafieldWire
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*d = oneOrMany{one}
		return nil
	}
	var many []metafieldWire
	err := json.Unmarshal(b, &many)
	*d = many
	return err
}

// CreateCustomerMetafield adds a metafield to a customer: POST /v3/customers/{id}/metafields. A
// namespace and key the customer already has is ErrConflict (409); an unknown customer ErrNotFound.
// The POST is not repeated after an unclear failure (ErrMaybeApplied): read the customer's metafields
// by namespace and key before trying again.
func (c *Client) CreateCustomerMetafield(ctx context.Context, customerID int, in MetafieldInput) (*Metafield, error) {
	if customerID <= 0 {
		return nil, fmt.Errorf("%w: customer id %d", ErrUnsafe, customerID)
	}
	in.ID, in.ResourceID = 0, 0
	var resp struct {
		Data oneOrMany `json:"data"`
	}
	path := fmt.Sprintf("v3/customers/%d/metafields", customerID)
	if err := c.write(ctx, call{method: http.MethodPost, path: path, body: in}, &resp); err != nil {
		return nil, err
	}
	return firstMetafield(http.MethodPost, path, resp.Data)
}

// UpdateCustomerMetafield changes metafield id of a customer partially: PUT
// /v3/customers/{id}/metafields/{metafieldId} (the description wants the id in the body too).
func (c *Client) UpdateCustomerMetafield(ctx context.Context, customerID, metafieldID int, in MetafieldInput) (*Metafield, error) {
	if customerID <= 0 || metafieldID <= 0 {
		return nil, fmt.Errorf("%w: customer %d, metafield %d", ErrUnsafe, customerID, metafieldID)
	}
	in.ID, in.ResourceID = metafieldID, 0
	var resp struct {
		Data oneOrMany `json:"data"`
	}
	path := fmt.Sprintf("v3/customers/%d/metafields/%d", customerID, metafieldID)
	if err := c.write(ctx, call{method: http.MethodPut, path: path, body: in}, &resp); err != nil {
		return nil, err
	}
	return firstMetafield(http.MethodPut, path, resp.Data)
}

func firstMetafield(method, path string, data oneOrMany) (*Metafield, error) {
	if len(data) != 1 {
		return nil, fmt.Errorf("bigcommerce: %s %s: got %d metafields back, want 1", method, path, len(data))
	}
	m := data[0].model()
	return &m, nil
}

// DeleteCustomerMetafield deletes one metafield of a customer: DELETE
// /v3/customers/{id}/metafields/{metafieldId}; ErrNotFound when it does not exist.
func (c *Client) DeleteCustomerMetafield(ctx context.Context, customerID, metafieldID int) error {
	if customerID <= 0 || metafieldID <= 0 {
		return fmt.Errorf("%w: customer %d, metafield %d", ErrUnsafe, customerID, metafieldID)
	}
	return c.write(ctx, call{method: http.MethodDelete, path: fmt.Sprintf("v3/customers/%d/metafields/%d", customerID, metafieldID)}, nil)
}

// MetafieldResult is the outcome of one record of a batch metafield write. Metafield is nil for
// deletes and failures.
type MetafieldResult struct {
	Index     int // position in the input
	Metafield *Metafield
	Err       error
}

// MaxMetafieldBatch is how many metafields one batch request carries. The description states no
// limit; bcsync keeps the one of the other customer batch endpoints.
const MaxMetafieldBatch = 10

// CreateCustomerMetafields creates metafields on many customers (ResourceID): POST
// /v3/customers/metafields, 10 a request, at most WriteConcurrency requests in flight. BigCommerce
// writes what it can of a batch and answers 422 with the metafields it wrote beside the refused ones,
// keyed by their index ("partial success"): each result gets its metafield or its own error. A batch
// refused as a whole (400) is settled record by record as CreateCustomers does. A POST is not repeated
// after an unclear failure: its records get ErrMaybeApplied.
func (c *Client) CreateCustomerMetafields(ctx context.Context, in []MetafieldInput) ([]MetafieldResult, error) {
	for i, m := range in {
		if m.ResourceID <= 0 {
			return nil, fmt.Errorf("%w: metafield %d has no resource_id (customer)", ErrUnsafe, i)
		}
	}
	same := func(m Metafield, i int) bool {
		return m.ResourceID == in[i].ResourceID && m.Namespace == in[i].Namespace && m.Key == in[i].Key
	}
	return c.metafieldBatch(ctx, http.MethodPost, len(in), func(i int) any { return in[i] }, same)
}

// UpdateCustomerMetafields changes metafields by ID: PUT /v3/customers/metafields, with the batching
// and results of CreateCustomerMetafields; a PUT is repeated after an unclear failure.
func (c *Client) UpdateCustomerMetafields(ctx context.Context, in []MetafieldInput) ([]MetafieldResult, error) {
	for i, m := range in {
		if m.ID <= 0 {
			return nil, fmt.Errorf("%w: metafield %d of the update has no id", ErrUnsafe, i)
		}
	}
	same := func(m Metafield, i int) bool { return m.ID == in[i].ID }
	return c.metafieldBatch(ctx, http.MethodPut, len(in), func(i int) any { return in[i] }, same)
}

// DeleteCustomerMetafields deletes metafields by id: DELETE /v3/customers/metafields with the ids as
// body, 10 a request. Ids the store could not delete get its message ("Metafield does not exist" for
// one already gone, e.g. by a repeat of a request whose answer was lost). There is deliberately no way
// to send the DELETE without ids, which the description calls "Delete all customer metafields".
func (c *Client) DeleteCustomerMetafields(ctx context.Context, ids []int) ([]MetafieldResult, error) {
	for _, id := range ids {
		if id <= 0 {
			return nil, fmt.Errorf("%w: metafield id %d", ErrUnsafe, id)
		}
	}
	return c.metafieldBatch(ctx, http.MethodDelete, len(ids), func(i int) any { return ids[i] }, nil)
}

// metafieldBatchAnswer is the answer of a batch write, 200 or 422 (partial success).
type metafieldBatchAnswer struct {
	Data json.RawMessage `json:"data"`
}

// metafieldBatch sends records 0…n-1 (item(i) is each one's JSON) in batches and settles each record
// from the answers. same tells whether a written metafield is record i's; for deletes it is nil and
// data lists the deleted ids, which item gives.
func (c *Client) metafieldBatch(ctx context.Context, method string, n int, item func(i int) any, same func(m Metafield, i int) bool) ([]MetafieldResult, error) {
	results := make([]MetafieldResult, n)
	for i := range results {
		results[i].Index = i
	}
	send := func(ctx context.Context, idx []int) error {
		var body any
		if same == nil {
			ids := make([]int, len(idx))
			for k, i := range idx {
				ids[k] = item(i).(int)
			}
			body = ids
		} else {
			items := make([]any, len(idx))
			for k, i := range idx {
				items[k] = item(i)
			}
			body = items
		}
		var resp metafieldBatchAnswer
		_, err := c.do(ctx, call{method: method, path: metafieldResourceCustomers, body: body}, &resp)
		var partial *APIError
		switch {
		case err == nil:
		case errors.As(err, &partial) && partial.Status == http.StatusUnprocessableEntity && hasData(partial.Body):
			if json.Unmarshal(partial.Body, &resp) != nil {
				return err
			}
		default:
			return err
		}
		written, err := writtenMetafields(method, idx, resp.Data, partial != nil, item, same, results)
		if err != nil {
			return err
		}
		for k, i := range idx {
			switch {
			case written[k]:
			case partial != nil && partial.Records[k] != nil:
				results[i].Err = partial.record(k)
			case method == http.MethodPost:
				results[i].Err = fmt.Errorf("%w: POST %s: record %d of the batch is neither written nor refused in the answer", ErrMaybeApplied, metafieldResourceCustomers, k)
			default:
				results[i].Err = fmt.Errorf("bigcommerce: %s %s: record %d of the batch is neither written nor refused in the answer", method, metafieldResourceCustomers, k)
			}
		}
		return nil
	}
	c.batches(ctx, consecutive(n, MaxMetafieldBatch), send, func(i int, err error) { results[i].Err = err })
	for _, r := range results {
		if r.Err != nil {
			return results, r.Err
		}
	}
	return results, nil
}

// writtenMetafields tells which records of a batch (idx) the answer's data holds, and stores their
// metafields. A full success (not partial) answers every record in order; a partial one only those
// written, matched by same (or, for deletes, by id).
func writtenMetafields(method string, idx []int, data json.RawMessage, partial bool, item func(int) any, same func(Metafield, int) bool, results []MetafieldResult) ([]bool, error) {
	written := make([]bool, len(idx))
	if same == nil {
		var ids []int
		if err := json.Unmarshal(data, &ids); err != nil {
			return nil, fmt.Errorf("%w: %s %s: %w", errCutBody, method, metafieldResourceCustomers, err)
		}
		for k, i := range idx {
			written[k] = !partial || slices.Contains(ids, item(i).(int))
		}
		return written, nil
	}
	var wire []metafieldWire
	if err := json.Unmarshal(data, &wire); err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", errCutBody, method, metafieldResourceCustomers, err)
	}
	if !partial && len(wire) != len(idx) {
		return nil, fmt.Errorf("bigcommerce: %s %s: sent %d metafields, got %d back", method, metafieldResourceCustomers, len(idx), len(wire))
	}
	for w := range wire {
		m := wire[w].model()
		for k, i := range idx {
			if !written[k] && (!partial && k == w || partial && same(m, i)) {
				written[k] = true
				results[i].Metafield = &m
				break
			}
		}
	}
	return written, nil
}

// hasData reports whether an error body carries a "data" list (the batch endpoints' partial success).
func hasData(body []byte) bool {
	var probe struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	d := bytes.TrimSpace(probe.Data)
	return len(d) > 0 && d[0] == '['
}
