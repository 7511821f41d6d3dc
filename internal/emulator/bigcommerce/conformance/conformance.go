// Package conformance holds BigCommerce exchanges to the official OpenAPI descriptions in tests, less
// a short list of exceptions where the descriptions are wrong or silent about what the real API does.
// The client's tests and the emulator's tests share it, so the exceptions are written down once.
package conformance

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/bcsync/bcsync/internal/spectest"
)

// Exception excuses one kind of validation finding. Every field that is set must match.
type Exception struct {
	Method  string         // "" for any
	Path    *regexp.Regexp // matched against the path after /stores/{store_hash}
	Status  int            // response status; 0 for any
	Finding string         // a substring of the finding
	Why     string
}

var (
	subscribers = regexp.MustCompile(`^/v3/customers/subscribers$`)
	orders      = regexp.MustCompile(`^/v2/orders$`)
	v2List      = regexp.MustCompile(`^/v2/orders(/\d+/(products|coupons))?$`)
	anyPath     = regexp.MustCompile(`.`)
	listPaths   = regexp.MustCompile(`^/v[23]/(customers|customers/subscribers|orders|orders/\d+/(products|coupons)|catalog/products|hooks)$`)
)

// Exceptions lists every place where bcsync follows the real API rather than the description.
var Exceptions = []Exception{
	{Method: "GET", Path: subscribers, Finding: `parameter "id" in query has an error: value is required but missing`,
		Why: "subscribers.v3.yml marks the id filter of the subscriber list as required; a list needs no id."},
	{Method: "GET", Path: subscribers, Finding: `parameter "id:in" in query has an error`,
		Why: "subscribers.v3.yml declares id:in with the default exploded form (id:in=1&id:in=2); BigCommerce's :in " +
			"filters take comma-separated values, as customers.v3.yml declares them (explode: false)."},
	{Method: "GET", Path: orders, Finding: `parameter "sort" in query has an error: value is not one of the allowed values`,
		Why: "orders.v2.oas2.yml's sort enum lists fields only, while its own description says to append :asc or :desc."},
	{Method: "GET", Path: v2List, Status: http.StatusNoContent, Finding: "status is not supported",
		Why: "v2 lists answer an empty page with 204 and no body (status-codes page; every client surveyed relies on it); the description lists only 200."},
	{Method: "GET", Path: regexp.MustCompile(`^/v3/hooks$`), Status: http.StatusOK, Finding: `Error at "/data": minimum number of items is 1`,
		Why: "webhooks.v3.yml gives the hook list minItems 1; a store without hooks answers an empty list."},
	{Method: "GET", Path: listPaths, Status: http.StatusRequestEntityTooLarge, Finding: "status is not supported",
		Why: "a limit above 250 is answered 413 (status-codes page: 'the limit parameter exceeded the maximum'); the list descriptions omit it."},
	{Path: anyPath, Status: http.StatusUnauthorized, Finding: "status is not supported",
		Why: "most operations do not describe 401 (a wrong token), which every endpoint answers (status-codes page)."},
	{Path: anyPath, Status: http.StatusForbidden, Finding: "status is not supported",
		Why: "no operation describes 403 (a missing scope), which every scoped endpoint answers (status-codes page)."},
	{Path: anyPath, Status: http.StatusNotFound, Finding: "status is not supported",
		Why: "404 for an unknown store hash or an unknown id is described on some operations only (status-codes page)."},
	{Method: "PUT", Path: regexp.MustCompile(`^/v3/customers/(attribute-values|form-field-values)$`), Status: http.StatusRequestEntityTooLarge, Finding: "status is not supported",
		Why: "more customers in one upsert than allowed (attribute values: 'Limit of 10 customers per call') is answered 413, as for /customers; the operations do not describe it."},
	{Path: regexp.MustCompile(`^/v3/customers/metafields$`), Status: http.StatusRequestEntityTooLarge, Finding: "status is not supported",
		Why: "the batch metafield endpoints describe no limit; the emulator keeps 10 items a request and answers 413 above, as the other customer batch endpoints do."},
	{Method: "PUT", Path: regexp.MustCompile(`^/v3/customers/\d+/metafields/\d+$`), Finding: "status is not supported",
		Why: "updateCustomerMetafield describes 200, 400 and 404 only; an invalid metafield is answered 422 and a namespace and key taken on the customer 409, as createCustomerMetafields describes them."},
	{Method: "POST", Path: orders, Status: http.StatusBadRequest, Finding: "status is not supported",
		Why: "v2 answers invalid order bodies 400 with [{status, message}]; createOrder describes only 200."},
	{Method: "PUT", Path: regexp.MustCompile(`^/v2/orders/\d+$`), Status: http.StatusBadRequest, Finding: "status is not supported",
		Why: "v2 answers invalid order bodies 400 with [{status, message}]; updateOrder describes only 200."},
}

var storePrefix = regexp.MustCompile(`^/stores/[^/]+`)

// excused reports whether an exception covers a finding of an exchange.
func excused(method, path string, status int, finding string) bool {
	path = storePrefix.ReplaceAllString(path, "")
	for _, e := range Exceptions {
		if (e.Method == "" || e.Method == method) && e.Path.MatchString(path) &&
			(e.Status == 0 || e.Status == status) && strings.Contains(finding, e.Finding) {
			return true
		}
	}
	return false
}

// Findings splits a spectest error into its separate findings and drops the excused ones.
func Findings(req *http.Request, status int, err error) []string {
	if err == nil {
		return nil
	}
	var parts []error
	if joined, ok := errors.Unwrap(err).(interface{ Unwrap() []error }); ok {
		parts = joined.Unwrap()
	} else {
		parts = []error{err}
	}
	var out []string
	for _, part := range parts {
		items := []error{part}
		var me openapi3.MultiError
		if errors.As(part, &me) {
			items = me
		}
		for _, item := range items {
			if !excused(req.Method, req.URL.Path, status, item.Error()) {
				out = append(out, item.Error())
			}
		}
	}
	return out
}

// Validator checks exchanges against the descriptions, with the exceptions applied.
type Validator struct {
	*spectest.Validator
}

// Load returns the validator, or skips the test (fails it in CI) when the descriptions are absent.
func Load(t testing.TB) *Validator {
	t.Helper()
	return &Validator{spectest.Load(t, "bigcommerce")}
}

// Transport validates every exchange through base (http.DefaultTransport when nil) and reports
// unexcused findings with t.Errorf. Bodies that cannot be read whole (a truncated response) pass
// through unchecked, with their read error, for the client to handle.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	return spectest.Observe(base, func(req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
		if findings := Findings(req, resp.StatusCode, v.Check(req, reqBody, resp, body)); len(findings) > 0 {
			t.Errorf("spec: %s %s → %d:\n  %s", req.Method, req.URL.RequestURI(), resp.StatusCode, strings.Join(findings, "\n  "))
		}
	})
}
