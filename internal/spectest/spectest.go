// Package spectest checks HTTP exchanges against the official OpenAPI descriptions of BigCommerce and
// Dotdigital. Tests wrap a client's transport with Validator.Transport, so every request a client sends
// and every response an emulator gives is held to the published contract.
//
// The descriptions are never part of this repository: they are read from $BCSYNC_SPECS or from
// ../shared/specs beside the checkout. Without them a test skips, except in CI (CI=true), where it fails.
package spectest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Files lists, per API, the description files to load, most specific first: when several files
// describe the same operation, the first one wins.
var Files = map[string][]string{
	"bigcommerce": {
		"customers.v3.yml", "subscribers.v3.yml", "orders.v2.oas2.yml", "products_catalog.v3.yml",
		"carts.v3.yml", "abandoned_carts.v3.yml", "webhooks.v3.yml", "store_information.v2.yml",
	},
	"dotdigital": {
		"dotdigital-contacts-service.json", "dotdigital-insight-data-service.json", "dotdigital-v2-api-swagger.json",
		"programs.yaml", "accounts-and-utilities.yaml", "Dotdigital-dotdigital-lists-address-books-2.0.0-resolved.yaml",
		"Dotdigital-dotdigital-email-contacts-2.0.0-resolved.yaml", "Dotdigital-dotdigital-contact-data-fields-2.0.0-resolved-1.yaml",
		"Dotdigital-dotdigital-insight-and-transactional-data-2.0.0-resolved.yaml",
	},
}

// Dir returns the directory holding the description files of api, or skips (fails in CI) the test.
func Dir(t testing.TB, api string) string {
	t.Helper()
	dir, err := find(api)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("spectest: %v (CI=true: the official specs must be present)", err)
		}
		t.Skipf("spectest: %v; set BCSYNC_SPECS to the shared/specs directory to run this test", err)
	}
	return dir
}

func find(api string) (string, error) {
	if d := os.Getenv("BCSYNC_SPECS"); d != "" {
		p := filepath.Join(d, api)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("BCSYNC_SPECS=%s has no %s directory", d, api)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "specs", api)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("no %s specs at %s", api, p)
			}
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above " + wd)
		}
	}
}

// Validator holds the operations of one API's description files.
type Validator struct {
	api     string
	routes  []route
	checked atomic.Int64
}

type route struct {
	doc      *openapi3.T
	file     string
	template string // full path template, server path included
	re       *regexp.Regexp
	params   []string
	literals int
	pathItem *openapi3.PathItem
	jsonV2   bool // OpenAPI 3.1: JSON Schema 2020-12 semantics
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Validator{}
)

// Load returns the validator of api ("bigcommerce" or "dotdigital"), loading its files once per process.
func Load(t testing.TB, api string) *Validator {
	t.Helper()
	dir := Dir(t, api)
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if v, ok := cache[dir]; ok {
		return v
	}
	v, err := load(api, dir)
	if err != nil {
		t.Fatalf("spectest: %v", err)
	}
	cache[dir] = v
	return v
}

func load(api, dir string) (*Validator, error) {
	files, ok := Files[api]
	if !ok {
		return nil, fmt.Errorf("unknown API %q", api)
	}
	v := &Validator{api: api}
	for _, name := range files {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		base := ""
		if len(doc.Servers) > 0 {
			if u, err := url.Parse(doc.Servers[0].URL); err == nil {
				base = strings.TrimSuffix(u.Path, "/")
			}
		}
		for path, item := range doc.Paths.Map() {
			full := base + path
			re, params, literals := compile(full)
			v.routes = append(v.routes, route{doc: doc, file: name, template: full, re: re, params: params, literals: literals,
				pathItem: item, jsonV2: strings.HasPrefix(doc.OpenAPI, "3.1")})
		}
	}
	return v, nil
}

var paramRe = regexp.MustCompile(`\{[^}]+\}`)

// compile turns "/stores/{store_hash}/v3/customers/{id}" into a regexp, its parameter names and the
// number of literal segments (more literals = more specific).
func compile(tmpl string) (*regexp.Regexp, []string, int) {
	var params []string
	literals := 0
	for seg := range strings.SplitSeq(strings.Trim(tmpl, "/"), "/") {
		if !paramRe.MatchString(seg) {
			literals++
		}
	}
	for _, m := range paramRe.FindAllString(tmpl, -1) {
		params = append(params, strings.Trim(m, "{}"))
	}
	pattern := strings.ReplaceAll(regexp.QuoteMeta(tmpl), `\{`, "{")
	pattern = strings.ReplaceAll(pattern, `\}`, "}")
	pattern = paramRe.ReplaceAllString(pattern, `([^/]+)`)
	return regexp.MustCompile("^" + pattern + "/?$"), params, literals
}

// find returns the operation serving method and path: first by file order, then the most literal template.
func (v *Validator) find(method, path string) (*route, *openapi3.Operation, map[string]string) {
	var best *route
	var bestOp *openapi3.Operation
	var bestParams map[string]string
	bestFile := -1
	for i := range v.routes {
		r := &v.routes[i]
		m := r.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := r.pathItem.GetOperation(method)
		if op == nil {
			continue
		}
		fileRank := slices.Index(Files[v.api], r.file)
		if best != nil && (fileRank > bestFile || (fileRank == bestFile && r.literals <= best.literals)) {
			continue
		}
		params := map[string]string{}
		for j, name := range r.params {
			params[name], _ = url.PathUnescape(m[j+1])
		}
		best, bestOp, bestParams, bestFile = r, op, params, fileRank
	}
	return best, bestOp, bestParams
}

// Checked is the number of exchanges validated so far, so tests can show they validated something.
func (v *Validator) Checked() int64 { return v.checked.Load() }

// Check validates one exchange. Responses with status 429 or 5xx (throttling and injected faults) and
// paths under /_emulator are not part of the contract and are not checked; resp may be nil.
func (v *Validator) Check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	path := req.URL.Path
	if strings.HasPrefix(path, "/_emulator") {
		return nil
	}
	r, op, params := v.find(req.Method, path)
	if r == nil {
		return fmt.Errorf("%s %s: no operation in the %s description files", req.Method, path, v.api)
	}
	opts := &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: authenticate,
	}
	if r.jsonV2 {
		opts.SchemaValidationOptions = []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}
	}
	rq := req.Clone(context.Background())
	rq.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{
		Request:    rq,
		PathParams: params,
		Route:      &routers.Route{Spec: r.doc, Path: r.template, PathItem: r.pathItem, Method: req.Method, Operation: op},
		Options:    opts,
	}
	var errs []error
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		errs = append(errs, fmt.Errorf("request: %w", err))
	}
	if resp != nil && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		ropts := *opts
		ropts.IncludeResponseStatus = true
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Body:                   io.NopCloser(bytes.NewReader(respBody)),
			Options:                &ropts,
		}
		if len(respBody) == 0 {
			ropts.ExcludeResponseBody = true
		}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			errs = append(errs, fmt.Errorf("response %d: %w", resp.StatusCode, err))
		}
	}
	v.checked.Add(1)
	if len(errs) > 0 {
		return fmt.Errorf("%s %s (%s %s): %w", req.Method, req.URL.RequestURI(), r.file, r.template, errors.Join(errs...))
	}
	return nil
}

// authenticate accepts a request that carries the credential its security scheme names; the emulator,
// not the description, decides whether the credential is right.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	req := in.RequestValidationInput.Request
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if req.Header.Get(s.Name) == "" {
			return fmt.Errorf("missing %s header", s.Name)
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		if _, _, ok := req.BasicAuth(); !ok {
			return errors.New("missing basic authorization")
		}
	}
	return nil
}

// Transport returns a RoundTripper that validates every exchange through base (http.DefaultTransport
// when nil) and reports mismatches with t.Errorf.
func (v *Validator) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	return Observe(base, func(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
		if err := v.Check(req, reqBody, resp, respBody); err != nil {
			t.Errorf("spectest: %v", err)
		}
	})
}

// Observe returns a RoundTripper that hands every complete exchange through base (http.DefaultTransport
// when nil) to check, bodies included. Bodies that cannot be read whole (a truncated response) are
// passed on unchecked, with the read error, for the client to handle.
func Observe(base http.RoundTripper, check func(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var reqBody []byte
		if req.Body != nil && req.GetBody != nil {
			if b, err := req.GetBody(); err == nil {
				reqBody, _ = io.ReadAll(b)
				b.Close()
			}
		}
		resp, err := base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
			return resp, nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		check(req, reqBody, resp, body)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Schema returns a named component schema of one description file, to validate payloads that are not
// exchanges of the API itself (webhook callbacks).
func (v *Validator) Schema(file, name string) (*openapi3.Schema, error) {
	for _, r := range v.routes {
		if r.file != file {
			continue
		}
		if r.doc.Components == nil {
			break
		}
		if s, ok := r.doc.Components.Schemas[name]; ok && s.Value != nil {
			return s.Value, nil
		}
		break
	}
	return nil, fmt.Errorf("no schema %s in %s", name, file)
}
