package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

func TestAfterSignInOnlyPathsOfThisSiteAreFollowed(t *testing.T) {
	for next, want := range map[string]string{
		"/connections/3/runs":  "/connections/3/runs",
		"":                     "/connections",
		"https://evil.example": "/connections",
		"//evil.example/x":     "/connections",
		`/\evil.example`:       "/connections",
		"javascript:alert(1)":  "/connections",
		"/\t/evil.example":     "/connections",
		"/\n/evil.example":     "/connections",
		"/x\\y":                "/connections",
		"/runs?q=a\x7f":        "/connections",
		"/runs?q=%09":          "/runs?q=%09",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestNumbersAndTimesReadNaturally(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := num(v); got != want {
			t.Errorf("num(%d) = %q, want %q", v, got, want)
		}
	}
	now := time.Now()
	for at, want := range map[time.Time]string{{}: "never", now: "just now", now.Add(-90 * time.Second): "1 minute ago",
		now.Add(-3 * time.Hour): "3 hours ago", now.Add(4*time.Minute + 30*time.Second): "in 4 minutes"} {
		if got := ago(at); got != want {
			t.Errorf("ago(%v) = %q, want %q", at, got, want)
		}
	}
}

func TestTheRunsChartScalesBarsAndTheDurationLine(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	run := func(id int64, sent int64, took time.Duration, status store.RunStatus) *store.Run {
		return &store.Run{ID: id, Number: id, Status: status, StartedAt: start, FinishedAt: start.Add(took),
			Streams: []store.StreamCounts{{Stream: "customers", Sent: sent}}}
	}
	c := newChart([]*store.Run{run(1, 1000, 10*time.Second, store.RunSucceeded), run(2, 250, 5*time.Second, store.RunFailed),
		{ID: 3, Status: store.RunRunning, StartedAt: start}})
	if c.Empty || len(c.Bars) != 2 || c.MaxRecords != 1000 {
		t.Fatalf("chart = %+v", c)
	}
	if full, quarter := c.Bars[0].H, c.Bars[1].H; full != 4*quarter || !c.Bars[1].Failed {
		t.Fatalf("bars: %+v", c.Bars)
	}
	if c.Points[0].Y >= c.Points[1].Y { // the longer run is drawn higher (smaller y)
		t.Fatalf("duration points: %+v", c.Points)
	}
	if empty := newChart([]*store.Run{{ID: 1, Status: store.RunRunning, StartedAt: start}}); !empty.Empty {
		t.Fatal("a chart of no finished run is not empty")
	}
}

func TestTheRunsChartNumbersRunsUnderTheAxisWithoutCrowding(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.Local)
	var runs []*store.Run
	for id := int64(1); id <= 50; id++ {
		at := start.Add(time.Duration(id) * time.Hour)
		// Ids run on across syncs; the ticks number this sync's runs.
		runs = append(runs, &store.Run{ID: 100 + id, Number: id, Status: store.RunSucceeded, StartedAt: at, FinishedAt: at.Add(time.Second)})
	}
	c := newChart(runs)
	var ticks []string
	for _, b := range c.Bars {
		if b.Tick != "" {
			ticks = append(ticks, b.Tick)
		}
	}
	if len(ticks) > maxTicks || ticks[len(ticks)-1] != "50" {
		t.Fatalf("ticks = %v: at most %d, the newest run numbered", ticks, maxTicks)
	}
	if c.From != "20 Nov 10:00" || c.To != "22 Nov 11:00" {
		t.Fatalf("axis from %q to %q", c.From, c.To)
	}
	if few := newChart(runs[:3]); few.Bars[0].Tick != "1" || few.Bars[2].Tick != "3" {
		t.Fatalf("three runs are each numbered: %+v", few.Bars)
	}
}

func TestAValueShownAgainIsClippedToItsFieldWithoutSplittingACharacter(t *testing.T) {
	for _, tc := range []struct{ v, want string }{
		{strings.Repeat("é", 101), strings.Repeat("é", 100)},
		{strings.Repeat("x", 100), strings.Repeat("x", 100)},
		{"short", "short"},
	} {
		if got := clip("name", tc.v); got != tc.want {
			t.Errorf("clip(%q) = %q", tc.v, got)
		}
	}
}
