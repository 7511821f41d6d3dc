// Package bigcommerce is bcsync's client of a BigCommerce store's REST API: typed records with exact
// money, streaming page iterators, batched writes with per-record results, pacing within a share of the
// store's rate limit, and safe retries. Every attempt is reported to an apicall.Observer.
package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/version"
)

// Credentials are what a store-level API account gives: the API path
// (https://api.bigcommerce.com/stores/{store_hash}/), a client id and an access token.
type Credentials struct {
	APIPath     string
	ClientID    string
	AccessToken string
}

// Config configures a Client. Only Credentials are required.
type Config struct {
	Credentials
	// BaseURL replaces the scheme and host of the API path, e.g. to talk to an emulator.
	BaseURL    string
	HTTPClient *http.Client // its Transport is wrapped to observe every attempt
	Observer   apicall.Observer
	// QuotaShare is the part of the store's rate-limit quota this client may use: all apps of a store
	// share its quota. Default 0.5. Ignored with a Pacer, which has its own.
	QuotaShare float64
	// Pacer paces this client together with every other client given the same Pacer (the other syncs
	// of the store). Nil: the client paces itself alone.
	Pacer  *Pacer
	Logger *slog.Logger

	// MaxAttempts bounds the attempts of one request that fails (5xx, timeout, cut body); default 8 (a
	// connection refused or not made: at most 3).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the waits between those attempts; defaults 500 ms and 30 s.
	BackoffBase, BackoffMax time.Duration
	// AttemptTimeout bounds one attempt, body included; default 60 s.
	AttemptTimeout time.Duration
	// Prefetch is how many pages a read may have in flight when the quota allows; default 4.
	Prefetch int
	// WriteConcurrency is how many writes may be in flight; default 3 (BigCommerce's limit for
	// customer updates).
	WriteConcurrency int
	// PageSize is the limit of each page; default and maximum 250.
	PageSize int
	// Secrets are further values to hide from the observer (e.g. an app's client secret).
	Secrets []string
}

// Client talks to one store. It is safe for concurrent use.
type Client struct {
	hash      string
	base      string // scheme://host/stores/{hash}/
	token     string
	http      *http.Client
	limiter   *limiter
	attempts  int // at most this many attempts per request that fails (quota waits aside)
	backoff   apicall.Backoff
	timeout   time.Duration
	log       *slog.Logger
	writes    chan struct{}
	prefetch  int
	pageSize  int
	userAgent string
}

// MaxPageSize is the largest page BigCommerce serves.
const MaxPageSize = 250

var storeHashRe = regexp.MustCompile(`^[a-z0-9]+$`)

// ParseAPIPath returns the store hash of an API path such as
// https://api.bigcommerce.com/stores/abc123/ (a trailing v2/ or v3/ is tolerated).
func ParseAPIPath(apiPath string) (hash string, err error) {
	_, hash, err = splitAPIPath(apiPath)
	return hash, err
}

func splitAPIPath(apiPath string) (*url.URL, string, error) {
	u, err := url.Parse(strings.TrimSpace(apiPath))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, "", fmt.Errorf("bigcommerce: API path %q is not a URL like https://api.bigcommerce.com/stores/abc123/", apiPath)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if n := len(parts); n == 3 && (parts[2] == "v2" || parts[2] == "v3") {
		parts = parts[:2]
	}
	if len(parts) != 2 || parts[0] != "stores" || !storeHashRe.MatchString(parts[1]) {
		return nil, "", fmt.Errorf("bigcommerce: API path %q does not end in /stores/{store_hash}/", apiPath)
	}
	return u, parts[1], nil
}

// New checks the configuration and builds a client. It makes no request: Store is the connection check.
func New(cfg Config) (*Client, error) {
	u, hash, err := splitAPIPath(cfg.APIPath)
	if err != nil {
		return nil, err
	}
	if cfg.AccessToken == "" {
		return nil, errors.New("bigcommerce: an access token is required")
	}
	origin := u.Scheme + "://" + u.Host
	if cfg.BaseURL != "" {
		b, err := url.Parse(cfg.BaseURL)
		if err != nil || b.Scheme == "" || b.Host == "" {
			return nil, fmt.Errorf("bigcommerce: base URL %q is not a URL", cfg.BaseURL)
		}
		origin = b.Scheme + "://" + b.Host
	}
	if cfg.QuotaShare <= 0 || cfg.QuotaShare > 1 {
		cfg.QuotaShare = 0.5
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxAttempts, 8)
	def(&cfg.Prefetch, 4)
	def(&cfg.WriteConcurrency, 3)
	def(&cfg.PageSize, MaxPageSize)
	cfg.PageSize = min(cfg.PageSize, MaxPageSize)
	defd(&cfg.BackoffBase, 500*time.Millisecond)
	defd(&cfg.BackoffMax, 30*time.Second)
	defd(&cfg.AttemptTimeout, time.Minute)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var base http.RoundTripper
	if cfg.HTTPClient != nil {
		base = cfg.HTTPClient.Transport
	}
	if base == nil {
		// The default keeps two idle connections per host; reads ahead and concurrent writes want more.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		base = t
	}
	secrets := append([]string{cfg.AccessToken}, cfg.Secrets...)
	hc := &http.Client{Transport: &apicall.Transport{
		API: apicall.BigCommerce, Base: base, Observer: cfg.Observer, Redactor: apicall.NewRedactor(secrets...),
	}}
	if cfg.HTTPClient != nil {
		hc.CheckRedirect, hc.Jar = cfg.HTTPClient.CheckRedirect, cfg.HTTPClient.Jar
	}
	return &Client{
		hash:      hash,
		base:      origin + "/stores/" + hash + "/",
		token:     cfg.AccessToken,
		http:      hc,
		limiter:   pacerOf(cfg).l,
		attempts:  cfg.MaxAttempts,
		backoff:   apicall.Backoff{Base: cfg.BackoffBase, Max: cfg.BackoffMax},
		timeout:   cfg.AttemptTimeout,
		log:       cfg.Logger,
		writes:    make(chan struct{}, cfg.WriteConcurrency),
		prefetch:  cfg.Prefetch,
		pageSize:  cfg.PageSize,
		userAgent: version.UserAgent(),
	}, nil
}

// StoreHash is the hash of the client's store.
func (c *Client) StoreHash() string { return c.hash }

// Requests is how many requests the client has sent, retries included.
func (c *Client) Requests() int {
	c.limiter.mu.Lock()
	defer c.limiter.mu.Unlock()
	return c.limiter.requests
}

// call is one API request.
type call struct {
	method string
	path   string // below the store, e.g. "v3/customers"
	query  url.Values
	body   any // encoded as JSON when not nil
}

// idempotent requests may be repeated after an unclear failure.
func (r call) idempotent() bool { return r.method != http.MethodPost }

// guard refuses requests that would destroy more than the caller can mean. BigCommerce deletes every
// subscriber on an unfiltered DELETE /v3/customers/subscribers and archives every order on
// DELETE /v2/orders; no bcsync code path builds either, and this check keeps it that way.
func (r call) guard() error {
	if r.method != http.MethodDelete {
		return nil
	}
	switch r.path {
	case "v3/customers/subscribers", "v2/orders", "v3/catalog/products", "v3/customers/addresses":
		return fmt.Errorf("%w: DELETE %s would delete every record", ErrUnsafe, r.path)
	case "v3/customers", "v3/customers/attributes", "v3/customers/attribute-values":
		if len(r.query["id:in"]) == 0 || r.query.Get("id:in") == "" {
			return fmt.Errorf("%w: DELETE %s needs id:in", ErrUnsafe, r.path)
		}
	case "v3/customers/metafields": // "Delete all customer metafields" unless the body lists ids
		if ids, ok := r.body.([]int); !ok || len(ids) == 0 {
			return fmt.Errorf("%w: DELETE %s needs a list of ids", ErrUnsafe, r.path)
		}
	}
	return nil
}

// do sends r, paced and retried by the rules in retry.go, and decodes a 2xx body into out (unless out
// is nil or the answer is 204). It returns the status of the last answer.
func (c *Client) do(ctx context.Context, r call, out any) (int, error) {
	if err := r.guard(); err != nil {
		return 0, err
	}
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return 0, fmt.Errorf("bigcommerce: encode %s %s: %w", r.method, r.path, err)
		}
	}
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + encodeQuery(r.query)
	}
	failures, throttles := 0, 0
	for {
		status, retryAfter, err := c.attempt(ctx, r, u, body, out)
		if err == nil {
			return status, nil
		}
		if r.method == http.MethodDelete && status == http.StatusNotFound && failures > 0 {
			// An earlier attempt whose answer was lost did the delete.
			return status, nil
		}
		var retry bool
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return status, ctx.Err()
		case status == http.StatusTooManyRequests && retryAfter > 0:
			// The limiter already holds every request until the reset.
			throttles++
			retry = throttles <= throttleRetries
		case status == http.StatusTooManyRequests:
			// No headers: the platform, not the store's quota, is overloaded. Back off.
			failures++
			retry, wait = failures < c.attempts, c.backoff.Wait(failures)
		case status == 0 && notSent(err):
			// A host that refuses or cannot be found is seldom back within seconds: a few quick tries,
			// then the run fails at once and the next one is scheduled with backoff.
			failures++
			retry, wait = failures < min(c.attempts, unreachableAttempts), c.backoff.Wait(failures)
		case status >= 500 || status == 0 || errors.Is(err, errCutBody):
			if !r.idempotent() {
				return status, fmt.Errorf("%w: %w", ErrMaybeApplied, err)
			}
			failures++
			retry, wait = failures < c.attempts, c.backoff.Wait(failures)
		}
		if !retry {
			return status, err
		}
		c.log.DebugContext(ctx, "bigcommerce: retrying", slog.String("method", r.method), slog.String("path", r.path),
			slog.Int("status", status), slog.Any("error", err), slog.Duration("wait", wait))
		if err := apicall.Sleep(ctx, wait); err != nil {
			return status, err
		}
	}
}

// errCutBody marks a 2xx answer whose body ended early or did not decode.
var errCutBody = errors.New("bigcommerce: the response body was cut short")

// attempt makes one paced request. A 429 returns the pause the limiter imposed as retryAfter.
func (c *Client) attempt(ctx context.Context, r call, u string, body []byte, out any) (status int, retryAfter time.Duration, err error) {
	t, err := c.limiter.acquire(ctx)
	if err != nil {
		return 0, 0, err
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, rd)
	if err != nil {
		c.limiter.abandon(t)
		return 0, 0, fmt.Errorf("bigcommerce: %w", err)
	}
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Accept", "application/json")
	// Some operations (e.g. GET /v2/orders/{id}/products) require a Content-Type even without a body.
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		c.limiter.abandon(t)
		return 0, 0, fmt.Errorf("bigcommerce: %s %s: %w", r.method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	pause := c.limiter.done(t, resp.StatusCode, resp.Header)
	status = resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		if out == nil || status == http.StatusNoContent {
			_, err := io.Copy(io.Discard, resp.Body)
			if err != nil {
				return status, 0, fmt.Errorf("%w: %s %s: %w", errCutBody, r.method, req.URL.Path, err)
			}
			return status, 0, nil
		}
		// A cut body of an earlier attempt may have half-filled out: start from zero.
		reflect.ValueOf(out).Elem().SetZero()
		dec := json.NewDecoder(resp.Body)
		if err := dec.Decode(out); err != nil {
			return status, 0, fmt.Errorf("%w: %s %s: %w", errCutBody, r.method, req.URL.Path, err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return status, 0, fmt.Errorf("%w: %s %s: %w", errCutBody, r.method, req.URL.Path, err)
		}
		return status, 0, nil
	default:
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return status, pause, parseError(r.method, req.URL.Path, status, raw)
	}
}

func pacerOf(cfg Config) *Pacer {
	if cfg.Pacer != nil {
		return cfg.Pacer
	}
	return NewPacer(cfg.QuotaShare, nil)
}
