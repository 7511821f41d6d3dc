package marketing

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
)

// explain says in a sentence what went wrong while syncing a stream, as a merchant would want to read
// it: what bcsync could not do, why, and what to do when it is theirs to do. The error itself is the
// technical detail, kept apart (see ledger.Run.Explain).
func (rc *runContext) explain(stream string, err error) string {
	what := lower(StreamLabel(stream))
	if who, host, why, ok := rc.unreachable(err); ok {
		return fmt.Sprintf("bcsync cannot reach %s at %s: %s.", who, host, why)
	}
	var bcErr *bigcommerce.APIError
	var ddErr *dotdigital.APIError
	switch {
	case errors.Is(err, bigcommerce.ErrUnauthorized):
		return "BigCommerce refused the access token: it was revoked or is wrong. Enter a new one under Credentials on the store tab."
	case errors.Is(err, bigcommerce.ErrStoreNotFound):
		return "BigCommerce has no store at this API path: check the API path under Credentials on the store tab."
	case errors.Is(err, bigcommerce.ErrForbidden):
		return fmt.Sprintf("The store's API account lacks a scope bcsync needs to sync %s: give it the scopes listed in the README, then enter its token under Credentials.", what)
	case errors.Is(err, dotdigital.ErrUnauthorized):
		return "Dotdigital refused the API user's password: it was changed or the user was removed. Enter the new password under Credentials on the store tab."
	case errors.Is(err, dotdigital.ErrWrongRegion):
		return "Dotdigital refused the API user access to this account's region: check the API user under Credentials on the store tab."
	case errors.Is(err, bigcommerce.ErrRateLimited):
		return fmt.Sprintf("The store kept refusing requests over its rate limit while bcsync synced %s: other apps may be using its quota.", what)
	case errors.As(err, &bcErr) && bcErr.Status >= 500:
		return fmt.Sprintf("The store's API failed (HTTP %d) while bcsync synced %s.", bcErr.Status, what)
	case errors.As(err, &ddErr) && ddErr.Status >= 500:
		return fmt.Sprintf("Dotdigital failed (HTTP %d) while bcsync synced %s.", ddErr.Status, what)
	case errors.Is(err, dotdigital.ErrRateLimited):
		return fmt.Sprintf("Dotdigital's rate limit held bcsync back too long while it synced %s.", what)
	}
	return fmt.Sprintf("Syncing %s failed; the details say why.", what)
}

// unreachable says who bcsync could not reach and why, when err is a request that never got an
// answer: the name does not resolve, the connection was refused or timed out, the certificate is not
// trusted. Such a failure is the same for every stream: the run stops at the first.
func (rc *runContext) unreachable(err error) (who, host, why string, ok bool) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "", "", "", false
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return "", "", "", false
	}
	host = u.Host
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var op *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		why = "the name " + u.Hostname() + " does not resolve"
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "the connection was refused"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		why = "no route leads to it"
	case errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr):
		why = "its certificate is not trusted"
	case errors.As(err, &op) && op.Op == "dial" && errors.Is(err, os.ErrDeadlineExceeded), ue.Timeout() && errors.As(err, &op) && op.Op == "dial":
		why = "it did not answer in time"
	default:
		return "", "", "", false
	}
	who = "the server"
	switch host {
	case hostOf(rc.conn.BigCommerce.BaseURL), hostOf(rc.conn.BigCommerce.APIPath), "api.bigcommerce.com":
		who = "the store"
	case hostOf(rc.conn.Dotdigital.APIEndpoint), hostOf(rc.conn.Dotdigital.Endpoint):
		who = "Dotdigital"
	}
	return who, host, why, true
}

func hostOf(raw string) string {
	if raw == "" {
		return "\x00" // matches no host
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "\x00"
	}
	return u.Host
}

// lower puts a label in the middle of a sentence ("Orders waiting for a contact" → "orders waiting for
// a contact").
func lower(label string) string {
	if label == "" {
		return label
	}
	r := []rune(label)
	if r[0] >= 'A' && r[0] <= 'Z' {
		r[0] += 'a' - 'A'
	}
	return string(r)
}
