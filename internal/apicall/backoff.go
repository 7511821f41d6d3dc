package apicall

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the jittered exponential backoff both API clients use between retries of a failed request
// (waits for a rate-limit window are theirs).
type Backoff struct {
	Base time.Duration // the wait before the first retry, at most
	Max  time.Duration // the longest wait
}

// Wait is the pause before retry n (1 for the first retry): Base·2ⁿ⁻¹, capped at Max, drawn at random
// from its upper half so that clients that failed together do not come back together. An n below 1
// counts as 1; a Backoff without a positive Base and Max waits nothing.
func (b Backoff) Wait(n int) time.Duration {
	if b.Base <= 0 || b.Max <= 0 {
		return 0
	}
	d := min(b.Base, b.Max)
	for i := 1; i < n; i++ {
		if d > b.Max/2 { // doubling would pass the cap (or overflow)
			d = b.Max
			break
		}
		d *= 2
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx ends, whichever comes first, and returns ctx's error when it ended.
func Sleep(ctx context.Context, d time.Duration) error {
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
