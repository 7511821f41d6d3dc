package ledger_test

import (
	"context"
	"testing"

	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

type ending struct {
	syncID, runID int64
	status        store.RunStatus
	saved         store.RunStatus // what the state store said when told
	live          bool            // the context was not cancelled
}

// Whoever watches runs is told of each end once, after the status is saved, whatever the kind of sync
// and however the run ended.
func TestEveryEndIsToldOnceAfterItIsSaved(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	conn := storetest.NewConnection(t, s)
	var ends []ending
	l := ledger.New(s, ledger.Options{Ended: func(ctx context.Context, syncID, runID int64, status store.RunStatus) {
		run, err := s.Run(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, ending{syncID, runID, status, run.Status, ctx.Err() == nil})
	}})

	// A run whose caller is already stopping still tells of its end.
	ctx, cancel := context.WithCancel(context.Background())
	run, err := l.Begin(ctx, conn.ID, "manual", []string{"customers"})
	if err != nil {
		t.Fatal(err)
	}
	run.Enter(ctx, "customers", 0, ledger.Running)
	if err := run.Reject(ctx, "customers", store.Rejected{Key: "1", Reason: "InvalidEmail"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if status, err := run.Finish(context.WithoutCancel(ctx), nil); err != nil || status != store.RunPartial {
		t.Fatalf("finish = %s, %v", status, err)
	}
	failed, err := l.Begin(context.Background(), conn.ID, "schedule", []string{"customers"})
	if err != nil {
		t.Fatal(err)
	}
	if err := failed.Fail(context.Background(), "credentials refused"); err != nil {
		t.Fatal(err)
	}

	// A warehouse run its guard stops ends blocked, and is told so.
	blocked, err := l.Begin(context.Background(), conn.ID, "schedule", []string{"plan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := blocked.End(context.Background(), store.RunBlocked, "blocked: would delete 70%"); err != nil {
		t.Fatal(err)
	}

	want := []ending{
		{conn.ID, run.ID(), store.RunPartial, store.RunPartial, true},
		{conn.ID, failed.ID(), store.RunFailed, store.RunFailed, true},
		{conn.ID, blocked.ID(), store.RunBlocked, store.RunBlocked, true},
	}
	if len(ends) != len(want) {
		t.Fatalf("told of %d ends, want %d: %+v", len(ends), len(want), ends)
	}
	for i := range want {
		if ends[i] != want[i] {
			t.Errorf("end %d = %+v, want %+v", i, ends[i], want[i])
		}
	}
}

// What a part read is accounted for, with the reasons for what was not sent, and the pace the store's
// quota allows: all of it kept by the state store, on every engine.
func TestWaitingAndSkippedRecordsAreKeptWithTheirReasons(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			s := storetest.Open(t, engine)
			conn := storetest.NewConnection(t, s)
			ctx := context.Background()
			l := ledger.New(s, ledger.Options{})
			run, err := l.Begin(ctx, conn.ID, "manual", []string{"orders"})
			if err != nil {
				t.Fatal(err)
			}
			run.Enter(ctx, "orders", 0, ledger.Running)
			run.SetTotal(10)
			run.SetMaxRate(625)
			run.Count(10, 4, 2, 0)
			run.Wait("the email is not a contact yet", 3)
			run.Skip("no consent", 1)
			run.Wait("the email is not a contact yet", 0)
			run.Save(ctx, true)
			saved, err := s.Run(ctx, run.ID())
			if err != nil {
				t.Fatal(err)
			}
			c := saved.Streams[0]
			if c.Read != 10 || c.Sent != 4 || c.Unchanged != 2 || c.Waiting != 3 || c.Skipped != 1 || c.Total != 10 || c.MaxRate != 625 {
				t.Fatalf("saved %+v", c)
			}
			if len(c.Reasons) != 2 || c.Reasons["waiting: the email is not a contact yet"] != 3 || c.Reasons["skipped: no consent"] != 1 {
				t.Fatalf("reasons %v", c.Reasons)
			}
		})
	}
}
