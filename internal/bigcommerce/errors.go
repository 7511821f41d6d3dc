package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
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

	// Records holds the messages of a refused batch by record, when the answer names its records:
	// keys such as "0.email", "[0].email" or "0/email" become Records[0]["email"]. It is nil when the
	// answer does not say which records were bad (e.g. {"email": "… already in use"}, or
	// {".customer_create": "Error creating customers"}): then only sending the records apart can tell.
	Records map[int]map[string]string

	// Body is the raw answer (at most 64 KiB), for bodies that are more than an error: the batch
	// metafield endpoints answer 422 with the records they did write beside the ones they refused.
	Body []byte

	storeMissing bool
}

// NamesRecords reports whether the answer said which records of a batch it refused.
func (e *APIError) NamesRecords() bool { return len(e.Records) > 0 }

// record is the error of record k of a batch that named its records: the same answer, with only that
// record's messages, keyed by field.
func (e *APIError) record(k int) *APIError {
	r := *e
	r.Errors, r.Records = e.Records[k], nil
	return &r
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
			if k == "" { // a record's message without a field (a batch's "3": "…")
				fmt.Fprintf(&b, "%s%s", sep, e.Errors[k])
			} else {
				fmt.Fprintf(&b, "%s%s: %s", sep, k, e.Errors[k])
			}
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
	if len(body) > 0 {
		e.Body = body
	}
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
			Title  string          `json:"title"`
			Type   string          `json:"type"`
			Errors json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(body, &v3) == nil {
			e.Title, e.Type = v3.Title, v3.Type
			e.addErrors(v3.Errors)
		}
	default:
		msg := string(body)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		e.Messages = []string{msg}
	}
	for k, msg := range e.Errors {
		if i, field, ok := recordKey(k); ok {
			if e.Records == nil {
				e.Records = map[int]map[string]string{}
			}
			if e.Records[i] == nil {
				e.Records[i] = map[string]string{}
			}
			e.Records[i][field] = msg
		}
	}
	// BigCommerce answers 404 for an unknown store hash; the store endpoint itself always exists, and
	// the answer may say so.
	if status == http.StatusNotFound {
		text := strings.ToLower(e.Title + " " + strings.Join(e.Messages, " "))
		e.storeMissing = strings.HasSuffix(path, "/v2/store") || strings.Contains(text, "store not found")
	}
	return e
}

// addErrors reads v3 "errors": an object of messages, or (the batch metafield endpoints' 422) an array
// of error objects, each with its own "errors" object and title.
func (e *APIError) addErrors(raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
	case raw[0] == '{':
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil {
			return
		}
		for k, v := range fields {
			if e.Errors == nil {
				e.Errors = map[string]string{}
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v) // subscribers' errors may hold any JSON
			}
			e.Errors[k] = s
		}
	case raw[0] == '[':
		var list []struct {
			Title  string          `json:"title"`
			Errors json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(raw, &list) != nil {
			return
		}
		for _, item := range list {
			if e.Title == "" {
				e.Title = item.Title
			}
			e.addErrors(item.Errors)
		}
	}
}

// recordKey reads the record index of an error key that names one: "3", "3.email", "[3].email",
// "3/email", "/3/email", "obj[3].email" or "(3).email". Keys that start with a field name
// ("email", "addresses.0.city") name no record.
func recordKey(key string) (index int, field string, ok bool) {
	m := recordKeyRe.FindStringSubmatch(key)
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	return n, m[2], true
}

var recordKeyRe = regexp.MustCompile(`^(?:obj)?/?[\[(]?(\d{1,6})[\])]?(?:[./](.*))?$`)
