package dotdigital

import (
	"net/http"
	"strconv"
	"strings"
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
