package dotdigital

import (
	"sync"
	"time"
)

// PollPolicy shapes how the client polls an import (or enrolment) to its final status. Polls are calls
// against the rate limit, so the client tries to poll each import once: it schedules the first poll at
// the time imports of that size have taken so far, and only then polls more often.
type PollPolicy struct {
	// Min and Max bound the wait before any poll. Defaults 5 s and 30 s (Dotdigital suggests polling
	// every 5 to 30 seconds).
	Min time.Duration
	Max time.Duration
	// Factor grows the wait after a poll that found the import unfinished. Default 1.5.
	Factor float64
	// PerRecord is the first guess of an import's duration per record, before the client has seen one
	// finish. Default 100 µs (50,000 contacts: 5 s).
	PerRecord time.Duration
	// Timeout gives up on an import that has not finished after this long. Default 4 hours.
	Timeout time.Duration
}

func (p PollPolicy) withDefaults() PollPolicy {
	if p.Min <= 0 {
		p.Min = 5 * time.Second
	}
	if p.Max <= 0 {
		p.Max = 30 * time.Second
	}
	if p.Max < p.Min {
		p.Max = p.Min
	}
	if p.Factor <= 1 {
		p.Factor = 1.5
	}
	if p.PerRecord <= 0 {
		p.PerRecord = 100 * time.Microsecond
	}
	if p.Timeout <= 0 {
		p.Timeout = 4 * time.Hour
	}
	return p
}

// estimator learns how long imports take per record. It learns from the poll that found an import
// finished, which is an upper bound of its duration: the estimate can only err long, which costs some
// latency but never an extra poll.
type estimator struct {
	mu        sync.Mutex
	perRecord float64 // nanoseconds; 0 until an import finished
}

// first is the wait before the first poll of an import of n records.
func (e *estimator) first(n int, p PollPolicy) time.Duration {
	e.mu.Lock()
	per := e.perRecord
	e.mu.Unlock()
	if per == 0 {
		per = float64(p.PerRecord)
	}
	return min(p.Max, max(p.Min, time.Duration(per*float64(max(n, 1)))))
}

// observe learns from an import of n records found finished after took.
func (e *estimator) observe(n int, took time.Duration) {
	per := float64(took) / float64(max(n, 1))
	e.mu.Lock()
	if e.perRecord == 0 {
		e.perRecord = per
	} else {
		e.perRecord = (e.perRecord + per) / 2
	}
	e.mu.Unlock()
}

// next is the wait after a poll that found the import unfinished.
func (p PollPolicy) next(prev time.Duration) time.Duration {
	return min(p.Max, max(p.Min, time.Duration(float64(prev)*p.Factor)))
}
