package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Form fields are the custom fields of the store's account signup form. BigCommerce's REST API cannot
// list the fields themselves (their names and types are set in the control panel): only their values,
// by customer or address, which also tells the names in use.

// FormFieldValue is the value of one form field of one customer (or of one address, AddressID set).
// Value is a string, a number or a list of strings, as JSON.
type FormFieldValue struct {
	CustomerID int             `json:"customer_id"`
	AddressID  int             `json:"address_id"`
	Name       string          `json:"name"`
	Value      json.RawMessage `json:"value"`
}

// String gives the value as text, as FormField.String does.
func (v FormFieldValue) String() string { return FormField{Name: v.Name, Value: v.Value}.String() }

// FormFieldQuery selects form field values; the zero value reads them all.
type FormFieldQuery struct {
	CustomerID int    // customer_id
	FieldName  string // field_name
	// FieldType is field_type: checkboxes, date, multiline, numbers, password, radiobuttons, text or
	// picklist.
	FieldType string
}

// FormFieldValues reads form field values page by page (250 each): GET
// /v3/customers/form-field-values. Customers read with Customers carry theirs too.
func (c *Client) FormFieldValues(ctx context.Context, q FormFieldQuery) iter.Seq2[[]FormFieldValue, error] {
	query := url.Values{}
	if q.CustomerID > 0 {
		query.Set("customer_id", strconv.Itoa(q.CustomerID))
	}
	if q.FieldName != "" {
		query.Set("field_name", q.FieldName)
	}
	if q.FieldType != "" {
		query.Set("field_type", q.FieldType)
	}
	return v3Pages(ctx, c, "form field values", "v3/customers/form-field-values", query, 1, func(v *FormFieldValue) FormFieldValue { return *v })
}

// FormFieldValueInput sets form field Name of customer CustomerID. Value is a string, a number or a
// list of strings as JSON, by the field's type (e.g. json.RawMessage(`["tea","coffee"]`) for checkboxes).
type FormFieldValueInput struct {
	CustomerID int             `json:"customer_id"`
	Name       string          `json:"name"`
	Value      json.RawMessage `json:"value"`
}

// FormFieldValueResult is the outcome of one value of UpsertFormFieldValues.
type FormFieldValueResult struct {
	Index int // position in the input
	Value *FormFieldValue
	Err   error
}

// MaxFormFieldValueCustomers is how many customers one form-field-value upsert names. The description
// states no limit; bcsync keeps the one of the other customer batch endpoints.
const MaxFormFieldValueCustomers = 10

// UpsertFormFieldValues sets customers' form field values with PUT /v3/customers/form-field-values,
// grouped by customer, 10 customers a request, at most WriteConcurrency requests in flight (the
// description allows 10); a PUT is repeated after an unclear failure. Results follow the input order; a
// refused batch is settled record by record as CreateCustomers does (an unknown field or a value of the
// wrong type fails alone).
//
// Deprecated: BigCommerce deprecates this endpoint: set CustomerInput.FormFields with UpdateCustomers
// (PUT /v3/customers), which takes form fields too. It is kept for stores where that path is refused.
func (c *Client) UpsertFormFieldValues(ctx context.Context, values []FormFieldValueInput) ([]FormFieldValueResult, error) {
	results := make([]FormFieldValueResult, len(values))
	for i, v := range values {
		results[i].Index = i
		if v.CustomerID <= 0 || v.Name == "" || len(v.Value) == 0 {
			return nil, fmt.Errorf("%w: form field value %d needs a customer id, a name and a value", ErrUnsafe, i)
		}
	}
	send := func(ctx context.Context, idx []int) error {
		batch := make([]FormFieldValueInput, len(idx))
		for k, i := range idx {
			batch[k] = values[i]
		}
		var resp struct {
			Data []FormFieldValue `json:"data"`
		}
		_, err := c.do(ctx, call{method: http.MethodPut, path: "v3/customers/form-field-values", body: batch}, &resp)
		if err == nil && len(resp.Data) != len(idx) {
			err = fmt.Errorf("bigcommerce: PUT v3/customers/form-field-values: sent %d values, got %d back", len(idx), len(resp.Data))
		}
		if err != nil {
			return err
		}
		for k := range resp.Data {
			v := resp.Data[k]
			results[idx[k]].Value = &v
		}
		return nil
	}
	groups := byOwner(len(values), MaxFormFieldValueCustomers, func(i int) int { return values[i].CustomerID })
	c.batches(ctx, groups, send, func(i int, err error) { results[i].Err = err })
	for _, r := range results {
		if r.Err != nil {
			return results, r.Err
		}
	}
	return results, nil
}
