package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
)

const statusCodesType = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

// isV2 tells the dialect of a request: v2 answers errors as [{status, message}], v3 as
// {status, title, type, errors}.
func isV2(r *http.Request) bool { return strings.Contains(r.URL.Path, "/v2/") }

// writeError answers an error in the request's dialect. fields, when not empty, are per-field messages:
// v3 puts them in "errors", v2 gives one array element each.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, title string, fields map[string]string) {
	if isV2(r) {
		type v2err struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		}
		body := []v2err{}
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			body = append(body, v2err{status, fields[k]})
		}
		if len(body) == 0 {
			body = append(body, v2err{status, title})
		}
		writeJSON(w, status, body)
		return
	}
	body := struct {
		Status int               `json:"status"`
		Title  string            `json:"title"`
		Type   string            `json:"type"`
		Errors map[string]string `json:"errors,omitempty"`
	}{status, title, statusCodesType, fields}
	writeJSON(w, status, body)
}

// writeStatusError is the error body of an injected fault. (An injected 429 carries no rate-limit
// headers, as when the platform, not the store's quota, is overloaded.)
func (s *Server) writeStatusError(w http.ResponseWriter, r *http.Request, status int) {
	s.writeError(w, r, status, http.StatusText(status), nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// maxBody bounds request bodies; BigCommerce refuses large bodies too.
const maxBody = 4 << 20

// decodeBody reads a JSON request body into v, answering itself when it cannot: 400 for what is not
// JSON (or is followed by more), and for a body not of its operation's shape (writeProps, value types)
// v3 422 / v2 400 naming the properties.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, "The request body is too large.", nil)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("there is data after the JSON value")
		}
	}
	if err != nil {
		if fields, ok := typeProblem(err); ok {
			s.refuseShape(w, r, fields)
			return false
		}
		s.writeError(w, r, http.StatusBadRequest, "The request body is not valid JSON: "+err.Error(), nil)
		return false
	}
	if allowed, ok := writeProps[routeOf(r)]; ok {
		if unknown := unknownProps(body, allowed); len(unknown) > 0 {
			s.refuseShape(w, r, unknown)
			return false
		}
	}
	return true
}
