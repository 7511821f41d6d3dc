package dotdigital

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dataFieldName is Dotdigital's rule for contact data field names: up to 20 letters, digits, '_' and '-'.
var dataFieldName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

var dataFieldTypes = []string{"String", "Numeric", "Date", "Boolean"}

func (s *Server) listDataFields(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	out := make([]dataField, 0, len(s.st.fields))
	for _, f := range s.st.fields {
		out = append(out, *f)
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createDataField(w http.ResponseWriter, r *http.Request) {
	var in dataField
	if !s.decodeBody(w, r, &in) {
		return
	}
	if !dataFieldName.MatchString(in.Name) {
		writeV2Error(w, http.StatusBadRequest, "Data field names must be 1 to 20 characters of A-Z, a-z, 0-9, '_' or '-'. ERROR_DATAFIELD_INVALID")
		return
	}
	typ := ""
	for _, t := range dataFieldTypes {
		if strings.EqualFold(in.Type, t) {
			typ = t
		}
	}
	if typ == "" {
		writeV2Error(w, http.StatusBadRequest, "The data field type must be String, Numeric, Date or Boolean. ERROR_DATAFIELD_INVALID")
		return
	}
	visibility := "Private"
	if strings.EqualFold(in.Visibility, "Public") {
		visibility = "Public"
	}
	def, err := coerceField(typ, in.DefaultValue)
	if err != nil {
		writeV2Error(w, http.StatusBadRequest, "The default value does not match the data field type. ERROR_DATAFIELD_INVALID")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	name := strings.ToUpper(in.Name)
	if s.st.fieldByName[name] != nil {
		writeV2Error(w, http.StatusBadRequest, "Field already exists. ERROR_NON_UNIQUE_DATAFIELD")
		return
	}
	f := s.st.addField(dataField{Name: name, Type: typ, Visibility: visibility, DefaultValue: def})
	writeJSON(w, http.StatusCreated, f)
}

// coerceField checks a value against a data field type and returns it in its stored form. nil clears a
// field. Numbers and booleans may come as strings, as they do from CSV-minded clients.
func coerceField(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "String":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "Numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
	case "Boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, nil
			}
		}
	case "Date":
		if s, ok := v.(string); ok {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
					return t.UTC().Format("2006-01-02T15:04:05Z"), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("value %v is not a %s", v, typ)
}
