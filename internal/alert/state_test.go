package alert

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// simulate judges a condition observed as each step says, every minute in between as the periodic
// check does, and returns what the channel was told: "warning@0", "@5" (a recovery), …, in minutes.
func simulate(quiet time.Duration, steps map[int]string, until int) string {
	t0 := time.Date(2026, 8, 20, 2, 0, 0, 0, time.UTC)
	var told []string
	observed, notified, notifiedAt := "", "", time.Time{}
	for minute := 0; minute <= until; minute++ {
		if s, ok := steps[minute]; ok {
			observed = s
		}
		now := t0.Add(time.Duration(minute) * time.Minute)
		if due(observed, notified, notifiedAt, now, quiet) {
			notified, notifiedAt = observed, now
			told = append(told, observed+"@"+strconv.Itoa(minute))
		}
	}
	return strings.Join(told, " ")
}

func TestOncePerChangeOfState(t *testing.T) {
	quiet := 15 * time.Minute
	cases := []struct {
		name  string
		steps map[int]string
		until int
		want  string
	}{
		{"a condition that stays true is told once", map[int]string{0: "critical"}, 120, "critical@0"},
		{"three failures then a success: one alert, one recovery", map[int]string{0: "critical", 5: "critical", 10: "critical", 15: ""}, 60, "critical@0 @15"},
		{"a recovery is told at once, even right after its alert", map[int]string{0: "critical", 2: ""}, 60, "critical@0 @2"},
		{"warning, critical, back: each is told", map[int]string{0: "warning", 5: "critical", 10: ""}, 60, "warning@0 critical@5 @10"},
		{"critical falls back to warning: told", map[int]string{0: "critical", 5: "warning"}, 60, "critical@0 warning@5"},
		// Every five minutes failing, then not: alert, recovery, then the changes within 15 minutes of
		// the recovery fold into nothing, and so on.
		{"flapping is folded", map[int]string{0: "critical", 5: "", 10: "critical", 15: "", 20: "critical", 25: "", 30: "critical", 35: "", 40: "critical"}, 60,
			"critical@0 @5 critical@20 @25 critical@40"},
		{"back within the quiet period and still there: told when it ends", map[int]string{0: "critical", 3: "", 6: "critical"}, 60, "critical@0 @3 critical@18"},
		{"back after the quiet period: told at once", map[int]string{0: "critical", 3: "", 30: "critical"}, 60, "critical@0 @3 critical@30"},
		{"a condition never true is never told", map[int]string{0: ""}, 60, ""},
	}
	for _, c := range cases {
		if got := simulate(quiet, c.steps, c.until); got != c.want {
			t.Errorf("%s: told %q, want %q", c.name, got, c.want)
		}
	}
	if got := simulate(0, map[int]string{0: "critical", 1: "", 2: "critical", 3: ""}, 10); got != "critical@0 @1 critical@2 @3" {
		t.Errorf("no quiet period: told %q", got)
	}
}
