package apicall

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestBackoffWaitsWithinTheJitteredBound(t *testing.T) {
	const ms = time.Millisecond
	for _, c := range []struct {
		name  string
		b     Backoff
		n     int
		bound time.Duration // each wait is in [bound/2, bound]
	}{
		{"first retry", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 1, 500 * ms},
		{"second retry doubles", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 2, time.Second},
		{"sixth retry", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 6, 16 * time.Second},
		{"capped", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 7, 30 * time.Second},
		{"cap reached exactly", Backoff{Base: ms, Max: 8 * ms}, 4, 8 * ms},
		{"cap not a power of two of the base", Backoff{Base: ms, Max: 10 * ms}, 4, 8 * ms},
		{"after the cap", Backoff{Base: ms, Max: 10 * ms}, 5, 10 * ms},
		{"n large", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 1000, 30 * time.Second},
		{"n at the int limit", Backoff{Base: 500 * ms, Max: 30 * time.Second}, math.MaxInt, 30 * time.Second},
		{"no overflow below the largest cap", Backoff{Base: time.Hour, Max: math.MaxInt64}, 100, math.MaxInt64},
		{"n 0 is the first retry", Backoff{Base: 500 * ms, Max: 30 * time.Second}, 0, 500 * ms},
		{"n negative is the first retry", Backoff{Base: 500 * ms, Max: 30 * time.Second}, -3, 500 * ms},
		{"base above the cap", Backoff{Base: time.Minute, Max: 30 * time.Second}, 1, 30 * time.Second},
		{"one nanosecond", Backoff{Base: 1, Max: 1}, 1, 1},
		{"zero", Backoff{}, 3, 0},
		{"no cap", Backoff{Base: ms}, 3, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := c.bound/2, c.bound
			seenLow, seenHigh := false, false
			for range 2000 {
				d := c.b.Wait(c.n)
				if d < lo || d > hi {
					t.Fatalf("Wait(%d) = %v, want within [%v, %v]", c.n, d, lo, hi)
				}
				seenLow = seenLow || d < lo+(hi-lo)/4
				seenHigh = seenHigh || d > hi-(hi-lo)/4
			}
			if hi-lo >= 4 && (!seenLow || !seenHigh) {
				t.Errorf("Wait(%d) is not spread over [%v, %v]: low quarter seen %v, high quarter seen %v", c.n, lo, hi, seenLow, seenHigh)
			}
		})
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		d       time.Duration
		want    error
		longest time.Duration
	}{
		{"the whole wait", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }, 20 * time.Millisecond, nil, 5 * time.Second},
		{"no wait", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }, 0, nil, time.Second},
		{"negative wait", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }, -time.Second, nil, time.Second},
		{"canceled before", func() (context.Context, context.CancelFunc) { return canceled, func() {} }, time.Hour, context.Canceled, time.Second},
		{"canceled, no wait", func() (context.Context, context.CancelFunc) { return canceled, func() {} }, 0, context.Canceled, time.Second},
		{"canceled during", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, time.Hour, context.Canceled, 5 * time.Second},
		{"deadline during", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, time.Hour, context.DeadlineExceeded, 5 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := c.ctx()
			defer cancel()
			start := time.Now()
			err := Sleep(ctx, c.d)
			took := time.Since(start)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("Sleep = %v, want %v", err, c.want)
			}
			if took > c.longest {
				t.Fatalf("Sleep took %v", took)
			}
			if c.want == nil && took < c.d {
				t.Fatalf("Sleep returned after %v, before %v", took, c.d)
			}
		})
	}
}
