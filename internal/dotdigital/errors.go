package dotdigital

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Sentinel errors. Errors from the API are *APIError values that match these with errors.Is.
var (
	ErrUnauthorized = errors.New("dotdigital: the API user name or password is wrong (401)")
	// ErrWrongRegion is a 403: Dotdigital answers "Forbidden: Access is denied" to calls made to another
	// region's endpoint. The same status also means the API user lacks a permission (e.g. Programs).
	ErrWrongRegion                = errors.New("dotdigital: access denied (403): the endpoint is not the account's region, or the API user lacks the permission")
	ErrNotFound                   = errors.New("dotdigital: not found")
	ErrDuplicate                  = errors.New("dotdigital: already exists")
	ErrInvalid                    = errors.New("dotdigital: invalid request")
	ErrRateLimited                = errors.New("dotdigital: rate limited")
	ErrTooManyActiveImports       = errors.New("dotdigital: too many active imports")
	ErrProgramNotActive           = errors.New("dotdigital: the program is not active")
	ErrEnrolmentAllowanceExceeded = errors.New("dotdigital: the program enrolment allowance is exceeded")
	ErrRequestTooLarge            = errors.New("dotdigital: the request body is too large")
	ErrCollectionLimit            = errors.New("dotdigital: the account has the maximum number of Insight collections")
	ErrServer                     = errors.New("dotdigital: server error")

	// ErrInvalidRecord is a record the client refuses before sending it (see RecordError).
	ErrInvalidRecord = errors.New("dotdigital: invalid record")
	// ErrImportFailed is an import that reached a final status other than success.
	ErrImportFailed = errors.New("dotdigital: import failed")
	// ErrMaybeApplied is a write that adds data (an import with consent records) whose outcome a lost or
	// cut answer left unknown: it was not sent again, so that nothing is added twice.
	ErrMaybeApplied = errors.New("dotdigital: the outcome of the write is unknown")
	// ErrImporterClosed is returned by Add after Close.
	ErrImporterClosed = errors.New("dotdigital: importer closed")
)

// APIError is an error answer of the API, in either of its dialects: v2 answers
// {"message": "<text> ERROR_CODE"}, v3 answers {"errorCode": "service:code", "description", "details"}.
type APIError struct {
	Status  int
	Code    string // "ERROR_ADDRESSBOOK_DUPLICATE" (v2) or "contacts:tooManyActiveImports" (v3); may be empty
	Message string
	Details []Detail
	Method  string
	Path    string
	// RateLimit is what the X-RateLimit-* headers said (on 429 in particular).
	RateLimit RateLimit
}

// Detail is one item of a v3 error's details.
type Detail struct {
	Item        string `json:"item"`
	Description string `json:"description"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dotdigital: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" && e.Message != e.Code {
		b.WriteString(": " + e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, " [%s: %s]", d.Item, d.Description)
	}
	if e.Status == 429 && !e.RateLimit.Reset.IsZero() {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter().Round(time.Second))
	}
	return b.String()
}

// RetryAfter is how long the answer asked the client to wait (0 when it did not say).
func (e *APIError) RetryAfter() time.Duration {
	if e.RateLimit.Reset.IsZero() {
		return 0
	}
	return max(0, time.Until(e.RateLimit.Reset))
}

// Is maps the answer to the sentinel errors.
func (e *APIError) Is(target error) bool {
	code := strings.ToLower(e.Code)
	switch target {
	case ErrUnauthorized:
		return e.Status == 401
	case ErrWrongRegion:
		return e.Status == 403
	case ErrNotFound:
		return e.Status == 404 || code == "error_contact_not_found" || strings.HasSuffix(code, "_not_found") ||
			strings.HasSuffix(code, "notfound")
	case ErrDuplicate:
		return code == "error_addressbook_duplicate" || code == "error_non_unique_datafield" || strings.HasSuffix(code, ":idalreadyexists")
	case ErrInvalid:
		return e.Status == 400 || e.Status == 422
	case ErrTooManyActiveImports:
		return strings.HasSuffix(code, "toomanyactiveimports")
	case ErrRateLimited:
		return e.Status == 429 && !strings.HasSuffix(code, "toomanyactiveimports")
	case ErrProgramNotActive:
		return code == "error_program_not_active"
	case ErrEnrolmentAllowanceExceeded:
		return code == "error_enrolment_allowance_exceeded"
	case ErrRequestTooLarge:
		return e.Status == 413
	case ErrCollectionLimit:
		return e.Status == 412
	case ErrServer:
		return e.Status >= 500
	}
	return false
}

var v2Code = regexp.MustCompile(`\bERROR_[A-Z0-9_]+\b`)

// parseError reads an error answer of either dialect. A body in neither keeps its text as the message.
func parseError(status int, method, path string, body []byte, rl RateLimit) *APIError {
	e := &APIError{Status: status, Method: method, Path: path, RateLimit: rl}
	var v struct {
		Message     string   `json:"message"`
		ErrorCode   string   `json:"errorCode"`
		Description string   `json:"description"`
		Details     []Detail `json:"details"`
	}
	switch {
	case json.Unmarshal(body, &v) == nil && v.ErrorCode != "":
		e.Code, e.Message, e.Details = v.ErrorCode, v.Description, v.Details
	case v.Message != "":
		e.Message = v.Message
		if codes := v2Code.FindAllString(v.Message, -1); len(codes) > 0 {
			e.Code = codes[len(codes)-1]
		}
	default:
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "…"
		}
	}
	return e
}

// RecordError is a record the client refused before sending: the API would refuse it too.
type RecordError struct {
	Key    string // the contact's email or the Insight record's key
	Reason string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("dotdigital: record %q: %s", e.Key, e.Reason)
}

func (e *RecordError) Is(target error) bool { return target == ErrInvalidRecord }

// ImportFailedError is an import that Dotdigital accepted and then failed.
type ImportFailedError struct {
	Kind     string // "contacts" or "insight"
	ImportID string
	Status   string // e.g. Failed, RejectedByWatchdog, ExceedsAllowedContactLimit
}

func (e *ImportFailedError) Error() string {
	return fmt.Sprintf("dotdigital: %s import %s ended with status %s", e.Kind, e.ImportID, e.Status)
}

func (e *ImportFailedError) Is(target error) bool { return target == ErrImportFailed }
