package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// fakeRunner records calls and lets each test decide what a run does.
type fakeRunner struct {
	mu       sync.Mutex
	calls    map[int64]int
	running  map[int64]int
	overlaps atomic.Int64
	do       func(call int, syncID int64) (bool, error)
	hold     time.Duration
	triggers []string
}

func newFake(do func(call int, syncID int64) (bool, error)) *fakeRunner {
	return &fakeRunner{calls: map[int64]int{}, running: map[int64]int{}, do: do}
}

func (f *fakeRunner) Run(ctx context.Context, id int64, trigger string, budget time.Duration) (bool, error) {
	f.mu.Lock()
	f.calls[id]++
	call := f.calls[id]
	f.triggers = append(f.triggers, trigger)
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

func (f *fakeRunner) count(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// setup runs marketing syncs with runner (and warehouse syncs with warehouse, when given).
func setup(t *testing.T, engine store.Engine, runner jobs.Runner, warehouse ...jobs.Runner) (*store.Store, *jobs.Queue) {
	t.Helper()
	s := storetest.Open(t, engine)
	if err := jobs.Migrate(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	runners := map[store.SyncKind]jobs.Runner{store.KindMarketing: runner}
	if len(warehouse) > 0 {
		runners[store.KindWarehouse] = warehouse[0]
	}
	q, err := jobs.New(jobs.Config{Store: s, Runners: runners, PollEvery: 20 * time.Millisecond, DispatchEvery: 100 * time.Millisecond, Slice: time.Second})
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

// newSync adds a store with one enabled sync of kind, scheduled every interval, and returns the sync.
func newSync(t *testing.T, s *store.Store, kind store.SyncKind, name string, interval time.Duration) int64 {
	t.Helper()
	ctx := context.Background()
	sh := &store.Shop{Name: name, StoreHash: "h", BigCommerce: store.BigCommerceCredentials{APIPath: "p", AccessToken: "t"}}
	if err := s.CreateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	y := &store.Sync{Kind: kind, StoreID: sh.ID, Name: name, Enabled: true, Interval: interval}
	if err := s.CreateSync(ctx, y); err != nil {
		t.Fatal(err)
	}
	return y.ID
}

func connection(t *testing.T, s *store.Store, interval time.Duration) int64 {
	return newSync(t, s, store.KindMarketing, "c", interval)
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

func TestASecondRunOfOneSyncIsRefusedWhileOneIsQueued(t *testing.T) {
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
			t.Fatalf("another sync was refused: %v", err)
		}
	})
}

func TestADoneRunSchedulesTheNextOneAnIntervalAfterItsEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		id := connection(t, s, time.Hour)
		start(t, q)
		before := time.Now()
		q.Enqueue(context.Background(), id, jobs.TriggerManual)
		eventually(t, "the sync", func() bool { return fake.count(id) == 1 })
		eventually(t, "the schedule", func() bool {
			y, err := s.Sync(context.Background(), id)
			return err == nil && y.NextRunAt.After(before.Add(59*time.Minute))
		})
		eventually(t, "the job to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
		// Finished: a new sync can be queued.
		if err := q.Enqueue(context.Background(), id, jobs.TriggerManual); err != nil {
			t.Fatalf("enqueue after finish: %v", err)
		}
	})
}

// pacedRunner says when the next run is due, as the marketing engine does (jobs.Pacer).
type pacedRunner struct {
	*fakeRunner
	next time.Time
}

func (p *pacedRunner) NextRunAt(_ context.Context, _ int64, proposed time.Time) (time.Time, error) {
	if p.next.Before(proposed) {
		return p.next, nil
	}
	return proposed, nil
}

// A change the store announced while a run went on makes the sync run again at once, as a webhook's
// run (not a second manual one); then the runner's own time for the next run replaces the schedule's.
func TestARunAskedForDuringARunFollowsAtOnceAndThePacerSetsTheNext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		var s *store.Store
		var id int64
		fake := newFake(func(call int, _ int64) (bool, error) {
			if call == 1 {
				if err := s.RequestRun(context.Background(), id); err != nil {
					return false, err
				}
			}
			return true, nil
		})
		paced := &pacedRunner{fakeRunner: fake, next: time.Now().Add(2 * time.Minute)}
		var q *jobs.Queue
		s, q = setup(t, engine, paced)
		id = connection(t, s, time.Hour)
		start(t, q)
		q.Enqueue(context.Background(), id, jobs.TriggerManual)
		eventually(t, "the second run", func() bool { return fake.count(id) == 2 })
		eventually(t, "the job to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
		fake.mu.Lock()
		triggers := slices.Clone(fake.triggers)
		fake.mu.Unlock()
		if !slices.Equal(triggers, []string{jobs.TriggerManual, jobs.TriggerWebhook}) {
			t.Errorf("triggers %v, want the manual run then a webhook's", triggers)
		}
		y, err := s.Sync(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d := y.NextRunAt.Sub(paced.next); d < -time.Second || d > time.Second {
			t.Errorf("next run at %s, want the pacer's %s (not the hour's schedule)", y.NextRunAt, paced.next)
		}
	})
}

func TestASlicedRunContinuesUntilDone(t *testing.T) {
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

func TestTheSchedulerRunsDueSyncsOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		due, later, off := connection(t, s, time.Hour), connection(t, s, time.Hour), connection(t, s, time.Hour)
		for id, at := range map[int64]time.Time{due: time.Now().Add(-time.Minute), later: time.Now().Add(time.Hour), off: time.Now().Add(-time.Minute)} {
			if err := s.SetNextRunAt(ctx, id, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetEnabled(ctx, off, false); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		eventually(t, "the due sync", func() bool { return fake.count(due) == 1 })
		time.Sleep(300 * time.Millisecond) // a few dispatcher rounds
		if fake.count(later) != 0 || fake.count(off) != 0 {
			t.Fatalf("ran a sync that was not due: later %d off %d", fake.count(later), fake.count(off))
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
			y, err := s.Sync(context.Background(), id)
			if err != nil {
				return false, err
			}
			if y.Name == "revoked" {
				return false, revoked{}
			}
			if y.Name == "refused" {
				return true, refusedAnswer{}
			}
			if call == 1 {
				return false, rateLimited{50 * time.Millisecond}
			}
			return true, nil
		})
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		limited := connection(t, s, time.Hour)
		bad := newSync(t, s, store.KindMarketing, "revoked", time.Hour)
		refused := newSync(t, s, store.KindMarketing, "refused", time.Hour)
		start(t, q)
		q.Enqueue(ctx, limited, jobs.TriggerManual)
		q.Enqueue(ctx, bad, jobs.TriggerManual)
		q.Enqueue(ctx, refused, jobs.TriggerManual)
		eventually(t, "the rate-limited run to finish", func() bool { return fake.count(limited) == 2 })
		eventually(t, "the revoked run to be cancelled", func() bool { a, _ := q.Active(ctx, bad); return !a && fake.count(bad) == 1 })
		time.Sleep(200 * time.Millisecond)
		if fake.count(bad) != 1 {
			t.Fatalf("a permanent error was retried %d times", fake.count(bad))
		}
		eventually(t, "the refused run to be cancelled", func() bool { a, _ := q.Active(ctx, refused); return !a && fake.count(refused) == 1 })
		time.Sleep(200 * time.Millisecond)
		if fake.count(refused) != 1 {
			t.Fatalf("a permanent error carrying an answer that asked for no wait ran %d times", fake.count(refused))
		}
	})
}

func TestNeverTwoRunsOfOneSyncAtOnce(t *testing.T) {
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
			t.Fatalf("%d overlapping runs of one sync", n)
		}
	})
}

func TestCancelStopsQueuedRuns(t *testing.T) {
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
	eventually(t, "the orphaned run to resume", func() bool { return fake.count(id) == 1 })
}

// Each run goes to the runner of its sync's kind; syncs of both kinds of one store run side by side.
func TestRunsGoToTheRunnerOfTheirSyncsKind(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		marketing := newFake(func(int, int64) (bool, error) { return true, nil })
		warehouse := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, marketing, warehouse)
		ctx := context.Background()
		m := connection(t, s, time.Hour)
		my, err := s.Sync(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		w := &store.Sync{Kind: store.KindWarehouse, StoreID: my.StoreID, Name: "loyalty", Enabled: true}
		if err := s.CreateSync(ctx, w); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		q.Enqueue(ctx, m, jobs.TriggerManual)
		q.Enqueue(ctx, w.ID, jobs.TriggerManual)
		eventually(t, "both runs", func() bool { return marketing.count(m) == 1 && warehouse.count(w.ID) == 1 })
		if marketing.count(w.ID) != 0 || warehouse.count(m) != 0 {
			t.Fatal("a run went to the runner of another kind")
		}
		// A manual schedule is not rescheduled after its run.
		eventually(t, "the job to finish", func() bool { a, _ := q.Active(ctx, w.ID); return !a })
		if y, err := s.Sync(ctx, w.ID); err != nil || !y.NextRunAt.IsZero() {
			t.Fatalf("a manual sync was scheduled: %+v %v", y, err)
		}
	})
}

// A cron schedule sets the next run at the expression's next time in UTC, whenever the last run ended.
func TestACronScheduleSetsTheNextRunAtItsNextTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		ctx := context.Background()
		id := connection(t, s, 0)
		if err := s.SetSchedule(ctx, id, 0, "0 3 * * *"); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		q.Enqueue(ctx, id, jobs.TriggerManual)
		eventually(t, "the run", func() bool { a, _ := q.Active(ctx, id); return fake.count(id) == 1 && !a })
		y, err := s.Sync(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		next := y.NextRunAt.UTC()
		if next.Hour() != 3 || next.Minute() != 0 || next.Before(time.Now()) || next.After(time.Now().Add(24*time.Hour)) {
			t.Fatalf("next run at %v, want the next 03:00 UTC", next)
		}
	})
}

// legacySyncArgs is a job as releases before stores and syncs queued it.
type legacySyncArgs struct {
	ConnectionID int64  `json:"connection_id"`
	Trigger      string `json:"trigger"`
}

func (legacySyncArgs) Kind() string { return "sync" }

// A sync job queued by an earlier release, for a connection, runs as a run of the marketing sync the
// connection became (the same id).
func TestASyncJobQueuedByAnEarlierReleaseRunsItsSync(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		fake := newFake(func(int, int64) (bool, error) { return true, nil })
		s, q := setup(t, engine, fake)
		id := connection(t, s, time.Hour)
		var driver riverdriver.Driver[*sql.Tx] = riverdatabasesql.New(s.DB())
		if engine == store.SQLite {
			driver = riversqlite.New(s.DB())
		}
		old, err := river.NewClient(driver, &river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Insert(context.Background(), legacySyncArgs{ConnectionID: id, Trigger: "webhook"}, &river.InsertOpts{Queue: "sync"}); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		eventually(t, "the run", func() bool { return fake.count(id) == 1 })
		eventually(t, "the jobs to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
	})
}

// pingArgs is a job of another package, which the queue runs without knowing what it is.
type pingArgs struct {
	N int `json:"n"`
}

func (pingArgs) Kind() string { return "test_ping" }

func (pingArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: "test_pings"} }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	mu   sync.Mutex
	seen []int
}

func (w *pingWorker) Work(_ context.Context, job *river.Job[pingArgs]) error {
	w.mu.Lock()
	w.seen = append(w.seen, job.Args.N)
	w.mu.Unlock()
	return nil
}

func (w *pingWorker) saw(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.seen {
		if m == n {
			return true
		}
	}
	return false
}

func TestAnExtensionsJobsRunBesideTheSyncs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		s := storetest.Open(t, engine)
		ctx := context.Background()
		if err := jobs.Migrate(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		w := &pingWorker{}
		ext := jobs.Extension{
			Workers: func(ws *river.Workers) { river.AddWorker(ws, w) },
			Queues:  map[string]int{"test_pings": 2},
			Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return pingArgs{N: -1}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
		}
		runner := newFake(func(int, int64) (bool, error) { return true, nil })
		q, err := jobs.New(jobs.Config{Store: s, Runners: map[store.SyncKind]jobs.Runner{store.KindMarketing: runner},
			PollEvery: 20 * time.Millisecond, Extensions: []jobs.Extension{ext}})
		if err != nil {
			t.Fatal(err)
		}
		// A process that runs nothing (a CLI command) queues them too.
		idle, err := jobs.New(jobs.Config{Store: s})
		if err != nil {
			t.Fatal(err)
		}
		if err := idle.Insert(ctx, pingArgs{N: 1}, nil); err != nil {
			t.Fatal(err)
		}
		// A job queued in a transaction exists only if the transaction commits.
		for n, commit := range map[int]bool{2: true, 3: false} {
			tx, err := s.DB().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.InsertTx(ctx, tx, pingArgs{N: n}, nil); err != nil {
				t.Fatal(err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		start(t, q)
		eventually(t, "the periodic job and the committed ones", func() bool { return w.saw(-1) && w.saw(1) && w.saw(2) })
		time.Sleep(200 * time.Millisecond)
		if w.saw(3) {
			t.Fatal("a job queued in a rolled-back transaction ran")
		}
		if _, err := jobs.New(jobs.Config{Store: s, Runners: map[store.SyncKind]jobs.Runner{store.KindMarketing: runner},
			Extensions: []jobs.Extension{{Queues: map[string]int{"sync": 1}}}}); err == nil {
			t.Fatal("an extension took the syncs' queue")
		}
	})
}

// A run that ends failed schedules the next one further away with each failure in a row (its interval,
// twice, four times, … up to an hour), and a run that does not fail brings the interval back.
func TestFailedRunsInARowScheduleTheNextWithBackoff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		var s *store.Store
		status := store.RunFailed
		fake := newFake(func(_ int, id int64) (bool, error) {
			ctx := context.Background()
			r, err := s.StartRun(ctx, id, jobs.TriggerManual, nil)
			if err != nil {
				return false, err
			}
			return true, s.FinishRun(ctx, r.ID, status, "bcsync cannot reach the store.")
		})
		s, q := setup(t, engine, fake)
		id := connection(t, s, 10*time.Minute)
		start(t, q)
		for i, want := range []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour, 0} {
			if want == 0 {
				status, want = store.RunSucceeded, 10*time.Minute
			}
			before := time.Now()
			if err := q.Enqueue(context.Background(), id, jobs.TriggerManual); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the run", func() bool { return fake.count(id) == i+1 })
			eventually(t, "the job to finish", func() bool { a, _ := q.Active(context.Background(), id); return !a })
			y, err := s.Sync(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := y.NextRunAt.Sub(before); got < want-time.Second || got > want+5*time.Second {
				t.Errorf("after run %d (%s): next run in %s, want %s", i+1, status, got.Round(time.Second), want)
			}
		}
	})
}

// refusedAnswer is refused credentials whose error carries the API's answer, which has a RetryAfter
// that asked for no wait (a Dotdigital 401).
type refusedAnswer struct{}

func (refusedAnswer) Error() string             { return "401: Authorization has been denied" }
func (refusedAnswer) Permanent() bool           { return true }
func (refusedAnswer) RetryAfter() time.Duration { return 0 }
