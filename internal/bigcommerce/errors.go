package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Errors to test for with errors.Is. An *APIError matches the one its status stands for.
var (
	// ErrUnauthorized: the access token is wrong or was revoked (401).
	ErrUnauthorized = errors.New("bigcommerce: the access token was refused (401): check it, or create a new store-level API account")
	// ErrForbidden: the API account lacks a scope the request needs (403).
	ErrForbidden = errors.New("bigcommerce: the API account lacks a scope this request needs (403)")
	// ErrStoreNotFound: no store has the hash of the API path (404 on the store itself).
	ErrStoreNotFound = errors.New("bigcommerce: no store has this hash (404): check the API path")
	// ErrNotFound: the record does not exist (404).
	ErrNotFound = errors.New("bigcommerce: not found (404)")
	// ErrConflict: the write clashes with another record, e.g. a subscriber email in use (409).
	ErrConflict = errors.New("bigcommerce: conflict (409)")
	// ErrInvalid: the store refused the data (400 or 422); APIError.Errors says which fields.
	ErrInvalid = errors.New("bigcommerce: invalid data (400/422)")
	// ErrTooLarge: a batch or a page was larger than BigCommerce allows (413).
	ErrTooLarge = errors.New("bigcommerce: too many items in one request (413)")
	// ErrRateLimited: the store kept answering 429 until the retries ran out.
	ErrRateLimited = errors.New("bigcommerce: rate limited (429)")
	// ErrUnsafe: the client refused to send a request that could destroy data, e.g. a DELETE of
	// every subscriber, or an argument was out of range.
	ErrUnsafe = errors.New("bigcommerce: refused to send an unsafe or malformed request")
	// ErrMaybeApplied: a write that is not safe to repeat failed in a way that leaves its outcome unknown
	// (a dropped connection, a cut response, a 5xx). Read the record back before trying again.
	ErrMaybeApplied = errors.New("bigcommerce: the write may or may not have been applied")
)

// APIError is a non-2xx answer, with the body parsed from either dialect: v3
// {status, title, type, errors{field: message}} or v2 [{status, message}].
type APIError struct {
	Method string
	Path   string // URL path, without the query
	Status int

	Title    string            // v3 title
	Type     string            // v3 type (a documentation link)
	Errors   map[string]string // v3 per-field messages
	Messages []string          // v2 messages, one per element

	storeMissing bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bigcommerce: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Title != "" {
		b.WriteString(": " + e.Title)
	}
	if len(e.Messages) > 0 {
		b.WriteString(": " + strings.Join(e.Messages, "; "))
	}
	if len(e.Errors) > 0 {
		keys := make([]string, 0, len(e.Errors))
		for k := range e.Errors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			sep := "; "
			if i == 0 {
				sep = " ("
			}
			fmt.Fprintf(&b, "%s%s: %s", sep, k, e.Errors[k])
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is lets errors.Is match an APIError to the sentinel of its status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrStoreNotFound:
		return e.Status == http.StatusNotFound && e.storeMissing
	case ErrNotFound:
		return e.Status == http.StatusNotFound && !e.storeMissing
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrInvalid:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case ErrTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// parseError reads an error body of either dialect. A body that is neither is kept as a message.
func parseError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
	case body[0] == '[':
		var v2 []struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &v2) == nil {
			for _, m := range v2 {
				e.Messages = append(e.Messages, m.Message)
			}
		}
	case body[0] == '{':
		var v3 struct {
			Title  string                     `json:"title"`
			Type   string                     `json:"type"`
			Errors map[string]json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(body, &v3) == nil {
			e.Title, e.Type = v3.Title, v3.Type
			for k, raw := range v3.Errors {
				if e.Errors == nil {
					e.Errors = map[string]string{}
				}
				var s string
				if json.Unmarshal(raw, &s) != nil {
					s = string(raw) // subscribers' errors may hold any JSON
				}
				e.Errors[k] = s
			}
		}
	default:
		msg := string(body)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		e.Messages = []string{msg}
	}
	// BigCommerce answers 404 for an unknown store hash; the store endpoint itself always exists, and
	// the answer may say so.
	if status == http.StatusNotFound {
		text := strings.ToLower(e.Title + " " + strings.Join(e.Messages, " "))
		e.storeMissing = strings.HasSuffix(path, "/v2/store") || strings.Contains(text, "store not found")
	}
	return e
}
