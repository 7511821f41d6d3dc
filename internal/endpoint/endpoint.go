// Package endpoint decides where bcsync may send a store's or an account's credentials. An admin
// names the API endpoints of a connection; other than the official ones they are for emulators. Plain
// HTTP would show the credentials to the network, so an endpoint must be https:// unless it is on
// this machine (loopback) or the operator allows insecure endpoints. And bcsync must not become a
// port scanner of the networks it can reach: what an endpoint that is neither official nor on this
// machine answers is not told apart (see Opaque).
package endpoint

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The official hosts of the APIs bcsync talks to.
var (
	BigCommerceHosts = []string{"api.bigcommerce.com"}
	DotdigitalHosts  = []string{"r1-api.dotdigital.com", "r2-api.dotdigital.com", "r3-api.dotdigital.com"}
)

// ErrInsecure refuses a plain-HTTP endpoint on another machine.
var ErrInsecure = errors.New("the endpoint is not https:// and not on this machine (loopback): credentials would cross the network in the clear (an operator can allow it with --allow-insecure-endpoints)")

// Kind is who runs an endpoint, as far as bcsync can tell.
type Kind int

const (
	// Official: the API's own host (api.bigcommerce.com, rN-api.dotdigital.com).
	Official Kind = iota
	// Loopback: this machine, e.g. an emulator of bcsync emulate.
	Loopback
	// Other: any other host.
	Other
)

// Classify tells the kind of an endpoint's URL, given the official hosts of its API.
func Classify(raw string, official ...string) Kind {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Other
	}
	host := strings.ToLower(u.Hostname())
	for _, o := range official {
		if host == o && u.Scheme == "https" && (u.Port() == "" || u.Port() == "443") {
			return Official
		}
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return Loopback
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return Loopback
	}
	return Other
}

// Check refuses an endpoint bcsync may not send credentials to: one that is not an http(s) URL, or a
// plain-HTTP one outside loopback unless allowInsecure (the operator's --allow-insecure-endpoints).
// Host names are not resolved: "localhost" and *.localhost are loopback by definition (RFC 6761), any
// other name could resolve anywhere.
func Check(raw string, allowInsecure bool) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("endpoint %q is not an http(s) URL", raw)
	}
	if u.Scheme == "http" && !allowInsecure && Classify(raw) != Loopback {
		return fmt.Errorf("endpoint %s: %w", u.Redacted(), ErrInsecure)
	}
	return nil
}

// OpaqueError is a failure to use an endpoint that is neither official nor on this machine. Whatever it
// was (refused, timed out, not TLS, an answer that is not the API's, credentials refused), users are
// told the same, so that the answers of connecting cannot map a network's hosts and ports; the
// wrapped error is for the server's log.
type OpaqueError struct{ Err error }

func (e *OpaqueError) Error() string { return e.Err.Error() }
func (e *OpaqueError) Unwrap() error { return e.Err }

// Opaque wraps err when raw is an endpoint of kind Other (see OpaqueError); it returns err as it is
// otherwise.
func Opaque(err error, raw string, official ...string) error {
	if err == nil || Classify(raw, official...) != Other {
		return err
	}
	return &OpaqueError{Err: err}
}
