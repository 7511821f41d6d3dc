package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/store"
)

// finishedRun records a run of the given streams and counts that took took, and ends it with status.
func finishedRun(t *testing.T, s *store.Store, connID int64, status store.RunStatus, took time.Duration, counts ...store.StreamCounts) *store.Run {
	t.Helper()
	ctx := context.Background()
	r := startedRun(t, s, connID, counts...)
	if err := s.FinishRun(ctx, r.ID, status, ""); err != nil {
		t.Fatal(err)
	}
	// The store takes its own clock: move the start back so the run took what the test says.
	if _, err := s.DB().Exec(`UPDATE runs SET started_at = finished_at - $1 WHERE id = $2`, took.Milliseconds(), r.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

func startedRun(t *testing.T, s *store.Store, connID int64, counts ...store.StreamCounts) *store.Run {
	t.Helper()
	ctx := context.Background()
	var streams []string
	for _, c := range counts {
		streams = append(streams, c.Stream)
	}
	r, err := s.StartRun(ctx, connID, "schedule", streams)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if err := s.SaveStreamCounts(ctx, r.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func counts(stream string, read, sent, unchanged, rejected int64) store.StreamCounts {
	return store.StreamCounts{Stream: stream, State: "done", Read: read, Sent: sent, Unchanged: unchanged, Rejected: rejected, Total: -1}
}

var testBounds = []time.Duration{time.Second, time.Minute, time.Hour}

func TestRunHistoryCountsFinishedRunsOnceAndListsTheRunningOnes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		finishedRun(t, s, c.ID, store.RunSucceeded, 500*time.Millisecond, counts("customers", 10, 4, 6, 0), counts("orders", 3, 3, 0, 0))
		finishedRun(t, s, c.ID, store.RunPartial, 90*time.Second, counts("customers", 5, 4, 0, 1))
		running := startedRun(t, s, c.ID, counts("customers", 100, 50, 0, 0))
		finishedRun(t, s, c.ID, store.RunFailed, 2*time.Hour)
		newest := finishedRun(t, s, c.ID, store.RunSucceeded, time.Second, counts("customers", 1, 1, 0, 0))

		h, err := s.RunHistory(ctx, 0, testBounds)
		if err != nil {
			t.Fatal(err)
		}
		if h.Below != newest.ID+1 {
			t.Fatalf("below = %d, want %d", h.Below, newest.ID+1)
		}
		wantRuns := map[store.RunStatus]int64{store.RunSucceeded: 2, store.RunPartial: 1, store.RunFailed: 1}
		if !reflect.DeepEqual(h.Totals.Runs, wantRuns) {
			t.Errorf("runs = %v, want %v (the running run is not counted)", h.Totals.Runs, wantRuns)
		}
		wantRecords := map[string]store.RecordCounts{
			"customers": {Read: 16, Sent: 9, Unchanged: 6, Rejected: 1},
			"orders":    {Read: 3, Sent: 3},
		}
		if !reflect.DeepEqual(h.Totals.Records, wantRecords) {
			t.Errorf("records = %+v, want %+v (the running run's are not counted)", h.Totals.Records, wantRecords)
		}
		d := h.Totals.Duration
		// 0.5 s and 1 s are ≤ 1 s; 90 s ≤ 1 h; 2 h above every bound.
		if !reflect.DeepEqual(d.Cumulative, []uint64{2, 2, 3}) || d.Count != 4 || d.Sum != 500*time.Millisecond+91*time.Second+2*time.Hour {
			t.Errorf("duration histogram = %+v", d)
		}
		if !reflect.DeepEqual(h.Running, []int64{running.ID}) {
			t.Errorf("running = %v, want [%d]", h.Running, running.ID)
		}

		// The newest ids are left out, for RunTallies to follow.
		h, err = s.RunHistory(ctx, 2, testBounds)
		if err != nil {
			t.Fatal(err)
		}
		if h.Below != newest.ID-1 || h.Totals.Runs[store.RunSucceeded] != 1 || h.Totals.Runs[store.RunFailed] != 0 || h.Totals.Duration.Count != 2 {
			t.Errorf("all but the 2 newest: below %d, totals %+v", h.Below, h.Totals)
		}
	})
}

func TestRunHistoryOfAnEmptyDatabase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		h, err := s.RunHistory(context.Background(), 1000, testBounds)
		if err != nil {
			t.Fatal(err)
		}
		if h.Below != 1 || len(h.Totals.Runs) != 0 || len(h.Running) != 0 || h.Totals.Duration.Count != 0 || len(h.Totals.Duration.Cumulative) != 3 {
			t.Fatalf("history = %+v", h)
		}
	})
}

func TestRunTalliesReadTheRunsFromAnIDAndTheListedOnes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		old := startedRun(t, s, c.ID, counts("orders", 7, 7, 0, 0))
		skipped := finishedRun(t, s, c.ID, store.RunSucceeded, time.Second)
		done := finishedRun(t, s, c.ID, store.RunPartial, 3*time.Second, counts("customers", 5, 3, 1, 1), counts("orders", 2, 2, 0, 0))
		empty, _ := s.StartRun(ctx, c.ID, "manual", nil)

		got, err := s.RunTallies(ctx, done.ID, []int64{old.ID})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]store.RunTally{}
		for _, r := range got {
			byID[r.ID] = r
		}
		if len(got) != 3 || len(byID) != 3 {
			t.Fatalf("tallies = %+v, want runs %d, %d and %d", got, old.ID, done.ID, empty.ID)
		}
		if _, ok := byID[skipped.ID]; ok {
			t.Error("a run below from and not listed was read")
		}
		o := byID[old.ID]
		if o.Finished() || o.Duration() != 0 || o.Records["orders"] != (store.RecordCounts{Read: 7, Sent: 7}) {
			t.Errorf("running run = %+v", o)
		}
		d := byID[done.ID]
		if !d.Finished() || d.Status != store.RunPartial || d.Duration() != 3*time.Second ||
			d.Records["customers"] != (store.RecordCounts{Read: 5, Sent: 3, Unchanged: 1, Rejected: 1}) || d.Records["orders"].Sent != 2 {
			t.Errorf("finished run = %+v", d)
		}
		if e := byID[empty.ID]; e.Finished() || len(e.Records) != 0 {
			t.Errorf("run without streams = %+v", e)
		}

		// Many listed ids are read in batches.
		ids := []int64{old.ID}
		for i := range 1200 {
			ids = append(ids, done.ID+1000+int64(i))
		}
		got, err = s.RunTallies(ctx, empty.ID+1, ids)
		if err != nil || len(got) != 1 || got[0].ID != old.ID {
			t.Fatalf("by 1201 ids: %+v, %v", got, err)
		}
	})
}

func TestQueueJobsCountsUnfinishedJobsByQueueAndState(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.QueueJobs(ctx); err == nil {
			t.Fatal("no error without River's tables")
		}
		if err := jobs.Migrate(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := s.QueueJobs(ctx); err != nil || len(got) != 0 {
			t.Fatalf("empty queue: %v, %v", got, err)
		}
		for _, j := range []struct{ queue, state string }{
			{"sync", "available"}, {"sync", "available"}, {"sync", "scheduled"}, {"sync", "running"}, {"sync", "retryable"},
			{"sync", "completed"}, {"sync", "cancelled"}, {"sync", "discarded"}, {"default", "running"}, {"default", "completed"},
		} {
			finalized := "NULL"
			if j.state == "completed" || j.state == "cancelled" || j.state == "discarded" {
				finalized = "CURRENT_TIMESTAMP"
			}
			if _, err := s.DB().Exec(`INSERT INTO river_job (kind, queue, state, max_attempts, args, finalized_at)
				VALUES ('sync', $1, '`+j.state+`', 20, '{}', `+finalized+`)`, j.queue); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.QueueJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.QueueCount{
			{Queue: "default", State: "running", Jobs: 1},
			{Queue: "sync", State: "available", Jobs: 2},
			{Queue: "sync", State: "retryable", Jobs: 1},
			{Queue: "sync", State: "running", Jobs: 1},
			{Queue: "sync", State: "scheduled", Jobs: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("queue = %+v, want %+v", got, want)
		}
	})
}

func TestConnectionsByStatusAndAllWaitingRecords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if got, err := s.ConnectionsByStatus(ctx); err != nil || len(got) != 0 {
			t.Fatalf("no connections: %v, %v", got, err)
		}
		a, b, c := newConnection(t, s), newConnection(t, s), newConnection(t, s)
		s.SetShopStatus(ctx, b.StoreID, store.StatusNeedsAttention, "token revoked")
		got, err := s.ConnectionsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[store.Status]int64{store.StatusOK: 2, store.StatusNeedsAttention: 1}; !reflect.DeepEqual(got, want) {
			t.Fatalf("by status = %v, want %v", got, want)
		}

		if n, err := s.CountAllWaiting(ctx); err != nil || n != 0 {
			t.Fatalf("nothing waits: %d, %v", n, err)
		}
		wait := func(connID int64, keys ...string) {
			var ws []store.Waiting
			for _, k := range keys {
				ws = append(ws, store.Waiting{Collection: "Orders", Key: k, Email: "guest-" + k + "@example.com", Body: []byte(`{}`)})
			}
			if err := s.AddWaiting(ctx, connID, ws); err != nil {
				t.Fatal(err)
			}
		}
		wait(a.ID, "1", "2")
		wait(c.ID, "1", "2", "3")
		if n, err := s.CountAllWaiting(ctx); err != nil || n != 5 {
			t.Fatalf("waiting = %d, %v; want 5 over all connections", n, err)
		}
	})
}

func TestMetricsQueriesReportAClosedDatabase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.Close()
		if _, err := s.RunHistory(ctx, 0, testBounds); err == nil || !strings.Contains(err.Error(), "run history") {
			t.Errorf("run history: %v", err)
		}
		if _, err := s.RunTallies(ctx, 1, []int64{1}); err == nil {
			t.Error("run tallies: no error")
		}
		if _, err := s.ConnectionsByStatus(ctx); err == nil {
			t.Error("connections: no error")
		}
		if _, err := s.CountAllWaiting(ctx); err == nil {
			t.Error("waiting: no error")
		}
	})
}
