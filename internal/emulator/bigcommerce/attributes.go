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
	out := attributeList{Data: append([]attributeDef{}, match[from:min(from+limit, len(match))]...)}
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
