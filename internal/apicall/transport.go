package apicall

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that reports every exchange to an Observer, redacted. The call is
// reported when the response body is closed (so Duration includes reading it) or when the round trip fails.
type Transport struct {
	API      string
	Base     http.RoundTripper // http.DefaultTransport when nil
	Observer Observer
	Redactor *Redactor
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Observer == nil {
		return t.base().RoundTrip(req)
	}
	c := &Call{
		API:           t.API,
		Method:        req.Method,
		URL:           t.Redactor.URL(req.URL),
		Path:          req.URL.Path,
		Started:       time.Now(),
		RequestHeader: t.Redactor.Header(req.Header),
	}
	if req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			head, n := readHead(body)
			body.Close()
			c.RequestBody, c.RequestSize = t.Redactor.Bytes(head), n
			c.Truncated = n > int64(len(head))
		}
	}
	resp, err := t.base().RoundTrip(req)
	if err != nil {
		c.Duration = time.Since(c.Started)
		c.Err = t.Redactor.String(err.Error())
		t.Observer.ObserveCall(req.Context(), c)
		return nil, err
	}
	c.Status = resp.StatusCode
	c.ResponseHeader = t.Redactor.Header(resp.Header)
	resp.Body = &observedBody{ReadCloser: resp.Body, t: t, c: c, req: req}
	return resp, nil
}

func readHead(r io.Reader) ([]byte, int64) {
	var buf bytes.Buffer
	n, _ := io.Copy(&limitedWriter{w: &buf, left: MaxBody}, r)
	return buf.Bytes(), n
}

// limitedWriter keeps the first bytes and counts the rest.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left > 0 {
		k := min(len(p), l.left)
		l.w.Write(p[:k])
		l.left -= k
	}
	return len(p), nil
}

type observedBody struct {
	io.ReadCloser
	t    *Transport
	c    *Call
	req  *http.Request
	head bytes.Buffer
	once sync.Once
	rerr error
}

func (b *observedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.c.ResponseSize += int64(n)
		if room := MaxBody - b.head.Len(); room > 0 {
			b.head.Write(p[:min(n, room)])
		}
	}
	if err != nil && err != io.EOF {
		b.rerr = err
	}
	return n, err
}

func (b *observedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		b.c.Duration = time.Since(b.c.Started)
		b.c.ResponseBody = b.t.Redactor.Bytes(b.head.Bytes())
		if b.c.ResponseSize > int64(b.head.Len()) {
			b.c.Truncated = true
		}
		if b.rerr != nil {
			b.c.Err = b.t.Redactor.String(b.rerr.Error())
		}
		b.t.Observer.ObserveCall(b.req.Context(), b.c)
	})
	return err
}
