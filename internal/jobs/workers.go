package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bcsync/bcsync/internal/store"
)

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	q *Queue
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	cfg := w.q.cfg
	id := job.Args.ConnectionID
	conn, err := cfg.Store.Connection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err) // the connection was removed
	}
	if err != nil {
		return err
	}
	// A safety net: should this job be discarded after its retries, the dispatcher still syncs the
	// connection one interval from now. A successful end moves it to finish + interval.
	if err := cfg.Store.SetNextSyncAt(ctx, id, time.Now().Add(conn.Settings.Interval)); err != nil {
		return err
	}
	started := time.Now()
	done, err := cfg.Syncer.Sync(ctx, id, job.Args.Trigger, cfg.Slice)
	switch {
	case err == nil && done:
		next := time.Now().Add(conn.Settings.Interval)
		// A change the store announced while this sync ran may have come too late for it: sync again now.
		if c, err := cfg.Store.Connection(context.WithoutCancel(ctx), id); err == nil && !c.SyncRequestedAt.Before(started) {
			next = time.Now()
		}
		if err := cfg.Store.SetNextSyncAt(context.WithoutCancel(ctx), id, next); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	case err == nil:
		return river.JobSnooze(0) // time slice used up: continue at once
	case ctx.Err() != nil:
		// Stopping: continue as soon as a worker runs again, without spending an attempt.
		return river.JobSnooze(0)
	}
	var retry interface{ RetryAfter() time.Duration }
	if errors.As(err, &retry) {
		cfg.Logger.Info("sync waits for a rate limit", slog.Int64("connection_id", id), slog.Duration("for", retry.RetryAfter()))
		return river.JobSnooze(retry.RetryAfter())
	}
	var perm interface{ Permanent() bool }
	if errors.As(err, &perm) && perm.Permanent() {
		return river.JobCancel(err)
	}
	return err
}

// NextRetry backs off a failing sync from seconds up to the connection's interval scale.
func (w *syncWorker) NextRetry(job *river.Job[SyncArgs]) time.Time {
	d := time.Duration(1<<min(job.Attempt, 8)) * time.Second
	return time.Now().Add(min(d, 5*time.Minute))
}

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	q *Queue
}

func (w *dispatchWorker) Work(ctx context.Context, _ *river.Job[dispatchArgs]) error {
	return w.q.dispatch(ctx)
}

func unmarshalArgs(j *rivertype.JobRow, v any) error { return json.Unmarshal(j.EncodedArgs, v) }
