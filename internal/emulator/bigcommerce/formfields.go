package bigcommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// formFieldValue is a value of the account signup form, as /v3/customers/form-field-values serves it.
type formFieldValue struct {
	Name       string          `json:"name"`
	Value      json.RawMessage `json:"value"`
	CustomerID int             `json:"customer_id"`
}

// listFormFieldValues is GET /v3/customers/form-field-values: the customer form field values of the
// listed customers (all, or customer_id), in customer id order, filtered by field_name and field_type.
// Address form fields are not emulated: address_id matches nothing.
func (s *Server) listFormFieldValues(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	var customers []int
	if v := values.Get("customer_id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			s.invalidParam(w, r, "customer_id", "customer_id must be an integer")
			return
		}
		customers = []int{id}
	}
	name, kind := values.Get("field_name"), values.Get("field_type")
	s.mu.RLock()
	defer s.mu.RUnlock()
	if customers == nil && !values.Has("address_id") {
		for id := 1; id <= len(s.customers.state); id++ {
			customers = append(customers, id)
		}
	}
	out := struct {
		Data []formFieldValue `json:"data"`
		Meta listMeta         `json:"meta"`
	}{Data: []formFieldValue{}}
	total := 0
	for _, id := range customers {
		if !s.customers.isListed(id) {
			continue
		}
		for _, f := range s.customerRecord(id).FormFields {
			if name != "" && f.Name != name || kind != "" && formFieldTypes[f.Name] != kind {
				continue
			}
			if total >= (page-1)*limit && len(out.Data) < limit {
				out.Data = append(out.Data, formFieldValue{Name: f.Name, Value: f.Value, CustomerID: id})
			}
			total++
		}
	}
	out.Meta.Pagination = newPagination(r, total, len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// upsertFormFieldValues is PUT /v3/customers/form-field-values (deprecated by BigCommerce in favour of
// PUT /v3/customers with form_fields): an array of {customer_id, name, value} naming at most 10
// customers (more: 413; the description states no limit, the emulator keeps the one of the other
// customer batch endpoints). Each value replaces the customer's value of that field; the field must be
// on the signup form and the value of its type. One invalid item refuses them all (422, naming the
// item). Address form fields (address_id) are not emulated and refused.
func (s *Server) upsertFormFieldValues(w http.ResponseWriter, r *http.Request) {
	var batch []struct {
		CustomerID *int            `json:"customer_id"`
		AddressID  *int            `json:"address_id"`
		Name       *string         `json:"name"`
		Value      json.RawMessage `json:"value"`
	}
	if !s.decodeBody(w, r, &batch) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	owners := map[int]bool{}
	for _, in := range batch {
		if in.CustomerID != nil {
			owners[*in.CustomerID] = true
		}
	}
	if len(owners) > maxBatch {
		s.writeError(w, r, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The maximum number of customers per request is %d.", maxBatch), nil)
		return
	}
	errs := map[string]string{}
	if len(batch) == 0 {
		errs["body"] = "At least one form field value is required."
	}
	for i, in := range batch {
		key := func(field string) string { return fmt.Sprintf("%d.%s", i, field) }
		switch {
		case in.AddressID != nil:
			errs[key("address_id")] = "Address form fields are not emulated."
		case in.CustomerID == nil:
			errs[key("customer_id")] = "error.path.missing"
		case !s.customers.isListed(*in.CustomerID):
			errs[key("customer_id")] = fmt.Sprintf("Customer %d does not exist.", *in.CustomerID)
		}
		switch {
		case in.Name == nil:
			errs[key("name")] = "error.path.missing"
		case len(in.Value) == 0:
			errs[key("value")] = "error.path.missing"
		default:
			if msg := checkFormField(*in.Name, in.Value); msg != "" {
				errs[key("value")] = msg
			}
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The form field values are not valid.", errs)
		return
	}
	out := struct {
		Data []formFieldValue `json:"data"`
		Meta struct{}         `json:"meta"`
	}{Data: []formFieldValue{}}
	changed := map[int]*customer{}
	for _, in := range batch {
		c, ok := changed[*in.CustomerID]
		if !ok {
			copied := *s.customerRecord(*in.CustomerID)
			copied.FormFields = slices.Clone(copied.FormFields)
			c = &copied
			changed[c.ID] = c
		}
		f := formField{Name: *in.Name, Value: in.Value, CustomerID: c.ID}
		if k := slices.IndexFunc(c.FormFields, func(old formField) bool { return old.Name == f.Name }); k >= 0 {
			c.FormFields[k] = f
		} else {
			c.FormFields = append(c.FormFields, f)
		}
		out.Data = append(out.Data, formFieldValue{Name: f.Name, Value: f.Value, CustomerID: c.ID})
	}
	for id, c := range changed {
		s.custOver[id] = c
	}
	writeJSON(w, http.StatusOK, out)
}
