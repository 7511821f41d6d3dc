package dotdigital

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/emulator"
)

// tier is a Dotdigital call-rate tier. Each call belongs to one tier, and each tier has its own budget
// per minute for the account. Bulk imports and large reads are Low.
type tier int

const (
	tierHigh tier = iota
	tierMedium
	tierLow
	tierCount
)

var tierNames = [tierCount]string{"High", "Medium", "Low"}

// DefaultRateLimit is generous: a demo or a test should not meet it unless it asks to.
const DefaultRateLimit = "low=1000/1m,medium=2000/1m,high=5000/1m"

// RateLimits holds the budget of each tier.
type RateLimits struct {
	windows [tierCount]*emulator.Window
}

// ParseRateLimit reads a rate-limit spec:
//
//	""                                  DefaultRateLimit
//	"off" or "0"                        no limits
//	"60" or "60/1m"                     every tier: 60 calls per minute (any Go duration as the window)
//	"low=35/1m,medium=100/1m,high=300"  per tier; a tier left out is not limited; a bare number is per minute
func ParseRateLimit(spec string) (*RateLimits, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = DefaultRateLimit
	}
	rl := &RateLimits{}
	if spec == "off" || spec == "0" {
		return rl, nil
	}
	if !strings.Contains(spec, "=") {
		quota, window, err := parseBudget(spec)
		if err != nil {
			return nil, err
		}
		for t := range tierCount {
			rl.windows[t] = emulator.NewWindow(quota, window)
		}
		return rl, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		name, budget, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("rate limit %q: want tier=calls/window, e.g. low=35/1m", part)
		}
		t := tierCount
		for i, n := range tierNames {
			if strings.EqualFold(strings.TrimSpace(name), n) {
				t = tier(i)
			}
		}
		if t == tierCount {
			return nil, fmt.Errorf("rate limit %q: unknown tier %q (low, medium or high)", part, name)
		}
		quota, window, err := parseBudget(budget)
		if err != nil {
			return nil, err
		}
		rl.windows[t] = emulator.NewWindow(quota, window)
	}
	return rl, nil
}

func parseBudget(s string) (int, time.Duration, error) {
	calls, per, hasWindow := strings.Cut(strings.TrimSpace(s), "/")
	quota, err := strconv.Atoi(strings.TrimSpace(calls))
	if err != nil || quota < 0 {
		return 0, 0, fmt.Errorf("rate limit %q: calls must be a whole number", s)
	}
	window := time.Minute
	if hasWindow {
		per = strings.TrimSpace(per)
		if per == "m" || per == "min" {
			per = "1m"
		}
		window, err = time.ParseDuration(per)
		if err != nil || window <= 0 {
			return 0, 0, fmt.Errorf("rate limit %q: window must be a duration such as 1m or 10s", s)
		}
	}
	return quota, window, nil
}

// rateLimit counts each call against its tier's budget and tells the client where it stands with the
// X-RateLimit-* headers on every answer. X-RateLimit-Reset is the number of seconds until the window
// refills, as Dotdigital's PHP SDK reads it.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := s.mux.Handler(r)
		t, ok := s.tiers[pattern]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		win := s.limits.windows[t]
		if win == nil {
			next.ServeHTTP(w, r)
			return
		}
		allowed, left, reset := win.Take()
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(win.Quota))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(left))
		h.Set("X-RateLimit-Reset", strconv.Itoa(max(1, int(math.Ceil(reset.Seconds())))))
		h.Set("X-RateLimit-Scope", tierNames[t])
		if !allowed {
			s.stats.Throttled()
			msg := fmt.Sprintf("Too many requests: the %s tier allows %d calls per %s.", tierNames[t], win.Quota, win.Length)
			if isV3(r) {
				writeV3Error(w, http.StatusTooManyRequests, "rateLimitExceeded", msg)
			} else {
				writeV2Error(w, http.StatusTooManyRequests, msg)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}
