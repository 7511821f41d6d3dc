package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/version"
)

// maxAnswer bounds how much of a service's answer is read.
const maxAnswer = 64 << 10

// poster sends one HTTP request per delivery through an observed, redacting transport.
type poster struct {
	channel  Type
	service  string // how sentences name the service: "Slack", "PagerDuty", "Twilio", "the webhook receiver"
	client   *http.Client
	redactor *apicall.Redactor
	timeout  time.Duration
	now      func() time.Time
}

func newPoster(ch Type, service, api string, opts Options, secrets []string) *poster {
	r := apicall.NewRedactor(secrets...)
	base := http.RoundTripper(nil)
	if opts.HTTPClient != nil {
		base = opts.HTTPClient.Transport
	}
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if opts.TLSConfig != nil || opts.RootCAs != nil {
			t.TLSClientConfig = opts.tlsConfig("")
		}
		base = t
	}
	var obs apicall.Observer
	if opts.Observer != nil {
		obs = pathRedactor{next: opts.Observer, r: r}
	}
	client := &http.Client{
		Transport: &apicall.Transport{API: api, Base: base, Observer: obs, Redactor: r},
		// A notification goes where it was configured or nowhere: a redirect could carry it, and its
		// secrets, elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &poster{channel: ch, service: service, client: client, redactor: r, timeout: opts.timeout(), now: opts.now}
}

// pathRedactor hides secrets in Call.Path too: apicall.Transport redacts the URL but copies the path
// as it is, and a Slack webhook's path is its secret.
type pathRedactor struct {
	next apicall.Observer
	r    *apicall.Redactor
}

func (p pathRedactor) ObserveCall(ctx context.Context, c *apicall.Call) {
	c.Path = p.r.String(c.Path)
	p.next.ObserveCall(ctx, c)
}

// answer is what a service said.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// post sends body to target with the given headers and reads the answer. Only a failure to get an
// answer is an error here; the channel judges the status.
func (p *poster) post(ctx context.Context, target string, header http.Header, body []byte) (*answer, error) {
	tctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, &SendError{Channel: p.channel, Reason: fmt.Sprintf("bcsync could not build the request to %s (%s)", p.service, p.redact(err.Error())), Err: err}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", version.UserAgent())
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, transportError(p.channel, p.service, ctx, p.timeout, err, p.redact)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		// A success whose body was cut is still a success: its status says the message was taken.
		return nil, transportError(p.channel, p.service, ctx, p.timeout, err, p.redact)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // let the connection be reused
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (p *poster) redact(s string) string { return p.redactor.String(s) }

// refused is the SendError of an answer that is not a success. hint ends the sentence with what to do.
func (p *poster) refused(a *answer, code, detail, hint string) *SendError {
	what := fmt.Sprintf("%d", a.status)
	if code != "" {
		what += " " + code
	}
	if detail != "" {
		what += ": " + detail
	}
	se := &SendError{Channel: p.channel, Status: a.status, Code: code, Retryable: retryableStatus(a.status)}
	if a.status == http.StatusTooManyRequests {
		se.RetryAfter = retryAfter(a.header.Get("Retry-After"), p.now())
	}
	verb := "refused the message"
	if se.Retryable {
		verb = "did not take the message"
	}
	if a.status >= 300 && a.status < 400 {
		verb = "answered with a redirect, which bcsync does not follow"
	}
	se.Reason = p.redact(fmt.Sprintf("%s %s (%s)", p.service, verb, what))
	if hint != "" {
		se.Reason += ": " + hint
	}
	return se
}

// checkEndpoint refuses what must not carry a secret: anything but https, except http to loopback.
// what names the URL in the sentence ("--url", "the PagerDuty URL").
func checkEndpoint(raw, what, example string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s must be a URL like %s", what, example)
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Errorf("%s must use https (plain http is allowed only to loopback, for tests)", what)
	}
	return nil
}

// loopbackHost reports whether host is this machine: localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errorsOf joins problems into one error, or nil.
func errorsOf(problems []error) error {
	return errors.Join(problems...)
}
