package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
)

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	q *Queue
}

func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	cfg := w.q.cfg
	id := job.Args.SyncID
	y, err := cfg.Store.Sync(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err) // the sync was removed
	}
	if err != nil {
		return err
	}
	runner := cfg.Runners[y.Kind]
	if runner == nil {
		// Another process runs this kind: give the job back for it.
		return river.JobSnooze(cfg.PollEvery)
	}
	spec := schedule.Spec{Interval: y.Interval, Cron: y.Cron}
	// A safety net: should this job be discarded after its retries, the scheduler still runs the sync
	// when it is next due. A successful end reschedules it from the end of the run.
	if err := cfg.Store.SetNextRunAt(ctx, id, spec.Next(time.Now())); err != nil {
		return err
	}
	started := time.Now().Truncate(time.Millisecond) // as the state store keeps when a run was asked for
	trigger := job.Args.Trigger
	if _, ok := w.q.again.LoadAndDelete(job.ID); ok {
		trigger = TriggerWebhook // run again for changes announced during the last run, not for its first reason
	}
	done, err := runner.Run(ctx, id, trigger, cfg.Slice)
	switch {
	case err == nil && done:
		next := spec.Next(time.Now())
		streak, err := cfg.Store.FailedStreak(context.WithoutCancel(ctx), id)
		if err != nil {
			return err
		}
		again := false
		if streak.Runs > 0 {
			// The run failed: the next waits longer with each failure in a row.
			next = backoff(spec, streak.Runs, time.Now())
		} else {
			if p, ok := runner.(Pacer); ok {
				if at, err := p.NextRunAt(context.WithoutCancel(ctx), id, next); err == nil {
					next = at
				} else {
					cfg.Logger.Warn("could not work out the next run; it follows the schedule", slog.Int64("sync_id", id), slog.Any("error", err))
				}
			}
			// A change the store announced while this run went on may have come too late for it: run again now.
			if y, err := cfg.Store.Sync(context.WithoutCancel(ctx), id); err == nil && !y.RunRequestedAt.IsZero() && !y.RunRequestedAt.Before(started) {
				next, again = time.Now(), true
			}
		}
		if err := cfg.Store.SetNextRunAt(context.WithoutCancel(ctx), id, next); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if again {
			w.q.again.Store(job.ID, true)
			return river.JobSnooze(0) // at once, not at the scheduler's next tick
		}
		return nil
	case err == nil:
		return river.JobSnooze(0) // time slice used up: continue at once
	case ctx.Err() != nil:
		// Stopping: continue as soon as a worker runs again, without spending an attempt.
		return river.JobSnooze(0)
	}
	// Permanent first: a refused credential's error may carry an API answer that has a RetryAfter
	// method too (0: it asked for no wait), and must not snooze the job into running again at once.
	var perm interface{ Permanent() bool }
	if errors.As(err, &perm) && perm.Permanent() {
		return river.JobCancel(err)
	}
	var retry interface{ RetryAfter() time.Duration }
	if errors.As(err, &retry) && retry.RetryAfter() > 0 {
		cfg.Logger.Info("run waits", slog.Int64("sync_id", id), slog.Duration("for", retry.RetryAfter()), slog.String("reason", err.Error()))
		return river.JobSnooze(retry.RetryAfter())
	}
	return err
}

// backoff is when a sync whose last failed runs in a row number failed runs next: its interval after
// the first failure, then twice as long after each further one, up to an hour (or the interval, when
// longer). A cron schedule keeps its times; a manual sync is not run again by itself.
func backoff(spec schedule.Spec, failed int, now time.Time) time.Time {
	if spec.Interval <= 0 {
		return spec.Next(now)
	}
	limit := max(time.Hour, spec.Interval)
	d := spec.Interval
	for i := 1; i < failed && d < limit; i++ {
		d *= 2
	}
	return now.Add(min(d, limit))
}

// NextRetry backs off a failing run from seconds up to five minutes.
func (w *runWorker) NextRetry(job *river.Job[RunArgs]) time.Time {
	d := time.Duration(1<<min(job.Attempt, 8)) * time.Second
	return time.Now().Add(min(d, 5*time.Minute))
}

// legacyWorker turns a sync job queued by an earlier release into a run job of the same sync.
type legacyWorker struct {
	river.WorkerDefaults[legacyArgs]
	q *Queue
}

func (w *legacyWorker) Work(ctx context.Context, job *river.Job[legacyArgs]) error {
	err := w.q.Enqueue(ctx, job.Args.ConnectionID, job.Args.Trigger)
	if err != nil && !errors.Is(err, ErrAlreadyQueued) {
		return fmt.Errorf("requeue the sync job of connection %d: %w", job.Args.ConnectionID, err)
	}
	return nil
}

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	q *Queue
}

func (w *dispatchWorker) Work(ctx context.Context, _ *river.Job[dispatchArgs]) error {
	return w.q.dispatch(ctx)
}

func unmarshalArgs(j *rivertype.JobRow, v any) error { return json.Unmarshal(j.EncodedArgs, v) }
