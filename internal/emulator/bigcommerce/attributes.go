package bigcommerce

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// attributeDef is a customer attribute definition (GET /v3/customers/attributes).
type attributeDef struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"` // string, number or date
	DateCreated  string `json:"date_created"`
	DateModified string `json:"date_modified"`
}

// maxAttributes is how many customer attributes a store may define ("A store cannot have more than 50
// customer attributes").
const maxAttributes = 50

// seededAttributes names and types the attributes the generator fills (attributeDefs, by id).
var seededAttributes = []struct{ name, kind string }{
	{"Loyalty tier", "string"},
	{"Shoe size", "number"},
	{"Newsletter frequency", "string"},
}

func (s *Server) seedAttributes() {
	created := v3Time(s.anchor - 2*365*24*3600)
	for i, a := range seededAttributes {
		s.attrDefs = append(s.attrDefs, &attributeDef{ID: i + 1, Name: a.name, Type: a.kind, DateCreated: created, DateModified: created})
	}
	// Generated values have ids customer*10 + attribute (attributes 1–3); new values are numbered
	// above every generated one.
	s.nextAttrValue = (s.cfg.Customers + 1) * 10
}

func (s *Server) attributeDef(id int) *attributeDef {
	for _, d := range s.attrDefs {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// checkAttributeValue tells why value does not fit attribute id, or "". Values are strings whatever
// the type (as BigCommerce takes them); a number attribute takes a decimal number, a date attribute an
// ISO-8601 date or date-time.
func (s *Server) checkAttributeValue(id int, value string) string {
	d := s.attributeDef(id)
	if d == nil {
		return fmt.Sprintf("Attribute %d does not exist.", id)
	}
	if len(value) > 255 {
		return "The attribute value must be at most 255 characters."
	}
	switch d.Type {
	case "number":
		if f, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Sprintf("Attribute %d (%s) is a number; %q is not.", id, d.Name, value)
		}
	case "date":
		if !isDate(value) {
			return fmt.Sprintf("Attribute %d (%s) is a date (YYYY-MM-DD or ISO-8601); %q is not.", id, d.Name, value)
		}
	}
	return ""
}

func isDate(v string) bool {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
		if _, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return true
		}
	}
	return false
}

type attributeList struct {
	Data []attributeDef `json:"data"`
	Meta struct{}       `json:"meta"`
}

func (s *Server) listAttributes(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	name, like, kind := values.Get("name"), strings.ToLower(values.Get("name:like")), values.Get("type")
	s.mu.RLock()
	defer s.mu.RUnlock()
	var match []attributeDef
	for _, d := range s.attrDefs {
		if (name == "" || d.Name == name) && (like == "" || strings.Contains(strings.ToLower(d.Name), like)) && (kind == "" || d.Type == kind) {
			match = append(match, *d)
		}
	}
	from := min((page-1)*limit, len(match))
	out := struct {
		Data []attributeDef `json:"data"`
		Meta listMeta       `json:"meta"`
	}{Data: append([]attributeDef{}, match[from:min(from+limit, len(match))]...)}
	out.Meta.Pagination = newPagination(r, len(match), len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// createAttributes is POST /v3/customers/attributes: an array of {name, type}. Names are unique
// (ignoring case) and a store has at most 50 attributes; one invalid item refuses them all (422,
// naming the item).
func (s *Server) createAttributes(w http.ResponseWriter, r *http.Request) {
	var batch []struct {
		Name *string `json:"name"`
		Type *string `json:"type"`
	}
	if !s.decodeBody(w, r, &batch) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := map[string]string{}
	seen := map[string]bool{}
	for _, d := range s.attrDefs {
		seen[strings.ToLower(d.Name)] = true
	}
	if len(batch) == 0 {
		errs["body"] = "At least one attribute is required."
	}
	for i, in := range batch {
		switch {
		case in.Name == nil || strings.TrimSpace(*in.Name) == "" || len(*in.Name) > 255:
			errs[fmt.Sprintf("%d.name", i)] = "The name is required, 1 to 255 characters."
		case seen[strings.ToLower(strings.TrimSpace(*in.Name))]:
			errs[fmt.Sprintf("%d.name", i)] = fmt.Sprintf("An attribute named %q already exists.", *in.Name)
		default:
			seen[strings.ToLower(strings.TrimSpace(*in.Name))] = true
		}
		if in.Type == nil || !slices.Contains([]string{"string", "number", "date"}, *in.Type) {
			errs[fmt.Sprintf("%d.type", i)] = "The type must be string, number or date."
		}
	}
	if len(errs) == 0 && len(s.attrDefs)+len(batch) > maxAttributes {
		errs["body"] = fmt.Sprintf("A store cannot have more than %d customer attributes.", maxAttributes)
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The attributes are not valid.", errs)
		return
	}
	now := v3Time(s.now())
	out := attributeList{Data: []attributeDef{}}
	for _, in := range batch {
		id := 1
		if n := len(s.attrDefs); n > 0 {
			id = s.attrDefs[n-1].ID + 1
		}
		d := &attributeDef{ID: id, Name: strings.TrimSpace(*in.Name), Type: *in.Type, DateCreated: now, DateModified: now}
		s.attrDefs = append(s.attrDefs, d)
		out.Data = append(out.Data, *d)
	}
	writeJSON(w, http.StatusOK, out)
}

// formFieldTypes are the fields of the store's account signup form (BigCommerce has no REST endpoint
// that lists them). The generator fills the first three.
var formFieldTypes = map[string]string{
	"How did you hear about us?": "text",
	"Birthday month":             "text",
	"Interests":                  "checkboxes",
	"Loyalty number":             "numbers",
}

// checkFormField tells why value cannot be the value of form field name, or "".
func checkFormField(name string, value json.RawMessage) string {
	kind, ok := formFieldTypes[name]
	if !ok {
		return fmt.Sprintf("The form field %q does not exist.", name)
	}
	switch kind {
	case "checkboxes":
		var list []string
		if json.Unmarshal(value, &list) != nil {
			return fmt.Sprintf("The form field %q takes a list of strings.", name)
		}
	case "numbers":
		if _, err := strconv.ParseFloat(strings.TrimSpace(string(value)), 64); err != nil {
			return fmt.Sprintf("The form field %q takes a number.", name)
		}
	default:
		var text string
		if json.Unmarshal(value, &text) != nil {
			return fmt.Sprintf("The form field %q takes a string.", name)
		}
	}
	return ""
}

// attributeValueOwner finds the customer that holds attribute value id: generated values are numbered
// customer*10 + attribute, values set through the API are remembered.
func (s *Server) attributeValueOwner(id int) (int, bool) {
	if owner, ok := s.attrValueOwner[id]; ok {
		return owner, true
	}
	if id < (s.cfg.Customers+1)*10 {
		return id / 10, true
	}
	return 0, false
}

type attributeValueList struct {
	Data []attributeValue `json:"data"`
	Meta listMeta         `json:"meta"`
}

// listAttributeValues is GET /v3/customers/attribute-values: the values of the listed customers (all,
// or customer_id:in), in customer id order, filtered by attribute_id:in or the attribute's name.
func (s *Server) listAttributeValues(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	customers, err := intList(values, "customer_id:in")
	if err != nil {
		s.invalidParam(w, r, "customer_id:in", err.Error())
		return
	}
	attributes, err := intList(values, "attribute_id:in")
	if err != nil {
		s.invalidParam(w, r, "attribute_id:in", err.Error())
		return
	}
	name := values.Get("name")
	s.mu.RLock()
	defer s.mu.RUnlock()
	if customers == nil {
		for id := 1; id <= len(s.customers.state); id++ {
			customers = append(customers, id)
		}
	}
	customers = slices.Compact(slices.Sorted(slices.Values(customers)))
	out := attributeValueList{Data: []attributeValue{}}
	total := 0
	for _, id := range customers {
		if !s.customers.isListed(id) {
			continue
		}
		for _, v := range s.customerRecord(id).Attributes {
			if attributes != nil && !slices.Contains(attributes, v.AttributeID) {
				continue
			}
			if d := s.attributeDef(v.AttributeID); d == nil || name != "" && d.Name != name {
				continue
			}
			if total >= (page-1)*limit && len(out.Data) < limit {
				out.Data = append(out.Data, v)
			}
			total++
		}
	}
	out.Meta.Pagination = newPagination(r, total, len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// upsertAttributeValues is PUT /v3/customers/attribute-values: an array of {customer_id, attribute_id,
// value[, id]} naming at most 10 customers (more: 413). A value is created, or updated when the customer
// has one for the attribute. One invalid item refuses them all (422, naming the item); nothing is
// written. The customers' own date_modified does not move.
func (s *Server) upsertAttributeValues(w http.ResponseWriter, r *http.Request) {
	var batch []struct {
		ID          *int    `json:"id"`
		AttributeID *int    `json:"attribute_id"`
		Value       *string `json:"value"`
		CustomerID  *int    `json:"customer_id"`
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
		errs["body"] = "At least one attribute value is required."
	}
	for i, in := range batch {
		key := func(field string) string { return fmt.Sprintf("%d.%s", i, field) }
		switch {
		case in.CustomerID == nil:
			errs[key("customer_id")] = "error.path.missing"
		case !s.customers.isListed(*in.CustomerID):
			errs[key("customer_id")] = fmt.Sprintf("Customer %d does not exist.", *in.CustomerID)
		}
		switch {
		case in.AttributeID == nil:
			errs[key("attribute_id")] = "error.path.missing"
		case in.Value == nil:
			errs[key("value")] = "error.path.missing"
		default:
			if msg := s.checkAttributeValue(*in.AttributeID, *in.Value); msg != "" {
				errs[key("value")] = msg
			}
		}
		if in.ID != nil && errs[key("customer_id")] == "" && in.AttributeID != nil {
			current := slices.IndexFunc(s.customerRecord(*in.CustomerID).Attributes, func(v attributeValue) bool {
				return v.ID == *in.ID && v.AttributeID == *in.AttributeID
			})
			if current < 0 {
				errs[key("id")] = fmt.Sprintf("Attribute value %d is not attribute %d of customer %d.", *in.ID, *in.AttributeID, *in.CustomerID)
			}
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The attribute values are not valid.", errs)
		return
	}
	now := s.now()
	out := attributeValueList{Data: []attributeValue{}}
	changed := map[int]*customer{}
	for _, in := range batch {
		c, ok := changed[*in.CustomerID]
		if !ok {
			copied := *s.customerRecord(*in.CustomerID)
			c = &copied
			changed[c.ID] = c
		}
		v := s.setAttributeValue(c, *in.AttributeID, *in.Value, now)
		out.Data = append(out.Data, v)
	}
	for id, c := range changed {
		s.custOver[id] = c
	}
	out.Meta.Pagination = newPagination(r, len(out.Data), len(out.Data), 1, max(len(out.Data), 1))
	writeJSON(w, http.StatusOK, out)
}

// deleteAttributeValues is DELETE /v3/customers/attribute-values?id:in=…: the values leave their
// customers; unknown ids are ignored. Without id:in (which the description requires) it is refused
// with 422: the emulator does not guess whether a real store would delete every value.
func (s *Server) deleteAttributeValues(w http.ResponseWriter, r *http.Request) {
	ids, err := intList(r.URL.Query(), "id:in")
	if err != nil || len(ids) == 0 {
		msg := "id:in is required"
		if err != nil {
			msg = err.Error()
		}
		s.invalidParam(w, r, "id:in", msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		owner, ok := s.attributeValueOwner(id)
		if !ok || !s.customers.isListed(owner) {
			continue
		}
		c := s.customerRecord(owner)
		k := slices.IndexFunc(c.Attributes, func(v attributeValue) bool { return v.ID == id })
		if k < 0 {
			continue
		}
		copied := *c
		copied.Attributes = slices.Delete(slices.Clone(c.Attributes), k, k+1)
		s.custOver[owner] = &copied
		delete(s.attrValueOwner, id)
	}
	w.WriteHeader(http.StatusNoContent)
}
