package dotdigital

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is what an answer's X-RateLimit-* headers said. Dotdigital's tiered rate limiting counts calls
// per minute per tier (Low, Medium, High) and sends these headers; a 429 means the tier's budget is spent.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time // when the budget refills; zero when the answer did not say
	Scope     string    // the tier
}

// Known reports whether the answer carried rate-limit headers at all.
func (r RateLimit) Known() bool { return r.Limit > 0 || !r.Reset.IsZero() || r.Scope != "" }

// parseRateLimit reads the headers. X-RateLimit-Reset is read liberally, because sources disagree on its
// unit: the official PHP SDK documents it as seconds until the reset, a third-party summary as a Unix
// time. A value above 10^12 is taken as Unix milliseconds, above 10^9 as Unix seconds, anything smaller as
// seconds from now; an HTTP date is accepted too. Retry-After is used when X-RateLimit-Reset is absent.
func parseRateLimit(h http.Header, now time.Time) RateLimit {
	rl := RateLimit{Scope: h.Get("X-RateLimit-Scope")}
	rl.Limit, _ = strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
	rl.Remaining, _ = strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining")))
	rl.Reset = parseReset(h.Get("X-RateLimit-Reset"), now)
	if rl.Reset.IsZero() {
		rl.Reset = parseReset(h.Get("Retry-After"), now)
	}
	return rl
}

func parseReset(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		switch {
		case f > 1e12:
			return time.UnixMilli(int64(f))
		case f > 1e9:
			return time.Unix(int64(f), int64((f-float64(int64(f)))*1e9))
		default:
			return now.Add(time.Duration(f * float64(time.Second)))
		}
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	return time.Time{}
}

// tierPacer keeps the client's calls inside their tier's budget. Every answer says which tier its call
// is in, how many calls of that tier remain and when the budget refills. Calls go at once while the
// budget left is at least the share of the window left (plus a burst of a fifth of the budget, so a
// quiet store's few calls are never held); past that, each waits its turn at the budget's pace, so
// that a busy store's calls spread over the window rather than spend it in a burst and stop until the
// refill. With nothing left, a call waits for the refill instead of being refused with a 429. A 429
// still comes when something else (another integration on the account, another process) spends the
// budget; the retry rules wait that out.
type tierPacer struct {
	mu    sync.Mutex
	tier  map[string]string // operation (method and path shape) → tier
	tiers map[string]*tierBudget
}

type tierBudget struct {
	limit  int
	left   int // as last told, counted down since
	reset  time.Time
	window time.Duration // the longest time to a refill seen: the window's length
}

// wait is how long a call of op should wait before it is sent; the call is counted as sent.
func (p *tierPacer) wait(op string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.tiers[p.tier[op]]
	d := b.headroom(1, now)
	if b != nil && b.reset.After(now) && b.left > 0 {
		b.left--
	}
	return d
}

// observe takes what an answer to a call of op said of its tier.
func (p *tierPacer) observe(op string, rl RateLimit, now time.Time) {
	if rl.Scope == "" || rl.Reset.IsZero() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tier == nil {
		p.tier, p.tiers = map[string]string{}, map[string]*tierBudget{}
	}
	p.tier[op] = rl.Scope
	b := p.tiers[rl.Scope]
	if b == nil {
		b = &tierBudget{}
		p.tiers[rl.Scope] = b
	}
	b.limit, b.left, b.reset = rl.Limit, rl.Remaining, rl.Reset
	b.window = min(max(b.window, rl.Reset.Sub(now)), time.Hour)
}

// operation names a call by its method and path with the ids and emails in it taken out, so that the
// calls of one operation share what the answers told of its tier.
func operation(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "0123456789@%") {
			segs[i] = "{}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// Headroom is how long until n calls of a tier can go at once, without the pacer holding any: 0 when
// they can now, or when no answer has told of the tier yet. A caller that sends several imports
// together waits this long first (and gathers more into them) rather than have them spaced out.
func (c *Client) Headroom(tier string, n int) time.Duration {
	return c.pace.headroom(tier, n, time.Now())
}

func (p *tierPacer) headroom(tier string, n int, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tiers[tier].headroom(n, now)
}

// headroom is how long until n more calls are within the budget's pace: at once while the budget left
// after them is at least the window's share left plus the burst; with fewer than n left, at the refill.
func (b *tierBudget) headroom(n int, now time.Time) time.Duration {
	if b == nil || !b.reset.After(now) || n <= 0 {
		return 0 // never told, or refilled
	}
	if b.left < n {
		return b.reset.Sub(now)
	}
	if b.limit <= 0 || b.window <= 0 {
		return 0
	}
	// The moment from which the budget left is no more than the window's share left.
	ahead := time.Duration(float64(b.window) * float64(b.left-n+b.limit/5) / float64(b.limit))
	return max(0, b.reset.Add(-ahead).Sub(now))
}
