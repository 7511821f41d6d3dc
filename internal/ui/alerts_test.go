package ui

import (
	"testing"
	"time"
)

func TestQuietPeriodsReadNaturally(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "none", 15 * time.Minute: "15m", 10 * time.Minute: "10m", time.Hour: "1h",
		90 * time.Minute: "1h30m", 90 * time.Second: "1m30s"} {
		if got := quietText(d); got != want {
			t.Errorf("quietText(%s) = %q, want %q", d, got, want)
		}
	}
}
