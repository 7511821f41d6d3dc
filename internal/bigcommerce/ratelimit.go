package bigcommerce

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter paces requests from BigCommerce's rate-limit headers so that within every window of the
// store's quota this client sends at most floor(share × quota) requests: all apps of a store share its
// quota, and bcsync must leave the others their part.
//
// A store counts requests in fixed windows that start with the first request after the previous one
// ended (X-Rate-Limit-Time-Reset-Ms says when the current one ends). The client cannot see exactly when
// a request arrives, so it counts conservatively:
//   - it only starts counting a new window once the old one has surely ended (the reset estimated from
//     the time a response was received is never early);
//   - a request sent so near that end that it may arrive after it counts in both windows;
//   - it waits for the reset when the store reports no requests left (other apps used them), or answers 429.
type limiter struct {
	share float64
	now   func() time.Time
	coord Coordinator // shares the budget with other processes; nil: this process alone

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	quota    int           // 0 until a response tells it
	window   time.Duration
	end      time.Time // the current window surely ends by then; zero when not yet known
	epoch    int       // counts windows; a response updates the estimates only for its own window
	usedCur  int       // this client's requests in the current window
	usedNext int       // requests that may land in the next window
	left     int       // X-Rate-Limit-Requests-Left of the current window; -1 when unknown
	inflight int
	paused   time.Time // no request before this (after a 429)
	rtt      time.Duration
	requests int // sent in total, for tests and progress
}

func newLimiter(share float64) *limiter {
	return &limiter{share: share, now: time.Now, changed: make(chan struct{}), left: -1}
}

// ticket is one request's permission to go.
type ticket struct {
	epoch int
	sent  time.Time
}

// budget is this client's share of the store's quota, at least one request.
func (l *limiter) budget() int {
	return max(1, int(math.Floor(l.share*float64(l.quota))))
}

// margin is how close to the end of a window a request may land in the next one.
func (l *limiter) margin() time.Duration {
	return min(max(2*l.rtt, 20*time.Millisecond), 2*time.Second)
}

// coordMargin is how much longer than a window other processes' requests are counted: a request is
// granted a moment before the store counts it, and that moment may be longer under load.
func (l *limiter) coordMargin() time.Duration {
	return max(l.margin(), 250*time.Millisecond)
}

func (l *limiter) signal() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// roll starts a new window once the current one has surely ended. Requests sent near the end of the
// old window may have opened the new one; if so it ends no later than a window after they arrived.
func (l *limiter) roll(now time.Time) {
	if l.end.IsZero() || now.Before(l.end) {
		return
	}
	l.epoch++
	l.usedCur, l.usedNext = l.usedNext, 0
	l.end = time.Time{}
	if l.usedCur > 0 {
		l.end = now.Add(l.window + l.margin())
	}
	l.left = -1
}

// acquire waits until a request may go, and counts it.
func (l *limiter) acquire(ctx context.Context) (ticket, error) {
	for {
		l.mu.Lock()
		now := l.now()
		l.roll(now)
		var wait time.Duration // 0: wait for a change
		ok := false
		switch {
		case now.Before(l.paused):
			wait = l.paused.Sub(now)
		case l.quota == 0:
			ok = l.inflight == 0 // one request at a time until the store says what its quota is
		default:
			budget := l.budget()
			nearEnd := !l.end.IsZero() && now.After(l.end.Add(-l.margin()))
			storeLeft := l.left < 0 || l.left > l.inflight
			ok = l.usedCur < budget && storeLeft && (!nearEnd || l.usedNext < budget)
			if ok && nearEnd {
				l.usedNext++
			}
			if !ok && !l.end.IsZero() {
				wait = l.end.Sub(now) + time.Millisecond
			}
		}
		if ok {
			if l.quota > 0 {
				l.usedCur++
				if l.end.IsZero() && l.usedCur == 1 {
					// Until a response says otherwise, the window this request opens ends no later than a
					// window's length after it arrives.
					l.end = now.Add(l.window + l.margin())
				}
			}
			l.inflight++
			l.requests++
			t := ticket{epoch: l.epoch, sent: now}
			budget, window, coord := 0, l.window+l.coordMargin(), l.coord
			if l.quota > 0 {
				budget = l.budget()
			}
			l.mu.Unlock()
			if coord != nil {
				// Counted here already: waiting for other processes only ever makes this count early.
				if err := grant(ctx, coord, budget, window); err != nil {
					l.abandon(t)
					return ticket{}, err
				}
				t.sent = l.now()
			}
			return t, nil
		}
		changed := l.changed
		l.mu.Unlock()
		if err := waitChange(ctx, changed, wait); err != nil {
			return ticket{}, err
		}
	}
}

// waitChange waits for changed to close, for d to pass (when d > 0), or for ctx to end.
func waitChange(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
	case <-timer:
	}
	return nil
}

// rateHeaders are the four headers BigCommerce puts on every response.
type rateHeaders struct {
	quota, left     int
	window, resetIn time.Duration
	retryAfter      time.Duration // X-Retry-After, on 429s
	ok              bool
}

func readRateHeaders(h http.Header) rateHeaders {
	num := func(name string) (int64, bool) {
		n, err := strconv.ParseInt(h.Get(name), 10, 64)
		return n, err == nil && n >= 0
	}
	var r rateHeaders
	quota, ok1 := num("X-Rate-Limit-Requests-Quota")
	left, ok2 := num("X-Rate-Limit-Requests-Left")
	window, ok3 := num("X-Rate-Limit-Time-Window-Ms")
	reset, ok4 := num("X-Rate-Limit-Time-Reset-Ms")
	if ok1 && ok2 && ok3 && ok4 && quota > 0 && window > 0 {
		r = rateHeaders{quota: int(quota), left: int(left), window: time.Duration(window) * time.Millisecond,
			resetIn: time.Duration(reset) * time.Millisecond, ok: true}
	}
	if s, ok := num("X-Retry-After"); ok {
		r.retryAfter = time.Duration(s) * time.Second
	}
	return r
}

// done records the answer to a request sent with t: the store's quota and window, how many requests
// the window has left and when it ends. A 429 pauses every request until the longer of X-Retry-After
// and the reset. It returns that pause (0 when there is none).
func (l *limiter) done(t ticket, status int, h http.Header) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.signal()
	now := l.now()
	l.inflight--
	if rtt := now.Sub(t.sent); rtt > l.rtt {
		l.rtt = rtt
	} else {
		l.rtt = (l.rtt*7 + rtt) / 8 // let one slow answer fade
	}
	rh := readRateHeaders(h)
	if !rh.ok {
		return 0
	}
	first := l.quota == 0
	l.quota, l.window = rh.quota, rh.window
	end := now.Add(rh.resetIn)
	if first {
		// The first request was sent before the quota was known and so not counted.
		l.usedCur++
	}
	if t.epoch == l.epoch {
		if l.end.IsZero() || end.Before(l.end) {
			l.end = end
		}
		if !end.After(l.end.Add(l.margin())) && (l.left < 0 || rh.left < l.left) {
			l.left = rh.left
		}
	}
	if status != http.StatusTooManyRequests {
		return 0
	}
	wait := max(rh.resetIn, rh.retryAfter)
	if until := now.Add(wait); until.After(l.paused) {
		l.paused = until
	}
	if t.epoch == l.epoch {
		l.left = 0
	}
	return wait
}

// abandon releases a ticket whose request got no answer.
func (l *limiter) abandon(ticket) {
	l.mu.Lock()
	l.inflight--
	l.signal()
	l.mu.Unlock()
}

// spare is how many more requests the current window allows this client; large when the quota is not
// known to be tight. Page prefetching only runs ahead when it is.
func (l *limiter) spare() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quota == 0 {
		return 0
	}
	n := l.budget() - l.usedCur
	if l.left >= 0 {
		n = min(n, l.left-l.inflight)
	}
	return n
}
