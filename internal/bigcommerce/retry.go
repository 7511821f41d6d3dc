package bigcommerce

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// Retry rule. A request is repeated only when repeating it cannot do harm:
//   - every request, POST included, after a 429 (the store refused it before doing anything) and after a
//     connection that was refused (it never arrived);
//   - idempotent requests (GET, PUT, DELETE) also after a 5xx, a timeout, a dropped connection or a cut
//     response body.
// A POST that fails in one of the latter ways is not repeated: it fails with ErrMaybeApplied.
// Waits are exponential with jitter and bounded; a 429 with rate-limit headers waits for the reset
// instead, and all waits end with the context.

// backoff is the retry policy for failures (not for quota waits).
type backoff struct {
	attempts int           // at most this many attempts per request
	base     time.Duration // first wait
	max      time.Duration // longest wait
}

// wait is the pause before retry n (1 for the first retry): base·2^(n-1), capped, drawn from its upper
// half so that concurrent clients spread out.
func (b backoff) wait(n int) time.Duration {
	d := b.base << min(n-1, 20)
	if d <= 0 || d > b.max {
		d = b.max
	}
	return d/2 + rand.N(d/2+1)
}

// throttleRetries bounds how often one request waits out a 429 that carries a reset: a store that
// keeps refusing after this many windows is treated as failing.
const throttleRetries = 20

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// notSent reports whether a transport error proves the request never reached the server.
func notSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}
