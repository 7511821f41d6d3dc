package marketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// stream is one kind of data the sync moves. Streams are listed, in the order they run, in streams.
type stream interface {
	name() string
	// enabled says whether the stream runs for this connection's settings.
	enabled(rc *runContext) bool
	// sync moves everything that changed since the stream's cursor. It returns errYield when the run's
	// time slice is used up; the next slice continues from the cursor.
	sync(ctx context.Context, rc *runContext) error
}

// streams run in this order. Webhooks are registered first (once), so changes made during a long first
// sync already ask for the next one. Unsubscribes made in Dotdigital are written to the store next, so
// the subscriber stream of the same run takes those people out of the list. Contacts come before orders,
// so the orders of contacts made in this run go out in it; order figures (computed fields) follow the
// orders they sum.
var streams = []stream{
	webhooksStream{},
	unsubscribesStream{},
	subscribersStream{},
	customersStream{},
	ordersStream{},
	orderFiguresStream{},
	waitingStream{},
	productsStream{},
	cartsStream{},
}

// StreamNames lists the streams in the order they run.
func StreamNames() []string {
	out := make([]string, len(streams))
	for i, s := range streams {
		out[i] = s.name()
	}
	return out
}

// runContext is one run (or one slice of it) of one connection.
type runContext struct {
	e        *Engine
	conn     *store.Connection
	run      *store.Run
	bc       *bigcommerce.Client
	dd       *dotdigital.Client
	mappings []store.FieldMapping
	deadline time.Time
	log      *slog.Logger

	mu       sync.Mutex
	counts   *store.StreamCounts
	lastSave time.Time
}

func (e *Engine) startRun(ctx context.Context, conn *store.Connection, trigger string, budget time.Duration) (*runContext, error) {
	run, err := e.store.RunningRun(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	if run == nil {
		if run, err = e.store.StartRun(ctx, conn.ID, trigger, StreamNames()); err != nil {
			return nil, err
		}
	}
	mappings, err := e.store.FieldMappings(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	bc, dd, err := e.clients(conn, 1)
	if err != nil {
		return nil, err
	}
	rc := &runContext{e: e, conn: conn, run: run, bc: bc, dd: dd, mappings: mappings,
		log: e.opts.Logger.With(slog.Int64("connection_id", conn.ID), slog.Int64("run_id", run.ID))}
	if budget > 0 {
		rc.deadline = e.opts.Now().Add(budget)
	}
	return rc, nil
}

// execute runs the streams not done yet. It returns done=false when the time slice ran out.
func (rc *runContext) execute(ctx context.Context) (bool, error) {
	e := rc.e
	ctx = apicall.WithScope(ctx, apicall.Scope{ConnectionID: rc.conn.ID, RunID: rc.run.ID})
	var failures []string
	for i, s := range streams {
		c := rc.streamCounts(s.name(), i)
		if c.State == "done" || c.State == "skipped" {
			continue
		}
		if c.State == "failed" {
			failures = append(failures, s.name()+": failed")
			continue
		}
		if !s.enabled(rc) {
			c.State = "skipped"
			rc.begin(c)
			rc.save(ctx, true)
			continue
		}
		if c.State == "pending" {
			c.StartedAt = e.opts.Now()
		}
		c.State = "running"
		rc.begin(c)
		rc.save(ctx, true)
		err := s.sync(ctx, rc)
		switch {
		case err == nil:
			rc.finishStream("done")
		case errors.Is(err, errYield) || ctx.Err() != nil:
			rc.save(context.WithoutCancel(ctx), true)
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, nil
		case credentialsRefused(err):
			rc.finishStream("failed")
			msg := err.Error()
			e.store.SetStatus(context.WithoutCancel(ctx), rc.conn.ID, store.StatusNeedsAttention, msg)
			e.store.FinishRun(context.WithoutCancel(ctx), rc.run.ID, store.RunFailed, msg)
			e.pruneRuns(context.WithoutCancel(ctx), rc)
			rc.log.Warn("sync stopped: credentials refused", slog.String("stream", s.name()), slog.Any("error", err))
			return true, &PermanentError{err}
		default:
			rc.finishStream("failed")
			failures = append(failures, fmt.Sprintf("%s: %v", s.name(), err))
			rc.log.Warn("stream failed; the next sync resumes it", slog.String("stream", s.name()), slog.Any("error", err))
		}
	}
	status := store.RunSucceeded
	var rejected int64
	for _, c := range rc.run.Streams {
		rejected += c.Rejected
	}
	if rejected > 0 {
		status = store.RunPartial
	}
	if len(failures) > 0 {
		status = store.RunFailed
	}
	if err := e.store.FinishRun(context.WithoutCancel(ctx), rc.run.ID, status, strings.Join(failures, "; ")); err != nil {
		return false, err
	}
	rc.log.Info("sync finished", slog.String("status", string(status)), slog.Int64("rejected", rejected))
	e.pruneRuns(context.WithoutCancel(ctx), rc)
	return true, nil
}

// pruneRuns deletes the connection's runs older than KeepRuns. It is housekeeping: a failure is
// logged, and the next run tries again.
func (e *Engine) pruneRuns(ctx context.Context, rc *runContext) {
	if e.opts.KeepRuns <= 0 {
		return
	}
	n, err := e.store.PruneRuns(ctx, rc.conn.ID, e.opts.Now().Add(-e.opts.KeepRuns))
	if err != nil {
		rc.log.Warn("old runs not pruned", slog.Any("error", err))
		return
	}
	if n > 0 {
		rc.log.Debug("old runs pruned", slog.Int("runs", n), slog.Duration("kept", e.opts.KeepRuns))
	}
}

func (rc *runContext) streamCounts(name string, position int) *store.StreamCounts {
	for i := range rc.run.Streams {
		if rc.run.Streams[i].Stream == name {
			return &rc.run.Streams[i]
		}
	}
	rc.run.Streams = append(rc.run.Streams, store.StreamCounts{Stream: name, Position: position, State: "pending", Total: -1})
	return &rc.run.Streams[len(rc.run.Streams)-1]
}

func (rc *runContext) begin(c *store.StreamCounts) {
	rc.mu.Lock()
	rc.counts = c
	rc.mu.Unlock()
}

func (rc *runContext) finishStream(state string) {
	rc.mu.Lock()
	rc.counts.State = state
	rc.mu.Unlock()
	rc.save(context.Background(), true)
}

// count adds to the current stream's counts; they are saved at most every half second (live progress).
func (rc *runContext) count(read, sent, unchanged, rejected int64) {
	rc.mu.Lock()
	rc.counts.Read += read
	rc.counts.Sent += sent
	rc.counts.Unchanged += unchanged
	rc.counts.Rejected += rejected
	rc.mu.Unlock()
}

func (rc *runContext) setTotal(total int64) {
	rc.mu.Lock()
	rc.counts.Total = total
	rc.mu.Unlock()
}

func (rc *runContext) save(ctx context.Context, force bool) {
	rc.mu.Lock()
	now := time.Now()
	if !force && now.Sub(rc.lastSave) < 500*time.Millisecond {
		rc.mu.Unlock()
		return
	}
	rc.lastSave = now
	c := *rc.counts
	rc.mu.Unlock()
	if err := rc.e.store.SaveStreamCounts(ctx, rc.run.ID, c); err != nil {
		rc.log.Warn("could not save progress", slog.Any("error", err))
	}
}

// outOfTime reports whether the time slice is used up.
func (rc *runContext) outOfTime() bool {
	return !rc.deadline.IsZero() && rc.e.opts.Now().After(rc.deadline)
}

// reject records records that could not be synced.
func (rc *runContext) reject(ctx context.Context, stream string, rs ...store.Rejected) error {
	for i := range rs {
		rs[i].ConnectionID, rs[i].RunID, rs[i].Stream = rc.conn.ID, rc.run.ID, stream
	}
	rc.count(0, 0, 0, int64(len(rs)))
	return rc.e.store.AddRejected(ctx, rs)
}

// since returns where a stream's read starts: its cursor minus the overlap (records that became
// visible late, clock skew), or the zero time for a first read.
func (rc *runContext) since(ctx context.Context, stream string) (time.Time, error) {
	cur, err := rc.e.store.Cursor(ctx, rc.conn.ID, stream)
	if err != nil || cur == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, cur)
	if err != nil {
		return time.Time{}, fmt.Errorf("cursor of %s: %w", stream, err)
	}
	return t.Add(-rc.e.opts.Overlap), nil
}

// formatCursor writes a time cursor.
func formatCursor(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
