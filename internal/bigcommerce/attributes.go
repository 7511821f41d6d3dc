package bigcommerce

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Customer attributes are the store's own customer fields: a definition (name and type) made once,
// and a value per customer. Values are strings whatever the type ("string", "number" or "date").

// Attribute types.
const (
	AttributeString = "string"
	AttributeNumber = "number"
	AttributeDate   = "date"
)

// CustomerAttribute is a customer attribute definition. A store has at most 50.
type CustomerAttribute struct {
	ID           int       `json:"id"`
	Name         string    `json:"name"`
	Type         string    `json:"type"` // AttributeString, AttributeNumber or AttributeDate
	DateCreated  time.Time `json:"date_created"`
	DateModified time.Time `json:"date_modified"`
}

type customerAttributeWire struct {
	CustomerAttribute
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
}

func (w *customerAttributeWire) model() CustomerAttribute {
	a := w.CustomerAttribute
	a.DateCreated, a.DateModified = w.DateCreated.t, w.DateModified.t
	return a
}

// CustomerAttributes lists the store's attribute definitions: GET /v3/customers/attributes, one request
// (a store has at most 50).
func (c *Client) CustomerAttributes(ctx context.Context) ([]CustomerAttribute, error) {
	return All(v3Pages(ctx, c, "customer attributes", "v3/customers/attributes", url.Values{}, 1, (*customerAttributeWire).model))
}

// CustomerAttributeInput defines an attribute. Its type cannot change later.
type CustomerAttributeInput struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// CreateCustomerAttributes defines attributes in one request (POST /v3/customers/attributes, which
// BigCommerce limits to 3 requests in flight). The answer follows the input order. A taken name or a
// type other than string, number or date is refused (422) and nothing is created. The POST is not
// repeated after an unclear failure (ErrMaybeApplied): list the attributes and look for the names
// before trying again.
func (c *Client) CreateCustomerAttributes(ctx context.Context, in []CustomerAttributeInput) ([]CustomerAttribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	var resp struct {
		Data []customerAttributeWire `json:"data"`
	}
	if err := c.write(ctx, call{method: http.MethodPost, path: "v3/customers/attributes", body: in}, &resp); err != nil {
		return nil, err
	}
	return models(resp.Data, (*customerAttributeWire).model), nil
}

// AttributeValue is the value of one attribute of one customer. ID is the value's own id.
type AttributeValue struct {
	ID           int       `json:"id"`
	AttributeID  int       `json:"attribute_id"`
	CustomerID   int       `json:"customer_id"`
	Value        string    `json:"attribute_value"`
	DateCreated  time.Time `json:"date_created"`
	DateModified time.Time `json:"date_modified"`
}

type attributeValueWire struct {
	AttributeValue
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
}

func (w *attributeValueWire) model() AttributeValue {
	v := w.AttributeValue
	v.DateCreated, v.DateModified = w.DateCreated.t, w.DateModified.t
	return v
}

// AttributeValueQuery selects attribute values; nil lists select all.
type AttributeValueQuery struct {
	CustomerIDs  []int // customer_id:in, 50 per request; an empty non-nil list reads nothing
	AttributeIDs []int // attribute_id:in
}

// AttributeValues reads attribute values page by page (250 each): GET /v3/customers/attribute-values.
// Customers read with Customers carry their values too (Customer.Attributes, with their ids).
func (c *Client) AttributeValues(ctx context.Context, q AttributeValueQuery) iter.Seq2[[]AttributeValue, error] {
	base := url.Values{}
	if q.AttributeIDs != nil {
		base.Set("attribute_id:in", joinInts(q.AttributeIDs))
	}
	return byChunks(ctx, q.CustomerIDs, nil, func(ids []int, _ []string) iter.Seq2[[]AttributeValue, error] {
		query := cloneValues(base)
		if ids != nil {
			query.Set("customer_id:in", joinInts(ids))
		}
		return v3Pages(ctx, c, "attribute values", "v3/customers/attribute-values", query, 1, (*attributeValueWire).model)
	})
}

// AttributeValueInput sets attribute AttributeID of customer CustomerID. Value is a string whatever the
// attribute's type: a number attribute takes a decimal number ("42", "38.5"), a date attribute an
// ISO-8601 date ("2024-05-14").
type AttributeValueInput struct {
	CustomerID  int    `json:"customer_id"`
	AttributeID int    `json:"attribute_id"`
	Value       string `json:"value"`
}

// AttributeValueResult is the outcome of one value of UpsertAttributeValues.
type AttributeValueResult struct {
	Index int // position in the input
	Value *AttributeValue
	Err   error
}

// MaxAttributeValueCustomers is how many customers one attribute-value upsert may name.
const MaxAttributeValueCustomers = 10

// UpsertAttributeValues creates or updates attribute values (PUT /v3/customers/attribute-values, an
// upsert by customer and attribute). BigCommerce allows 10 customers per call and 3 calls in flight:
// values are sent grouped by customer, at most 10 customers a request, at most WriteConcurrency
// requests at a time; a PUT is repeated after an unclear failure. Results follow the input order; a
// refused batch is settled record by record as CreateCustomers does (a value of the wrong type, an
// unknown attribute or customer fail alone). The error is the first error of any value.
//
// Setting a value does not move the customer's date_modified in the emulator (BigCommerce documents
// nothing), so readers of customers by date do not see it.
func (c *Client) UpsertAttributeValues(ctx context.Context, values []AttributeValueInput) ([]AttributeValueResult, error) {
	results := make([]AttributeValueResult, len(values))
	for i, v := range values {
		results[i].Index = i
		if v.CustomerID <= 0 || v.AttributeID <= 0 {
			return nil, fmt.Errorf("%w: attribute value %d has no customer or attribute id", ErrUnsafe, i)
		}
	}
	send := func(ctx context.Context, idx []int) error {
		batch := make([]AttributeValueInput, len(idx))
		for k, i := range idx {
			batch[k] = values[i]
		}
		var resp struct {
			Data []attributeValueWire `json:"data"`
		}
		_, err := c.do(ctx, call{method: http.MethodPut, path: "v3/customers/attribute-values", body: batch}, &resp)
		if err == nil && len(resp.Data) != len(idx) {
			err = fmt.Errorf("bigcommerce: PUT v3/customers/attribute-values: sent %d values, got %d back", len(idx), len(resp.Data))
		}
		if err != nil {
			return err
		}
		for k := range resp.Data {
			v := resp.Data[k].model()
			results[idx[k]].Value = &v
		}
		return nil
	}
	groups := byOwner(len(values), MaxAttributeValueCustomers, func(i int) int { return values[i].CustomerID })
	c.batches(ctx, groups, send, func(i int, err error) { results[i].Err = err })
	for _, r := range results {
		if r.Err != nil {
			return results, r.Err
		}
	}
	return results, nil
}

// DeleteAttributeValues deletes attribute values by their own ids (DELETE
// /v3/customers/attribute-values?id:in=…, 50 per request): how a mapped attribute is cleared. Unknown
// ids are ignored. There is deliberately no way to send the DELETE without ids.
func (c *Client) DeleteAttributeValues(ctx context.Context, ids []int) error {
	for chunk := range chunks(ids, idsPerQuery) {
		for _, id := range chunk {
			if id <= 0 {
				return fmt.Errorf("%w: attribute value id %d", ErrUnsafe, id)
			}
		}
		q := url.Values{"id:in": {joinInts(chunk)}}
		if err := c.write(ctx, call{method: http.MethodDelete, path: "v3/customers/attribute-values", query: q}, nil); err != nil {
			return err
		}
	}
	return nil
}
