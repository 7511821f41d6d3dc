package resource

import (
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// APICall is a recorded request to BigCommerce or Dotdigital, redacted when it was recorded. Headers
// and bodies are present only when one call is asked for.
type APICall struct {
	ID              int64       `json:"id"`
	RunID           int64       `json:"run_id"`
	API             string      `json:"api"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Status          int         `json:"status"` // 0: no response (see error)
	Error           string      `json:"error,omitempty"`
	DurationMS      int64       `json:"duration_ms"`
	StartedAt       time.Time   `json:"started_at"`
	RequestHeaders  http.Header `json:"request_headers,omitempty"`
	RequestBody     string      `json:"request_body,omitempty"`
	ResponseHeaders http.Header `json:"response_headers,omitempty"`
	ResponseBody    string      `json:"response_body,omitempty"`
	Truncated       bool        `json:"truncated,omitempty"`
}

// NewAPICall converts a recorded call.
func NewAPICall(c store.APICall) APICall {
	return APICall{ID: c.ID, RunID: c.RunID, API: c.API, Method: c.Method, URL: c.URL, Status: c.Status, Error: c.Error,
		DurationMS: c.Duration.Milliseconds(), StartedAt: c.StartedAt, RequestHeaders: nonEmpty(c.RequestHeaders), RequestBody: c.RequestBody,
		ResponseHeaders: nonEmpty(c.ResponseHeaders), ResponseBody: c.ResponseBody, Truncated: c.Truncated}
}

func nonEmpty(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	return h
}
