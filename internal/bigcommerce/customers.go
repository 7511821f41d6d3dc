package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

// Customer is a v3 customer with its addresses, attribute values, form fields and store credit.
type Customer struct {
	ID                                      int    `json:"id"`
	Email                                   string `json:"email"`
	FirstName                               string `json:"first_name"`
	LastName                                string `json:"last_name"`
	Company                                 string `json:"company"`
	Phone                                   string `json:"phone"`
	Notes                                   string `json:"notes"`
	CustomerGroupID                         int    `json:"customer_group_id"`
	AcceptsProductReviewAbandonedCartEmails bool   `json:"accepts_product_review_abandoned_cart_emails"`
	// RegistrationIPAddress is where the account was registered from; blank when created through the API.
	RegistrationIPAddress string         `json:"registration_ip_address"`
	OriginChannelID       int            `json:"origin_channel_id"`
	ChannelIDs            []int          `json:"channel_ids"`
	DateCreated           time.Time      `json:"date_created"`
	DateModified          time.Time      `json:"date_modified"`
	Addresses             []Address      `json:"addresses"`
	Attributes            []Attribute    `json:"attributes"`
	FormFields            []FormField    `json:"form_fields"`
	StoreCredit           []money.Amount `json:"store_credit,omitempty"`
}

// Address is a customer's address.
type Address struct {
	ID              int    `json:"id"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Company         string `json:"company"`
	Address1        string `json:"address1"`
	Address2        string `json:"address2"`
	City            string `json:"city"`
	StateOrProvince string `json:"state_or_province"`
	PostalCode      string `json:"postal_code"`
	CountryCode     string `json:"country_code"`
	Country         string `json:"country"`
	Phone           string `json:"phone"`
	AddressType     string `json:"address_type"`
}

// Attribute is a customer attribute value. BigCommerce does not put attribute names on customers
// (Attributes lists the definitions). ID is the value's own id, which DeleteAttributeValues takes.
type Attribute struct {
	ID          int    `json:"id"`
	AttributeID int    `json:"attribute_id"`
	Value       string `json:"attribute_value"`
}

// FormField is a custom form field value: Value is a string, a number or a list of strings, as JSON.
type FormField struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// String gives a form field's value as text: a string as is, a list joined with ", ".
func (f FormField) String() string {
	var s string
	if json.Unmarshal(f.Value, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(f.Value, &list) == nil {
		return strings.Join(list, ", ")
	}
	return string(f.Value)
}

// customerWire is a customer as v3 writes it.
type customerWire struct {
	Customer
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
	StoreCredit  []struct {
		Amount money.Amount `json:"amount"`
	} `json:"store_credit_amounts"`
}

func (w *customerWire) model() Customer {
	c := w.Customer
	c.DateCreated, c.DateModified = w.DateCreated.t, w.DateModified.t
	for _, s := range w.StoreCredit {
		c.StoreCredit = append(c.StoreCredit, s.Amount)
	}
	return c
}

// CustomerQuery selects customers. The zero value reads them all, oldest change first.
type CustomerQuery struct {
	ModifiedSince time.Time // date_modified:min (inclusive)
	ModifiedUntil time.Time // date_modified:max (inclusive)
	IDs           []int     // id:in, for reconciliation
	Emails        []string  // email:in
	// FirstPage is the page to start at (default 1), for a reader that has the pages before it.
	FirstPage int
}

// filters are the query's date range (ids and emails go by chunks).
func (q CustomerQuery) filters() url.Values {
	v := url.Values{}
	setRange(v, "date_modified:min", "date_modified:max", q.ModifiedSince, q.ModifiedUntil)
	return v
}

// Customers reads customers page by page (250 each) with their addresses, attribute values, form
// fields and store credit, sorted by date_modified ascending.
func (c *Client) Customers(ctx context.Context, q CustomerQuery) iter.Seq2[[]Customer, error] {
	base := q.filters()
	base.Set("include", "addresses,attributes,formfields,storecredit")
	base.Set("sort", "date_modified:asc")
	return byChunks(ctx, q.IDs, q.Emails, func(ids []int, emails []string) iter.Seq2[[]Customer, error] {
		query := cloneValues(base)
		if ids != nil {
			query.Set("id:in", joinInts(ids))
		}
		if emails != nil {
			query.Set("email:in", strings.Join(emails, ","))
		}
		return v3Pages(ctx, c, "customers", "v3/customers", query, q.FirstPage, (*customerWire).model)
	})
}

// CustomersByEmail looks customers up by email, ignoring case (email:in, 50 per request): the map's keys
// are lower-cased emails, and holds those that exist.
func (c *Client) CustomersByEmail(ctx context.Context, emails []string) (map[string]Customer, error) {
	out := map[string]Customer{}
	if emails == nil {
		emails = []string{}
	}
	for page, err := range c.Customers(ctx, CustomerQuery{Emails: emails}) {
		if err != nil {
			return out, err
		}
		for _, cu := range page {
			out[strings.ToLower(cu.Email)] = cu
		}
	}
	return out, nil
}

// CustomerInput is a customer to create or update. On update, ID is required and only the fields set
// are sent: a nil pointer or an empty required field leaves the stored value alone; a pointer to ""
// clears an optional field.
type CustomerInput struct {
	ID                                      int     `json:"id,omitempty"`
	Email                                   string  `json:"email,omitempty"`
	FirstName                               string  `json:"first_name,omitempty"`
	LastName                                string  `json:"last_name,omitempty"`
	Company                                 *string `json:"company,omitempty"`
	Phone                                   *string `json:"phone,omitempty"`
	Notes                                   *string `json:"notes,omitempty"`
	CustomerGroupID                         *int    `json:"customer_group_id,omitempty"`
	AcceptsProductReviewAbandonedCartEmails *bool   `json:"accepts_product_review_abandoned_cart_emails,omitempty"`
	// Addresses and Attributes are taken on create only (BigCommerce: "Subresource updates are not
	// supported"); update attribute values with UpsertAttributeValues.
	Addresses  []AddressInput   `json:"addresses,omitempty"`
	Attributes []AttributeInput `json:"attributes,omitempty"`
	// FormFields are taken on create and update (on update each named field is set, the others stay):
	// this is what BigCommerce recommends instead of the deprecated UpsertFormFieldValues. The fields
	// must exist in the store's account signup form.
	FormFields []FormField `json:"form_fields,omitempty"`
	// StoreCredit sets the customer's store credit, on create and update (sent as JSON numbers, as
	// BigCommerce takes them).
	StoreCredit []money.Amount `json:"-"`
	ChannelIDs  []int          `json:"channel_ids,omitempty"`
}

// AddressInput is an address of a new customer. FirstName, LastName, Address1, City and CountryCode
// are required.
type AddressInput struct {
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	Company         string `json:"company,omitempty"`
	Address1        string `json:"address1"`
	Address2        string `json:"address2,omitempty"`
	City            string `json:"city"`
	StateOrProvince string `json:"state_or_province,omitempty"`
	PostalCode      string `json:"postal_code,omitempty"`
	CountryCode     string `json:"country_code"`
	Phone           string `json:"phone,omitempty"`
	AddressType     string `json:"address_type,omitempty"`
}

// AttributeInput sets an attribute (which must exist in the store) on a new customer.
type AttributeInput struct {
	AttributeID int    `json:"attribute_id"`
	Value       string `json:"attribute_value"`
}

func (in CustomerInput) MarshalJSON() ([]byte, error) {
	type plain CustomerInput
	w := struct {
		plain
		StoreCredit []struct {
			Amount json.Number `json:"amount"`
		} `json:"store_credit_amounts,omitempty"`
	}{plain: plain(in)}
	for _, a := range in.StoreCredit {
		w.StoreCredit = append(w.StoreCredit, struct {
			Amount json.Number `json:"amount"`
		}{a.Number()})
	}
	return json.Marshal(w)
}

// CustomerResult is the outcome of one record of a batch write: the stored customer, or why it failed.
// A record refused by validation has an *APIError with per-field Errors.
type CustomerResult struct {
	Index    int // position in the input
	Customer *Customer
	Err      error
}

// MaxCustomerBatch is the most customers one create or update may carry.
const MaxCustomerBatch = 10

// CreateCustomers creates customers in batches of 10, at most WriteConcurrency batches in flight. The
// results follow the input order. A batch refused as a whole (400, 409, 422) wrote nothing: when the
// answer names the bad records ("0.email") they fail with their own messages and the rest is sent again;
// when it does not, the batch is halved until each bad record has its own answer (see batches). Other
// failures (a 5xx that left the outcome unknown, a lost connection) mark every record of the batch. The
// error is the first error of any record, for callers that only need to know whether all went through.
//
// A taken email is refused (422) whatever its case; there is no upsert by email: look the emails up with
// CustomersByEmail, then create or update.
func (c *Client) CreateCustomers(ctx context.Context, customers []CustomerInput) ([]CustomerResult, error) {
	return c.writeCustomers(ctx, http.MethodPost, customers)
}

// UpdateCustomers updates customers by ID (PUT /v3/customers, which BigCommerce limits to 3 requests in
// flight), with the same batching and results as CreateCustomers.
func (c *Client) UpdateCustomers(ctx context.Context, customers []CustomerInput) ([]CustomerResult, error) {
	for i, in := range customers {
		if in.ID <= 0 {
			return nil, fmt.Errorf("%w: customer %d of the update has no id", ErrUnsafe, i)
		}
	}
	return c.writeCustomers(ctx, http.MethodPut, customers)
}

func (c *Client) writeCustomers(ctx context.Context, method string, customers []CustomerInput) ([]CustomerResult, error) {
	results := make([]CustomerResult, len(customers))
	for i := range results {
		results[i].Index = i
	}
	send := func(ctx context.Context, idx []int) error {
		batch := make([]CustomerInput, len(idx))
		for k, i := range idx {
			batch[k] = customers[i]
		}
		var resp struct {
			Data []customerWire `json:"data"`
		}
		_, err := c.do(ctx, call{method: method, path: "v3/customers", body: batch}, &resp)
		if err == nil && len(resp.Data) != len(idx) {
			err = fmt.Errorf("bigcommerce: %s v3/customers: sent %d customers, got %d back", method, len(idx), len(resp.Data))
		}
		if err != nil {
			return err
		}
		for k := range resp.Data {
			cu := resp.Data[k].model()
			results[idx[k]].Customer = &cu
		}
		return nil
	}
	c.batches(ctx, consecutive(len(customers), MaxCustomerBatch), send, func(i int, err error) { results[i].Err = err })
	for _, r := range results {
		if r.Err != nil {
			return results, r.Err
		}
	}
	return results, nil
}

// CustomersByID looks customers up by id (id:in, 50 per request, 250 a page): the map holds those
// that exist.
func (c *Client) CustomersByID(ctx context.Context, ids []int) (map[int]Customer, error) {
	out := map[int]Customer{}
	if ids == nil {
		ids = []int{}
	}
	for page, err := range c.Customers(ctx, CustomerQuery{IDs: ids}) {
		if err != nil {
			return out, err
		}
		for _, cu := range page {
			out[cu.ID] = cu
		}
	}
	return out, nil
}

// DeleteCustomers deletes customers by id (id:in, 50 per request). Unknown ids are ignored, as
// BigCommerce ignores them.
func (c *Client) DeleteCustomers(ctx context.Context, ids []int) error {
	for chunk := range chunks(ids, idsPerQuery) {
		for _, id := range chunk {
			if id <= 0 {
				return fmt.Errorf("%w: customer id %d", ErrUnsafe, id)
			}
		}
		q := url.Values{"id:in": {joinInts(chunk)}}
		if err := c.write(ctx, call{method: http.MethodDelete, path: "v3/customers", query: q}, nil); err != nil {
			return err
		}
	}
	return nil
}
