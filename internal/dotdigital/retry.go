package dotdigital

import (
	"math/rand/v2"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
)

// RetryPolicy says how the client retries. Requests are retried, including the non-idempotent ones,
// because nearly every write bcsync makes is an upsert in effect: imports upsert contacts by email and
// Insight records by key, unsubscribes and list removals are idempotent, and creating a list or data field
// that a lost answer already created is resolved by reading it back. The exception is a contact import
// carrying consent records, which Dotdigital appends: after a lost or cut answer it is reported as
// ErrMaybeApplied, never sent again (an answer with a 5xx status was refused, and is retried). Program
// enrolment may repeat; Dotdigital reports a contact enrolled twice as an AlreadyInProgram fault.
type RetryPolicy struct {
	// MaxRetries bounds retries of a request after a 5xx, a 429 without rate-limit headers, a network error,
	// a timeout or a truncated answer. Default 5.
	MaxRetries int
	// BaseDelay and MaxDelay shape the jittered exponential backoff of those retries (apicall.Backoff):
	// the n-th retry (1 for the first) waits a random time between half and all of
	// min(MaxDelay, BaseDelay·2ⁿ⁻¹). Defaults 500 ms and 30 s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRateLimitWait is the longest the client waits for a rate-limit window to refill (429 with
	// X-RateLimit-Reset) before giving up with ErrRateLimited, whose RetryAfter says when to come back.
	// Default 2 minutes. MaxRateLimitRetries bounds such waits per request; default 20.
	MaxRateLimitWait    time.Duration
	MaxRateLimitRetries int
	// ImportWait shapes waiting for an import slot when Dotdigital answers 429 tooManyActiveImports
	// (another integration holds the slots): waits start at ImportWait and grow by half up to 30 s, for
	// at most MaxImportWait in all. Defaults 5 s and 30 minutes.
	ImportWait    time.Duration
	MaxImportWait time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 5
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxRateLimitWait <= 0 {
		p.MaxRateLimitWait = 2 * time.Minute
	}
	if p.MaxRateLimitRetries <= 0 {
		p.MaxRateLimitRetries = 20
	}
	if p.ImportWait <= 0 {
		p.ImportWait = 5 * time.Second
	}
	if p.MaxImportWait <= 0 {
		p.MaxImportWait = 30 * time.Minute
	}
	return p
}

// backoff shapes the retries after failures: retry n (1 for the first) waits up to BaseDelay·2ⁿ⁻¹.
func (p RetryPolicy) backoff() apicall.Backoff {
	return apicall.Backoff{Base: p.BaseDelay, Max: p.MaxDelay}
}

// importWait is the wait before the n-th retry of an import refused for lack of a slot.
func (p RetryPolicy) importWait(n int) time.Duration {
	d := p.ImportWait
	for range n {
		d += d / 2
		if d >= 30*time.Second {
			d = max(30*time.Second, p.ImportWait)
			break
		}
	}
	return d - rand.N(d/10+1)
}
