package alert

import (
	"time"

	"github.com/bcsync/bcsync/internal/notify"
)

// rank orders severities: a condition that does not hold (""), then warning, then critical.
func rank(s string) int {
	switch notify.Severity(s) {
	case notify.Warning:
		return 1
	case notify.Critical:
		return 2
	case notify.Info:
		return 1
	}
	return 0
}

// due decides whether a channel is told now that a condition is observed at severity, when it was
// last told notified (at notifiedAt; "" is nothing or a recovery notice). Once per change of state:
// nothing while the two agree. A change is told at once, with one exception that folds flapping: a
// condition back within quiet of its recovery notice waits until quiet has passed, and is told then
// only if it still holds (the periodic check decides again).
func due(observed, notified string, notifiedAt, now time.Time, quiet time.Duration) bool {
	if observed == notified {
		return false
	}
	recovered := notified == "" && !notifiedAt.IsZero()
	if recovered && rank(observed) > 0 && now.Before(notifiedAt.Add(quiet)) {
		return false
	}
	return true
}
