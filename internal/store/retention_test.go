package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

func TestOldRunsArePrunedWithTheirRejectedRecordsAndCallsButNotTheLastSync(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, other := newConnection(t, s), newConnection(t, s)
		history := func(connID int64) (finished []int64) {
			for range 3 {
				run, err := s.StartRun(ctx, connID, "schedule", []string{"customers"})
				if err != nil {
					t.Fatal(err)
				}
				s.AddRejected(ctx, []store.Rejected{{SyncID: connID, RunID: run.ID, Stream: "customers", Key: "1", Reason: "InvalidEmail"}})
				s.AddAPICalls(ctx, []store.APICall{{SyncID: connID, RunID: run.ID, API: "bigcommerce", Method: "GET", URL: "http://x/", Status: 200, StartedAt: time.Now()}}, 100)
				s.FinishRun(ctx, run.ID, store.RunPartial, "")
				finished = append(finished, run.ID)
			}
			return finished
		}
		runs, otherRuns := history(c.ID), history(other.ID)
		running, _ := s.StartRun(ctx, c.ID, "manual", nil)

		// A cutoff before the runs finished deletes nothing.
		if n, err := s.PruneRuns(ctx, c.ID, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("pruned %d runs finished after the cutoff (%v)", n, err)
		}
		n, err := s.PruneRuns(ctx, c.ID, time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("pruned %d runs, want the 2 older finished ones (%v)", n, err)
		}
		left, _ := s.Runs(ctx, c.ID, 10, 0)
		if len(left) != 2 || left[0].ID != running.ID || left[1].ID != runs[2] {
			t.Fatalf("runs left: %+v; want the running run and the last finished one", left)
		}
		for _, id := range runs[:2] {
			if rs, _ := s.RejectedRecords(ctx, c.ID, store.RejectedFilter{RunID: id}); len(rs) != 0 {
				t.Errorf("run %d's rejected records are still there", id)
			}
			if calls, _ := s.APICalls(ctx, c.ID, store.APICallFilter{RunID: id}); len(calls) != 0 {
				t.Errorf("run %d's API calls are still there", id)
			}
		}
		if rs, _ := s.RejectedRecords(ctx, c.ID, store.RejectedFilter{RunID: runs[2]}); len(rs) != 1 {
			t.Error("the last sync lost its rejected records")
		}
		if all, _ := s.Runs(ctx, other.ID, 10, 0); len(all) != len(otherRuns) {
			t.Fatalf("another connection's runs were pruned: %d left", len(all))
		}
	})
}
