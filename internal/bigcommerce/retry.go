package bigcommerce

import (
	"errors"
	"net"
	"syscall"
)

// Retry rule. A request is repeated only when repeating it cannot do harm:
//   - every request, POST included, after a 429 (the store refused it before doing anything) and after a
//     connection that was refused (it never arrived);
//   - idempotent requests (GET, PUT, DELETE) also after a 5xx, a timeout, a dropped connection or a cut
//     response body.
// A POST that fails in one of the latter ways is not repeated: it fails with ErrMaybeApplied.
// Waits are exponential with jitter and bounded (apicall.Backoff); a 429 with rate-limit headers waits
// for the reset instead, and all waits end with the context.

// throttleRetries bounds how often one request waits out a 429 that carries a reset: a store that
// keeps refusing after this many windows is treated as failing.
const throttleRetries = 20

// unreachableAttempts bounds the attempts of a request whose connection was refused or could not be
// made (about 2 s of waits with the default backoff).
const unreachableAttempts = 3

// notSent reports whether a transport error proves the request never reached the server.
func notSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}
