package schedule

import (
	"testing"
	"time"
)

func TestParseReadsManualDurationsAndCron(t *testing.T) {
	for in, want := range map[string]Spec{
		"":                  Manual,
		"manual":            Manual,
		"15m":               {Interval: 15 * time.Minute},
		"1h30m":             {Interval: 90 * time.Minute},
		"cron:0 3 * * *":    {Cron: "0 3 * * *"},
		"cron: @daily":      {Cron: "@daily"},
		"cron:*/15 * * * 1": {Cron: "*/15 * * * 1"},
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := Parse(got.String()); err != nil || back != got {
			t.Errorf("Parse(%q.String() = %q) = %+v, %v", in, got.String(), back, err)
		}
	}
}

func TestParseRefusesWhatCannotRun(t *testing.T) {
	for _, in := range []string{"5s", "soon", "cron:", "cron:61 * * * *", "cron:0 3 * *", "cron:CRON_TZ=Europe/Paris 0 3 * * *", "-5m"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, got)
		}
	}
}

func TestAnIntervalCountsFromTheEndOfTheLastRun(t *testing.T) {
	ended := time.Date(2026, 12, 5, 10, 7, 30, 0, time.UTC)
	if got := (Spec{Interval: 5 * time.Minute}).Next(ended); !got.Equal(ended.Add(5 * time.Minute)) {
		t.Fatalf("next = %v", got)
	}
	if got := Manual.Next(ended); !got.IsZero() {
		t.Fatalf("a manual sync was scheduled at %v", got)
	}
}

func TestCronTimesAreUTC(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	ended := time.Date(2026, 12, 5, 3, 30, 0, 0, paris) // 02:30 UTC
	got := (Spec{Cron: "0 3 * * *"}).Upcoming(ended, 3)
	want := []time.Time{
		time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC),
	}
	if len(got) != 3 {
		t.Fatalf("upcoming = %v", got)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("run %d at %v, want %v", i, got[i], want[i])
		}
	}
}

func TestDescribe(t *testing.T) {
	for s, want := range map[Spec]string{
		Manual:                      "only when asked",
		{Interval: time.Hour}:       "every 1h after the last run ends",
		{Interval: 5 * time.Minute}: "every 5m after the last run ends",
		{Cron: "0 3 * * *"}:         "at the times of cron 0 3 * * * (UTC)",
	} {
		if got := s.Describe(); got != want {
			t.Errorf("%+v: %q, want %q", s, got, want)
		}
	}
}
