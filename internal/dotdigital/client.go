// Package dotdigital is a client of the Dotdigital API for what bcsync needs: account info and region
// discovery, address books (lists), contact data fields, contacts (v3 bulk import and single upsert),
// Insight data (v3 bulk import, single upserts, deletes), programs and enrolments, and the unsubscribe and
// suppression calls. Bulk imports stream their records into bodies spilled to disk, run no more imports at
// once than Dotdigital allows, and poll them to a final status. Every HTTP exchange is reported, redacted,
// to an apicall.Observer. docs/dotdigital.md describes the behaviour in full.
package dotdigital

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
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/version"
)

// DefaultEndpoint is the r1 (Europe) endpoint, where every account's region is looked up.
const DefaultEndpoint = "https://r1-api.dotdigital.com"

// DefaultTimeout is the time one call may take: Dotdigital asks clients to allow 121 seconds.
const DefaultTimeout = 121 * time.Second

// Dotdigital's limits on active imports per account.
const (
	MaxActiveContactImports = 25
	MaxActiveInsightImports = 5
)

// Credentials are a Dotdigital API user's.
type Credentials struct {
	Username string // e.g. apiuser-…@apiconnector.com
	Password string
}

// Config configures a Client. Only the credentials are required.
type Config struct {
	Credentials
	// Endpoint overrides the r1 base URL where the account's region is discovered (an emulator's URL).
	Endpoint   string
	HTTPClient *http.Client // its Transport carries the requests; http.DefaultTransport when nil
	Observer   apicall.Observer
	Logger     *slog.Logger
	Timeout    time.Duration // per attempt; default DefaultTimeout
	Retry      RetryPolicy
	Poll       PollPolicy
	// MaxContactImports and MaxInsightImports cap the imports this client has in flight; the defaults are
	// Dotdigital's limits (25 and 5). Set them lower when other integrations share the account.
	MaxContactImports int
	MaxInsightImports int
	// TempDir holds import bodies while they are built (os.TempDir when empty). SpillThreshold is how many
	// bytes of a body stay in memory before it moves to a temporary file; default 1 MiB.
	TempDir        string
	SpillThreshold int
}

// Client talks to one Dotdigital account. It is safe for concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	log   *slog.Logger
	retry RetryPolicy
	r1    string

	mu      sync.Mutex
	base    string // the account's regional endpoint, once discovered
	account *AccountInfo
	disco   sync.Mutex // one discovery at a time

	pace         tierPacer
	contactSlots chan struct{}
	insightSlots chan struct{}
	contactEst   estimator
	insightEst   estimator
}

// New returns a client. It makes no call: the account's region is discovered by AccountInfo, or by the
// first call that needs it.
func New(cfg Config) (*Client, error) {
	if cfg.Username == "" || cfg.Password == "" {
		return nil, errors.New("dotdigital: the API user name and password are required")
	}
	r1 := strings.TrimSuffix(cfg.Endpoint, "/")
	if r1 == "" {
		r1 = DefaultEndpoint
	}
	if u, err := url.Parse(r1); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dotdigital: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxContactImports <= 0 || cfg.MaxContactImports > MaxActiveContactImports {
		cfg.MaxContactImports = MaxActiveContactImports
	}
	if cfg.MaxInsightImports <= 0 || cfg.MaxInsightImports > MaxActiveInsightImports {
		cfg.MaxInsightImports = MaxActiveInsightImports
	}
	if cfg.SpillThreshold <= 0 {
		cfg.SpillThreshold = 1 << 20
	}
	cfg.Poll = cfg.Poll.withDefaults()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.Transport = &apicall.Transport{API: apicall.Dotdigital, Base: hc.Transport, Observer: cfg.Observer, Redactor: apicall.NewRedactor(cfg.Password)}
	return &Client{
		cfg: cfg, http: hc, log: logger, retry: cfg.Retry.withDefaults(), r1: r1,
		contactSlots: make(chan struct{}, cfg.MaxContactImports),
		insightSlots: make(chan struct{}, cfg.MaxInsightImports),
	}, nil
}

// AccountInfo is the account's summary from GET /v2/account-info.
type AccountInfo struct {
	ID          int
	Name        string
	MainEmail   string
	Locale      string
	APIEndpoint string            // the account's regional base URL, without a trailing slash
	Region      string            // r1, r2 or r3 when the endpoint names it
	Properties  map[string]string // every property, by name
}

// AccountInfo reads the account's summary on the r1 endpoint and makes the account's regional endpoint
// (ApiEndpoint) the base of every later call.
func (c *Client) AccountInfo(ctx context.Context) (*AccountInfo, error) {
	var raw struct {
		ID         int `json:"id"`
		Properties []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"properties"`
	}
	if _, err := c.do(ctx, call{method: "GET", path: "/v2/account-info", onR1: true, out: &raw}); err != nil {
		return nil, err
	}
	a := &AccountInfo{ID: raw.ID, Properties: map[string]string{}}
	for _, p := range raw.Properties {
		a.Properties[p.Name] = p.Value
	}
	a.Name, a.MainEmail, a.Locale = a.Properties["Name"], a.Properties["MainEmail"], a.Properties["APILocale"]
	endpoint := strings.TrimSuffix(strings.TrimSpace(a.Properties["ApiEndpoint"]), "/")
	if endpoint == "" {
		endpoint = c.r1
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && strings.HasPrefix(c.r1, "http:"))) {
		// Credentials go wherever ApiEndpoint points: never downgrade them to plain HTTP.
		return nil, fmt.Errorf("dotdigital: account-info gave an unusable ApiEndpoint %q", a.Properties["ApiEndpoint"])
	}
	a.APIEndpoint = endpoint
	if host, _, ok := strings.Cut(u.Host, "-api."); ok && len(host) == 2 && host[0] == 'r' {
		a.Region = host
	}
	c.mu.Lock()
	c.base, c.account = endpoint, a
	c.mu.Unlock()
	return a, nil
}

// baseURL is the account's regional endpoint, discovered on first use.
func (c *Client) baseURL(ctx context.Context) (string, error) {
	c.mu.Lock()
	base := c.base
	c.mu.Unlock()
	if base != "" {
		return base, nil
	}
	c.disco.Lock()
	defer c.disco.Unlock()
	c.mu.Lock()
	base = c.base
	c.mu.Unlock()
	if base != "" {
		return base, nil
	}
	a, err := c.AccountInfo(ctx)
	if err != nil {
		return "", fmt.Errorf("dotdigital: finding the account's region: %w", err)
	}
	return a.APIEndpoint, nil
}

// call is one API request.
type call struct {
	method string
	path   string // escaped path, without the base URL
	query  url.Values
	body   any      // marshalled to JSON; []byte and json.RawMessage are sent as they are
	from   *payload // an import body (takes precedence over body)
	onR1   bool     // account-info: the r1 endpoint, not the account's
	out    any      // the JSON answer is decoded into it
	raw    *[]byte  // the answer's bytes
	// retried is set when the request was sent more than once, so a create can tell "it exists because
	// I made it" from "it already existed".
	retried *bool
	// decode, when set, reads a successful answer from the stream instead of out and raw (a large report);
	// an error reading it counts as a cut answer and is retried.
	decode func(io.Reader) error
	// appends marks a write that adds rather than replaces: after a failure that leaves its outcome
	// unknown (no answer, a timeout, a cut answer) it is not sent again; ErrMaybeApplied says so.
	appends bool
}

// do sends a call with the retry rules of RetryPolicy and returns the answer's status.
func (c *Client) do(ctx context.Context, cl call) (int, error) {
	var body []byte
	if cl.from == nil && cl.body != nil {
		switch b := cl.body.(type) {
		case []byte:
			body = b
		case json.RawMessage:
			body = b
		default:
			var err error
			if body, err = json.Marshal(b); err != nil {
				return 0, fmt.Errorf("dotdigital: %s %s: %w", cl.method, cl.path, err)
			}
		}
	}
	base := c.r1
	if !cl.onR1 {
		var err error
		if base, err = c.baseURL(ctx); err != nil {
			return 0, err
		}
	}
	target := base + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var failures, rateWaits, importWaits int
	var waited time.Duration
	op := operation(cl.method, cl.path)
	for attempt := 0; ; attempt++ {
		if attempt > 0 && cl.retried != nil {
			*cl.retried = true
		}
		// A wait longer than the rule allows is not made here: the call goes, and its 429 says when to
		// come back (ErrRateLimited).
		if wait := c.pace.wait(op, time.Now()); wait > 0 && wait <= c.retry.MaxRateLimitWait {
			c.log.DebugContext(ctx, "dotdigital: waiting for the tier's budget", slog.String("operation", op), slog.Duration("wait", wait))
			if err := apicall.Sleep(ctx, wait); err != nil {
				return 0, err
			}
		}
		status, header, resp, err := c.attempt(ctx, cl, target, body)
		var rl RateLimit
		if header != nil {
			now := time.Now()
			rl = parseRateLimit(header, now)
			c.pace.observe(op, rl, now)
		}
		if err == nil && status < 300 {
			if cl.raw != nil {
				*cl.raw = resp
			}
			if cl.out != nil && len(bytes.TrimSpace(resp)) > 0 {
				if err := json.Unmarshal(resp, cl.out); err != nil {
					return status, fmt.Errorf("dotdigital: %s %s: reading the answer: %w", cl.method, cl.path, err)
				}
			}
			return status, nil
		}
		var wait time.Duration
		var apiErr *APIError
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if cl.appends {
				return 0, fmt.Errorf("dotdigital: %s %s: %w: %w", cl.method, cl.path, ErrMaybeApplied, err)
			}
			if failures >= c.retry.MaxRetries {
				return 0, fmt.Errorf("dotdigital: %s %s: %w", cl.method, cl.path, err)
			}
			failures++
			wait = c.retry.backoff().Wait(failures)
		} else {
			apiErr = parseError(status, cl.method, cl.path, resp, rl)
			switch {
			case errors.Is(apiErr, ErrTooManyActiveImports):
				wait = c.retry.importWait(importWaits)
				if waited+wait > c.retry.MaxImportWait {
					return status, apiErr
				}
				importWaits++
			case status == http.StatusTooManyRequests && !apiErr.RateLimit.Reset.IsZero():
				wait = time.Until(apiErr.RateLimit.Reset)
				if wait > c.retry.MaxRateLimitWait || rateWaits >= c.retry.MaxRateLimitRetries {
					return status, apiErr
				}
				// A little jitter, so that the calls a window stopped do not all come back at once.
				wait = max(wait, 0) + c.retry.backoff().Wait(1)/10
				rateWaits++
			case status == http.StatusTooManyRequests || status >= 500:
				if failures >= c.retry.MaxRetries {
					return status, apiErr
				}
				failures++
				wait = c.retry.backoff().Wait(failures)
			default:
				return status, apiErr
			}
		}
		c.log.DebugContext(ctx, "dotdigital: retrying", slog.String("method", cl.method), slog.String("path", cl.path),
			slog.Int("status", status), slog.Any("error", errors.Join(err, errorOrNil(apiErr))), slog.Duration("wait", wait))
		waited += wait
		if err := apicall.Sleep(ctx, wait); err != nil {
			return 0, err
		}
	}
}

func errorOrNil(e *APIError) error {
	if e == nil {
		return nil
	}
	return e
}

// attempt sends a request once and reads the whole answer. A network error, a timeout or a body cut short
// comes back as err; an answer of any status comes back as status, header and body.
func (c *Client) attempt(ctx context.Context, cl call, target string, body []byte) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, target, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if cl.from != nil {
		req.Body, _ = cl.from.open()
		req.GetBody = cl.from.open
		req.ContentLength = cl.from.size
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	if req.ContentLength > 0 || cl.from != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	if cl.decode != nil && resp.StatusCode < 300 {
		if err := cl.decode(resp.Body); err != nil {
			return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
		}
		return resp.StatusCode, resp.Header, nil, nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// pathf builds an escaped path from a format whose %s verbs are path segments.
func pathf(format string, segments ...any) string {
	esc := make([]any, len(segments))
	for i, s := range segments {
		esc[i] = url.PathEscape(fmt.Sprint(s))
	}
	return fmt.Sprintf(format, esc...)
}
