// Package jobs runs syncs as River jobs in the state database: at most one run per sync at a time (a
// unique job over the unfinished states), a scheduler that enqueues syncs whose next run is due, and
// time-sliced workers so that a crashed process's run is picked up again quickly and a long backfill
// never blocks a worker for hours. It knows syncs by id and kind, and hands each run to the runner of its
// kind: it knows nothing of what a run does. Other packages run their own jobs beside the syncs
// through an Extension, unknown to it too.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/bcsync/bcsync/internal/store"
)

// Runner does the work of the runs of one kind of sync.
type Runner interface {
	// Run runs or continues a run of a sync for about budget, then returns. done is false when work is
	// left, and the job continues at once. An error that has a RetryAfter() time.Duration method
	// snoozes the job (a rate limit: no attempt is spent); one with Permanent() bool returning true
	// cancels it; any other error is retried with backoff.
	Run(ctx context.Context, syncID int64, trigger string, budget time.Duration) (done bool, err error)
}

// Pacer is a Runner that says when a sync's next run is due once a run ended, instead of the schedule's
// next time (proposed): the marketing sync reads webhooks' changes between its polls.
type Pacer interface {
	NextRunAt(ctx context.Context, syncID int64, proposed time.Time) (time.Time, error)
}

// Trigger says why a run started.
const (
	TriggerInstall  = "install"
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerWebhook  = "webhook"
)

const (
	queueRuns  = "sync"
	kindRun    = "run"
	kindDisp   = "dispatch"
	maxRunTry  = 20
	kindLegacy = "sync" // jobs queued by releases before syncs had kinds
)

// RunArgs are a run job's arguments. Only the sync makes a job unique: a manual run while a scheduled
// one is queued or running is refused, not queued twice.
type RunArgs struct {
	SyncID  int64  `json:"sync_id" river:"unique"`
	Trigger string `json:"trigger"`
}

func (RunArgs) Kind() string { return kindRun }

func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       queueRuns,
		MaxAttempts: maxRunTry,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			// Not "completed": a finished run must not block the next one.
			ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
				rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
		},
	}
}

// legacyArgs is a sync job queued by a release before stores and syncs: its connection id is the id of
// the marketing sync it became. Such a job is turned into a run job of that sync.
type legacyArgs struct {
	ConnectionID int64  `json:"connection_id"`
	Trigger      string `json:"trigger"`
}

func (legacyArgs) Kind() string { return kindLegacy }

func (legacyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueRuns} }

type dispatchArgs struct{}

func (dispatchArgs) Kind() string { return kindDisp }

// Config sets up the queue.
type Config struct {
	Store *store.Store
	// Runners run the syncs of each kind; none: this process only enqueues (e.g. a CLI command).
	Runners map[store.SyncKind]Runner
	Logger  *slog.Logger
	// Workers is how many runs this process does at once.
	Workers int
	// Slice is how long a run job works before it yields and continues as a fresh job execution.
	Slice time.Duration
	// DispatchEvery is how often due syncs are enqueued.
	DispatchEvery time.Duration
	// RescueAfter is when a job whose process died is given to another worker (PostgreSQL; with
	// SQLite, one process, orphans are reclaimed at start).
	RescueAfter time.Duration
	// PollEvery is how often idle workers look for jobs.
	PollEvery time.Duration
	// Extensions are other packages' jobs, run beside the syncs by working processes.
	Extensions []Extension
}

// Extension is another package's jobs: its River workers, the queues they run in and its periodic
// jobs. The queue runs them in every process that runs syncs, without knowing what they do; any
// process may insert them (Insert, InsertTx).
type Extension struct {
	// Workers adds the extension's workers (river.AddWorker).
	Workers func(*river.Workers)
	// Queues are the extension's queues, with how many of their jobs one process works at once.
	Queues map[string]int
	// Periodic are jobs the leading process inserts on a schedule.
	Periodic []*river.PeriodicJob
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Slice <= 0 {
		c.Slice = 2 * time.Minute
	}
	if c.DispatchEvery <= 0 {
		c.DispatchEvery = 10 * time.Second
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = 3*c.Slice + time.Minute
	}
	if c.PollEvery <= 0 {
		c.PollEvery = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) working() bool { return len(c.Runners) > 0 }

// Queue is the job queue of one process.
type Queue struct {
	cfg    Config
	client *river.Client[*sql.Tx]
	unlock func() // releases the workers lock
	// again holds the run jobs continued at once for changes announced while they ran (job id → true).
	again sync.Map
}

func driver(s *store.Store) riverdriver.Driver[*sql.Tx] {
	if s.Engine() == store.SQLite {
		return riversqlite.New(s.DB())
	}
	return riverdatabasesql.New(s.DB())
}

// Migrate brings River's tables up to date.
func Migrate(ctx context.Context, s *store.Store, logger *slog.Logger) error {
	m, err := rivermigrate.New(driver(s), &rivermigrate.Config{Logger: riverLogger(logger)})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds the queue. Call Start to run workers.
func New(cfg Config) (*Queue, error) {
	cfg.defaults()
	q := &Queue{cfg: cfg}
	rc := &river.Config{
		Logger:               riverLogger(cfg.Logger),
		FetchPollInterval:    cfg.PollEvery,
		FetchCooldown:        min(cfg.PollEvery, 100*time.Millisecond),
		JobTimeout:           -1, // the worker bounds itself with Slice
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          maxRunTry,
		// SQLite has no LISTEN/NOTIFY, and riverdatabasesql no listener: poll.
		PollOnly: true,
	}
	if cfg.working() {
		workers := river.NewWorkers()
		river.AddWorker(workers, &runWorker{q: q})
		river.AddWorker(workers, &legacyWorker{q: q})
		river.AddWorker(workers, &dispatchWorker{q: q})
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 1},
			queueRuns:          {MaxWorkers: cfg.Workers},
		}
		rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.DispatchEvery),
			func() (river.JobArgs, *river.InsertOpts) { return dispatchArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
		for _, x := range cfg.Extensions {
			if x.Workers != nil {
				x.Workers(workers)
			}
			for name, n := range x.Queues {
				if _, taken := rc.Queues[name]; taken {
					return nil, fmt.Errorf("jobs: queue %q is registered twice", name)
				}
				rc.Queues[name] = river.QueueConfig{MaxWorkers: max(n, 1)}
			}
			rc.PeriodicJobs = append(rc.PeriodicJobs, x.Periodic...)
		}
	}
	client, err := river.NewClient(driver(cfg.Store), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = client
	return q, nil
}

// Start runs the workers and the dispatcher until Stop. With SQLite one process at a time runs
// workers (store.ErrWorkersElsewhere otherwise), and jobs left running by a process that died are made
// available again first.
func (q *Queue) Start(ctx context.Context) error {
	if !q.cfg.working() {
		return nil
	}
	unlock, err := q.cfg.Store.LockWorkers()
	if err != nil {
		return err
	}
	if q.cfg.Store.Engine() == store.SQLite {
		n, err := q.cfg.Store.ReclaimOrphanedJobs(ctx)
		if err != nil {
			unlock()
			return err
		}
		if n > 0 {
			q.cfg.Logger.Info("resuming runs interrupted by a stop", slog.Int64("jobs", n))
		}
	}
	if err := q.client.Start(ctx); err != nil {
		unlock()
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.unlock = unlock
	return nil
}

// Stop lets running syncs reach a checkpoint (they see ctx cancelled and yield), then stops.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.cfg.working() {
		return nil
	}
	err := q.client.StopAndCancel(ctx)
	if q.unlock != nil {
		q.unlock()
		q.unlock = nil
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// ErrAlreadyQueued means a run of the sync is already queued or running.
var ErrAlreadyQueued = errors.New("a run is already queued or running")

// Enqueue queues a run of a sync, or returns ErrAlreadyQueued.
func (q *Queue) Enqueue(ctx context.Context, syncID int64, trigger string) error {
	res, err := q.client.Insert(ctx, RunArgs{SyncID: syncID, Trigger: trigger}, nil)
	if err != nil {
		return fmt.Errorf("jobs: enqueue a run of sync %d: %w", syncID, err)
	}
	if res.UniqueSkippedAsDuplicate {
		return ErrAlreadyQueued
	}
	return nil
}

// Insert queues another package's job (see Extension).
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("jobs: insert a %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertTx queues another package's job in the caller's transaction of the state database: the job
// exists if and only if the transaction commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("jobs: insert a %s job: %w", args.Kind(), err)
	}
	return nil
}

// Active reports whether a run of the sync is queued or running.
func (q *Queue) Active(ctx context.Context, syncID int64) (bool, error) {
	jobs, err := q.runJobs(ctx, syncID)
	return len(jobs) > 0, err
}

func (q *Queue) runJobs(ctx context.Context, syncID int64) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().Kinds(kindRun, kindLegacy).First(10000).States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled)
	res, err := q.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	var out []*rivertype.JobRow
	for _, j := range res.Jobs {
		if id, err := jobSyncID(j); err == nil && id == syncID {
			out = append(out, j)
		}
	}
	return out, nil
}

// jobSyncID reads the sync of a run job (or of a legacy sync job).
func jobSyncID(j *rivertype.JobRow) (int64, error) {
	if j.Kind == kindLegacy {
		var a legacyArgs
		err := unmarshalArgs(j, &a)
		return a.ConnectionID, err
	}
	var a RunArgs
	err := unmarshalArgs(j, &a)
	return a.SyncID, err
}

// Cancel cancels the sync's queued and running jobs (a running one stops at its next checkpoint, or at
// once in this process through the runner's own cancellation).
func (q *Queue) Cancel(ctx context.Context, syncID int64) error {
	jobs, err := q.runJobs(ctx, syncID)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if _, err := q.client.JobCancel(ctx, j.ID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("jobs: cancel job %d: %w", j.ID, err)
		}
	}
	return nil
}

// dispatch enqueues a run of every due sync whose kind this process runs.
func (q *Queue) dispatch(ctx context.Context) error {
	due, err := q.cfg.Store.DueSyncs(ctx, time.Now())
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := q.Enqueue(ctx, d.ID, TriggerSchedule); err != nil && !errors.Is(err, ErrAlreadyQueued) {
			return err
		}
	}
	return nil
}
