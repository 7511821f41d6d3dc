package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SendError is a delivery that failed. Retryable says whether the same message may succeed later
// unchanged (the service was unreachable, slow, busy or failing); a permanent failure needs a person
// (a wrong URL, key, password or address, a refused message). Its text is a sentence an operator can
// act on, with every secret of the channel hidden.
type SendError struct {
	Channel    Type          // which kind of channel failed
	Status     int           // the HTTP status or SMTP reply code; 0 when no answer came
	Code       string        // the service's own error code when it gave one: "no_team", "21211"
	Retryable  bool          // sending the same message later may succeed
	RetryAfter time.Duration // how long the service asked to wait (429 Retry-After), when it did
	Reason     string        // the sentence Error returns
	Err        error         // the underlying error, when there is one
}

func (e *SendError) Error() string { return e.Reason }

func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether err is a failed delivery worth trying again later unchanged. Errors that
// are not a *SendError (a bad configuration) are not.
func Retryable(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Retryable
}

// retryableStatus is the HTTP rule: 408, 429 and 5xx may pass later; any other 4xx (and a redirect,
// which bcsync does not follow) will not.
func retryableStatus(status int) bool {
	return status == 408 || status == 429 || status >= 500
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// invalidMessage is a message bcsync itself built wrong: permanent.
func invalidMessage(ch Type, err error) *SendError {
	return &SendError{Channel: ch, Reason: "bcsync did not send the notification: " + err.Error(), Err: err}
}

// transportError turns a failure to get any answer into a SendError. parent is the caller's context:
// when it ended, the caller gave up; otherwise a deadline is the channel's own timeout.
func transportError(ch Type, service string, parent context.Context, timeout time.Duration, err error, redact func(string) string) *SendError {
	// url.Error repeats the request's URL, which may be the secret (a Slack webhook): keep the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	se := &SendError{Channel: ch, Retryable: true, Err: err}
	switch {
	case parent.Err() != nil:
		se.Err = parent.Err()
		se.Reason = fmt.Sprintf("sending to %s was cancelled before it finished (%v)", service, parent.Err())
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		se.Err = context.DeadlineExceeded
		se.Reason = fmt.Sprintf("%s did not answer within %s", service, timeout)
	case notTLS(err):
		se.Retryable = false
		se.Reason = fmt.Sprintf("%s did not answer in TLS (%s): check the address and port", service, redact(err.Error()))
	case certificateError(err):
		se.Retryable = false
		se.Reason = fmt.Sprintf("%s's TLS certificate was not trusted (%s): check the address, or the certificate authority given to bcsync", service, redact(err.Error()))
	default:
		se.Reason = fmt.Sprintf("%s could not be reached (%s)", service, redact(err.Error()))
	}
	return se
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// certificateError reports a TLS failure that will not pass by itself: an untrusted, expired or
// mismatched certificate, or a server that does not speak TLS at all on that port.
func certificateError(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || notTLS(err)
}

// notTLS reports a server that answered a TLS handshake with something else (a plain-text port).
func notTLS(err error) bool {
	var rec tls.RecordHeaderError
	return errors.As(err, &rec)
}

// snippet is the start of a service's answer, on one line, for an error message.
func snippet(body []byte, n int) string {
	s := oneLine(string(body))
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, n)
}
