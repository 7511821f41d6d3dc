// Package schedule says when a sync runs next: every interval counted from the end of its last run (so
// a long run never overlaps the next), at the times of a cron expression (in UTC), or only when asked.
package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Spec is a sync's schedule. Cron wins over Interval; neither means manual.
type Spec struct {
	Interval time.Duration
	Cron     string
}

// Manual is the schedule of a sync that runs only when asked.
var Manual = Spec{}

// MinInterval is the shortest interval allowed.
const MinInterval = time.Minute

// Parse reads a schedule as users write it: "manual", a duration such as "15m" or "1h30m", or
// "cron:EXPR" with a five-field cron expression or a descriptor such as @daily (UTC).
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "manual"):
		return Manual, nil
	case strings.HasPrefix(s, "cron:"):
		expr := strings.TrimSpace(strings.TrimPrefix(s, "cron:"))
		if _, err := parseCron(expr); err != nil {
			return Spec{}, err
		}
		return Spec{Cron: expr}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return Spec{}, fmt.Errorf("schedule %q: want manual, a duration such as 15m, or cron:EXPR such as cron:0 3 * * *", s)
	}
	if d < MinInterval {
		return Spec{}, fmt.Errorf("schedule %q: the interval must be at least %s", s, MinInterval)
	}
	return Spec{Interval: d}, nil
}

// String writes the schedule the way Parse reads it.
func (s Spec) String() string {
	switch {
	case s.Cron != "":
		return "cron:" + s.Cron
	case s.Interval > 0:
		return formatDuration(s.Interval)
	}
	return "manual"
}

// Describe says the schedule in words, e.g. "every 5 minutes after the last run ends".
func (s Spec) Describe() string {
	switch {
	case s.Cron != "":
		return "at the times of cron " + s.Cron + " (UTC)"
	case s.Interval > 0:
		return "every " + formatDuration(s.Interval) + " after the last run ends"
	}
	return "only when asked"
}

// Next is when the run after one that ended at ended is due; zero for a manual schedule.
func (s Spec) Next(ended time.Time) time.Time {
	switch {
	case s.Cron != "":
		sched, err := parseCron(s.Cron)
		if err != nil {
			return time.Time{} // saved schedules were parsed before they were saved
		}
		return sched.Next(ended.UTC())
	case s.Interval > 0:
		return ended.Add(s.Interval)
	}
	return time.Time{}
}

// Upcoming lists the next n run times after from (for a cron schedule, or an interval counted from
// from); none for a manual schedule.
func (s Spec) Upcoming(from time.Time, n int) []time.Time {
	var out []time.Time
	for t := from; len(out) < n; {
		next := s.Next(t)
		if next.IsZero() {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseCron(expr string) (cron.Schedule, error) {
	if expr == "" {
		return nil, errors.New("schedule: an empty cron expression")
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return nil, fmt.Errorf("cron %q: schedules are in UTC; leave out the time zone", expr)
	}
	sched, err := parser.Parse("CRON_TZ=UTC " + expr)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w (want five fields: minute hour day-of-month month day-of-week, e.g. 0 3 * * *)", expr, err)
	}
	return sched, nil
}

// formatDuration writes 5m rather than 5m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
