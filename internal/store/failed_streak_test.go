package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// A sync is failing since the first of the failed runs that ended last in a row; a run that did not
// fail ends the streak, and a running run does not count. A failed run keeps its sentences and the
// technical detail behind them apart.
func TestAFailedStreakCountsTheLastFailedRunsInARow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		if st, err := s.FailedStreak(ctx, c.ID); err != nil || st.Runs != 0 || !st.Since.IsZero() {
			t.Fatalf("no runs: %+v %v", st, err)
		}
		finishedRun(t, s, c.ID, store.RunFailed, time.Second)
		finishedRun(t, s, c.ID, store.RunSucceeded, time.Second)
		first := finishedRun(t, s, c.ID, store.RunFailed, time.Second)
		finishedRun(t, s, c.ID, store.RunFailed, time.Second)
		last := startedRun(t, s, c.ID)
		if err := s.FinishRunDetailed(ctx, last.ID, store.RunFailed, "bcsync cannot reach the store.", "dial tcp: connection refused"); err != nil {
			t.Fatal(err)
		}
		startedRun(t, s, c.ID)
		st, err := s.FailedStreak(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		firstRun, err := s.Run(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Runs != 3 || !st.Since.Equal(firstRun.StartedAt) {
			t.Fatalf("streak %+v, want 3 since %v", st, firstRun.StartedAt)
		}
		got, err := s.Run(ctx, last.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Error != "bcsync cannot reach the store." || got.Detail != "dial tcp: connection refused" {
			t.Fatalf("error %q, detail %q", got.Error, got.Detail)
		}
	})
}
