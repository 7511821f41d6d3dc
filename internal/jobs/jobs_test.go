package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// fakeSyncer records calls and lets each test decide what a sync does.
type fakeSyncer struct {
	mu       sync.Mutex
	calls    map[int64]int
	running  map[int64]int
	overlaps atomic.Int64
	do       func(call int, connID int64) (bool, error)
	hold     time.Duration
}

func newFake(do func(call int, connID int64) (bool, error)) *fakeSyncer {
	return &fakeSyncer{calls: map[int64]int{}, running: map[int64]int{}, do: do}
}

func (f *fakeSyncer) Sync(ctx context.Context, id int64, trigger string, budget time.Duration) (bool, error) {
	f.mu.Lock()
	f.calls[id]++
	call := f.calls[id]
	f.running[id]++
	if f.running[id] > 1 {
		f.overlaps.Add(1)
	}
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.running[id]--; f.mu.Unlock() }()
	if f.hold > 0 {
		select {
		case <-time.After(f.hold):
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return f.do(call, id)
}

func (f *fakeSyncer) count(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

func setup(t *testing.T, engine store.Engine, syncer jobs.Syncer) (*store.Store, *jobs.Queue) {
	t.Helper()
	s := storetest.Open(t, engine)
	if err := jobs.Migrate(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(jobs.Config{Store: s, Syncer: syncer, PollEvery: 20 * time.Millisecond, DispatchEvery: 100 * time.Millisecond, Slice: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
}

func connection(t *testing.T, s *store.Store, interval time.Duration) int64 {
	t.Helper()
	c := &store.Connection{Name: "c", StoreHash: "h", BigCommerce: store.BigCommerceCredentials{APIPath: "p", AccessToken: "t"},
		Dotdigital: store.DotdigitalCredentials{Username: "u", Password: "p"}, Settings: store.Settings{DataSync: true, Interval: interval}}
	if err := s.CreateConnection(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func forEachEngine(t *testing.T, f func(t *testing.T, engine store.Engine)) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { t.Parallel(); f(t, e) })
	}
}

func TestASecondSyncOfOneConnectionIsRefusedWhileOneIsQueued(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		s, q := setup(t, engine, newFake(func(int, int64) (bool, error) { return true, nil }))
		id := connection(t, s, time.Hour)
		ctx := context.Background()
		if err := q.Enqueue(ctx, id, jobs.TriggerManual); err != nil {
			t.Fatal(err)
		}
		if err := q.Enqueue(ctx, id, jobs.TriggerManual); !errors.Is(err, jobs.ErrAlreadyQueued) {
			t.Fatalf("second enqueue: %v", err)
		}
		if active, _ := q.Active(ctx, id); !active {
			t.Fatal("not active")
		}
		other := connection(t, s, time.Hour)
		if err := q.Enqueue(ctx, other, jobs.TriggerManual); err != nil {
			t.Fatalf("another connection was refused: %v", err)
		}
	})
}

func TestADoneSyncSchedulesTheNextOneAnIntervalAfterItsEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		id := connection(t, s, time.Hour)
		start(t, q)
		before := time.Now()
		q.Enqueue(context.Background(), id, jobs.TriggerManual)
		eventually(t, "the sync", func() bool { return fake.count(id) == 1 })
		eventually(t, "the schedule", func() bool {
			c, _ := s.Connection(context.Background(), id)
			return c.NextSyncAt.After(before.Add(59 * time.Minute))
		})
		eventually(t, "the job to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
		// Finished: a new sync can be queued.
		if err := q.Enqueue(context.Background(), id, jobs.TriggerManual); err != nil {
			t.Fatalf("enqueue after finish: %v", err)
		}
	})
}

func TestSlicedSyncContinuesUntilDone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(call int, _ int64) (bool, error) { return call >= 3, nil })
		s, q := setup(t, engine, fake)
		id := connection(t, s, time.Hour)
		start(t, q)
		q.Enqueue(context.Background(), id, jobs.TriggerManual)
		eventually(t, "three slices", func() bool { return fake.count(id) == 3 })
		eventually(t, "the job to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
		if fake.count(id) != 3 {
			t.Fatalf("ran %d slices", fake.count(id))
		}
	})
}

func TestTheDispatcherSyncsDueConnectionsOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		due, later, off := connection(t, s, time.Hour), connection(t, s, time.Hour), connection(t, s, time.Hour)
		s.SetNextSyncAt(ctx, due, time.Now().Add(-time.Minute))
		s.SetNextSyncAt(ctx, later, time.Now().Add(time.Hour))
		s.SetNextSyncAt(ctx, off, time.Now().Add(-time.Minute))
		c, _ := s.Connection(ctx, off)
		c.Settings.DataSync = false
		s.UpdateSettings(ctx, off, c.Settings)
		start(t, q)
		eventually(t, "the due sync", func() bool { return fake.count(due) == 1 })
		time.Sleep(300 * time.Millisecond) // a few dispatcher rounds
		if fake.count(later) != 0 || fake.count(off) != 0 {
			t.Fatalf("synced a connection that was not due: later %d off %d", fake.count(later), fake.count(off))
		}
	})
}

type rateLimited struct{ d time.Duration }

func (e rateLimited) Error() string             { return "rate limited" }
func (e rateLimited) RetryAfter() time.Duration { return e.d }

type revoked struct{}

func (revoked) Error() string   { return "token revoked" }
func (revoked) Permanent() bool { return true }

func TestRateLimitsSnoozeAndPermanentErrorsCancel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		var s *store.Store
		fake := newFake(func(call int, id int64) (bool, error) {
			c, _ := s.Connection(context.Background(), id)
			if c.Name == "revoked" {
				return false, revoked{}
			}
			if call == 1 {
				return false, rateLimited{50 * time.Millisecond}
			}
			return true, nil
		})
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		limited := connection(t, s, time.Hour)
		bad := &store.Connection{Name: "revoked", StoreHash: "h", BigCommerce: store.BigCommerceCredentials{APIPath: "p", AccessToken: "t"},
			Dotdigital: store.DotdigitalCredentials{Username: "u", Password: "p"}, Settings: store.Settings{DataSync: true}}
		s.CreateConnection(ctx, bad)
		start(t, q)
		q.Enqueue(ctx, limited, jobs.TriggerManual)
		q.Enqueue(ctx, bad.ID, jobs.TriggerManual)
		eventually(t, "the rate-limited sync to finish", func() bool { return fake.count(limited) == 2 })
		eventually(t, "the revoked sync to be cancelled", func() bool { a, _ := q.Active(ctx, bad.ID); return !a && fake.count(bad.ID) == 1 })
		time.Sleep(200 * time.Millisecond)
		if fake.count(bad.ID) != 1 {
			t.Fatalf("a permanent error was retried %d times", fake.count(bad.ID))
		}
	})
}

func TestNeverTwoSyncsOfOneConnectionAtOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(call int, _ int64) (bool, error) { return call%2 == 0, nil })
		fake.hold = 30 * time.Millisecond
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		var ids []int64
		for range 5 {
			ids = append(ids, connection(t, s, time.Hour))
		}
		start(t, q)
		for round := 0; round < 10; round++ {
			for _, id := range ids {
				q.Enqueue(ctx, id, jobs.TriggerManual) // duplicates are refused
			}
			time.Sleep(20 * time.Millisecond)
		}
		eventually(t, "all syncs", func() bool {
			for _, id := range ids {
				if a, _ := q.Active(ctx, id); a {
					return false
				}
			}
			return true
		})
		if n := fake.overlaps.Load(); n != 0 {
			t.Fatalf("%d overlapping syncs of one connection", n)
		}
	})
}

func TestCancelStopsQueuedSyncs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake) // not started: the job stays queued
		id := connection(t, s, time.Hour)
		ctx := context.Background()
		q.Enqueue(ctx, id, jobs.TriggerManual)
		if err := q.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if a, _ := q.Active(ctx, id); a {
			t.Fatal("still active after cancel")
		}
		if err := q.Enqueue(ctx, id, jobs.TriggerManual); err != nil {
			t.Fatalf("enqueue after cancel: %v", err)
		}
	})
}

// With SQLite one process owns the database, so a job left running by a killed process is resumed
// as soon as the next process starts.
func TestOrphanedSQLiteJobsResumeAtStart(t *testing.T) {
	fake := newFake(func(int, int64) (bool, error) { return true, nil })
	s, q := setup(t, store.SQLite, fake)
	id := connection(t, s, time.Hour)
	ctx := context.Background()
	q.Enqueue(ctx, id, jobs.TriggerManual)
	// What a kill -9 in the middle of a sync leaves behind.
	if _, err := s.DB().Exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec')`); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	eventually(t, "the orphaned sync to resume", func() bool { return fake.count(id) == 1 })
}
