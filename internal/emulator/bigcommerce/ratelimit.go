package bigcommerce

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is a store's request quota: Quota requests per Window, as BigCommerce counts them (150 per
// 30 s on Standard plans). The zero value is unlimited.
type RateLimit struct {
	Quota  int
	Window time.Duration
}

// unlimitedQuota is what an unlimited store advertises in its headers (as on BigCommerce's Unlimited
// Rate Plan, there is still a number): large enough that no client ever paces on it. The emulator
// counts against it but never refuses a request.
const unlimitedQuota = 1_000_000

// ParseRateLimit reads "150/30s" (quota per window, window as a Go duration) or "" / "unlimited".
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "unlimited") {
		return RateLimit{}, nil
	}
	q, w, ok := strings.Cut(s, "/")
	quota, err := strconv.Atoi(strings.TrimSpace(q))
	if !ok || err != nil || quota <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: want requests/window, e.g. 150/30s", s)
	}
	window, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || window < time.Millisecond {
		return RateLimit{}, fmt.Errorf("rate limit %q: the window must be a duration such as 30s", s)
	}
	return RateLimit{Quota: quota, Window: window}, nil
}

func (l RateLimit) String() string {
	if l.Quota <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d/%s", l.Quota, l.window())
}

func (l RateLimit) quota() int {
	if l.Quota <= 0 {
		return unlimitedQuota
	}
	return l.Quota
}

func (l RateLimit) window() time.Duration {
	if l.Window <= 0 {
		return 30 * time.Second
	}
	return l.Window
}

// BusiestWindow is the most requests the store counted in any one rate-limit window (0 when unlimited).
func (s *Server) BusiestWindow() int { return s.window.Peak() }

// rateLimit counts every store request against the window and puts the four X-Rate-Limit headers on
// every response; over quota it answers 429 with X-Retry-After.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	quota := strconv.Itoa(s.cfg.RateLimit.quota())
	windowMs := strconv.FormatInt(s.cfg.RateLimit.window().Milliseconds(), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, left, reset := s.window.Take()
		h := w.Header()
		h.Set("X-Rate-Limit-Requests-Quota", quota)
		h.Set("X-Rate-Limit-Time-Window-Ms", windowMs)
		h.Set("X-Rate-Limit-Time-Reset-Ms", strconv.FormatInt(max(1, int64(math.Ceil(float64(reset)/float64(time.Millisecond)))), 10))
		h.Set("X-Rate-Limit-Requests-Left", strconv.Itoa(left))
		if !ok && s.limited {
			s.stats.Throttled()
			h.Set("X-Retry-After", strconv.Itoa(max(1, int(math.Ceil(reset.Seconds())))))
			s.writeError(w, r, http.StatusTooManyRequests, "Too many requests: the store's API quota is used up for this window.", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}
