// Package apicall records the HTTP exchanges bcsync makes with the APIs it syncs, with secrets redacted.
// The live debugger and the metrics both hang on its Observer. Both clients also share its retry Backoff.
package apicall

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// The APIs bcsync calls, by the name Transport.API and Call.API give each.
const (
	BigCommerce = "bigcommerce"
	Dotdigital  = "dotdigital"
)

// API is one API bcsync calls.
type API struct {
	Name  string // as in Call.API, filters (?api=) and metric labels
	Title string // as people know it
}

// APIs are every API bcsync calls, in the order filters and messages list them. Adding an API is adding
// a line here: the debugger's filter, the JSON API's ?api= and the metrics take it from this list.
var APIs = []API{
	{BigCommerce, "BigCommerce"},
	{Dotdigital, "Dotdigital"},
	// Alert channels (internal/notify): their deliveries show in the debugger of the sync they are about.
	{"slack", "Slack"},
	{"pagerduty", "PagerDuty"},
	{"twilio", "Twilio"},
	{"email", "Email"},
	{"webhook", "Webhook"},
}

// Known reports whether name is the name of one of APIs.
func Known(name string) bool {
	return slices.ContainsFunc(APIs, func(a API) bool { return a.Name == name })
}

// Title is the name people know an API by; name itself for an API not in APIs.
func Title(name string) string {
	if i := slices.IndexFunc(APIs, func(a API) bool { return a.Name == name }); i >= 0 {
		return APIs[i].Title
	}
	return name
}

// Call is one HTTP exchange (one attempt: a retried request is several calls).
type Call struct {
	API            string // one of APIs: BigCommerce, Dotdigital
	Method         string
	URL            string // redacted
	Path           string // URL path, without the query
	Status         int    // 0 when no response arrived
	Err            string // transport or body-read error, redacted
	Started        time.Time
	Duration       time.Duration // until the response body was read and closed
	RequestHeader  http.Header   // redacted
	ResponseHeader http.Header   // redacted
	RequestBody    []byte        // redacted, at most MaxBody bytes
	ResponseBody   []byte        // redacted, at most MaxBody bytes
	RequestSize    int64         // bytes actually sent
	ResponseSize   int64         // bytes actually received
	Truncated      bool          // a body was longer than MaxBody
}

// MaxBody bounds how much of each body a Call keeps, so a 50 MB import does not sit in the debugger.
const MaxBody = 64 << 10

// Observer sees every call. ObserveCall runs on the request's goroutine: keep it quick.
type Observer interface {
	ObserveCall(ctx context.Context, c *Call)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, c *Call)

func (f ObserverFunc) ObserveCall(ctx context.Context, c *Call) { f(ctx, c) }

// Observers fans a call out to several observers; nil entries are skipped.
type Observers []Observer

func (os Observers) ObserveCall(ctx context.Context, c *Call) {
	for _, o := range os {
		if o != nil {
			o.ObserveCall(ctx, c)
		}
	}
}

type scopeKey struct{}

// Scope ties calls to what bcsync was doing: the sync and its run (0 outside a run).
type Scope struct {
	SyncID int64
	RunID  int64
}

// WithScope returns a context whose calls are attributed to s.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope of a call's context.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}
