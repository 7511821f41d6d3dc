// Package ledger keeps the books of runs, for every kind of sync: a run is started (or a run a crash
// interrupted is resumed) with its parts pending — a marketing run's streams, a warehouse run's
// operations — each part counts what it read, sent, left unchanged and rejected, rejected records are
// kept with their reason, and the run ends succeeded, partial or failed. Old runs are pruned as each
// run ends. It knows nothing of what the parts do.
package ledger

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Options tune a ledger.
type Options struct {
	// KeepRuns is how long finished runs are kept, with their rejected records and API calls; older
	// ones are deleted as each run ends (a sync's last finished run always stays). 0: every run is kept.
	KeepRuns time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
	// Ended is told of every run that ends (Finish, Fail, End), once its status is saved: what watches runs
	// (alerts) learns it here rather than from each kind of sync. It runs on the run's goroutine, with
	// a context that is not cancelled with the run's; it handles its own failures.
	Ended func(ctx context.Context, syncID, runID int64, status store.RunStatus)
}

// Ledger records runs in the state store.
type Ledger struct {
	store *store.Store
	opts  Options
}

// New returns a ledger over a state store.
func New(s *store.Store, opts Options) *Ledger {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Ledger{store: s, opts: opts}
}

// Part states.
const (
	Pending = "pending"
	Running = "running"
	Done    = "done"
	Skipped = "skipped"
	Failed  = "failed"
)

// Run is one run of one sync, as it goes.
type Run struct {
	l       *Ledger
	run     *store.Run
	log     *slog.Logger
	resumed bool

	mu       sync.Mutex
	current  *store.StreamCounts
	lastSave time.Time
	detail   string
}

// Explain sets the technical detail behind a failed run's error (the errors themselves, for whoever
// fixes it), saved when the run ends; the error passed to Finish, Fail or End says it in sentences.
func (r *Run) Explain(detail string) {
	r.mu.Lock()
	r.detail = detail
	r.mu.Unlock()
}

// Begin resumes the sync's unfinished run, or starts one with the given parts pending.
func (l *Ledger) Begin(ctx context.Context, syncID int64, trigger string, parts []string) (*Run, error) {
	run, err := l.store.RunningRun(ctx, syncID)
	if err != nil {
		return nil, err
	}
	resumed := run != nil
	if run == nil {
		if run, err = l.store.StartRun(ctx, syncID, trigger, parts); err != nil {
			return nil, err
		}
	}
	return &Run{l: l, run: run, resumed: resumed, log: l.opts.Logger.With(slog.Int64("sync_id", syncID), slog.Int64("run_id", run.ID))}, nil
}

// ID is the run's id.
func (r *Run) ID() int64 { return r.run.ID }

// Resumed says the run was begun before (by a time slice that yielded, or a process that stopped).
func (r *Run) Resumed() bool { return r.resumed }

// TriggeredBy says why the run started.
func (r *Run) TriggeredBy() string { return r.run.TriggeredBy }

// SyncID is the id of the sync the run belongs to.
func (r *Run) SyncID() int64 { return r.run.SyncID }

// StartedAt is when the run started (before any resumption).
func (r *Run) StartedAt() time.Time { return r.run.StartedAt }

// Logger logs with the run's sync and id.
func (r *Run) Logger() *slog.Logger { return r.log }

// State returns a part's state (Pending for a part the run did not list).
func (r *Run) State(part string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.find(part); c != nil {
		return c.State
	}
	return Pending
}

func (r *Run) find(part string) *store.StreamCounts {
	for i := range r.run.Streams {
		if r.run.Streams[i].Stream == part {
			return &r.run.Streams[i]
		}
	}
	return nil
}

// Enter makes part the one that counts from now on, in state (Running or Skipped), and saves it.
func (r *Run) Enter(ctx context.Context, part string, position int, state string) {
	r.mu.Lock()
	c := r.find(part)
	if c == nil {
		r.run.Streams = append(r.run.Streams, store.StreamCounts{Stream: part, Position: position, State: Pending, Total: -1})
		c = &r.run.Streams[len(r.run.Streams)-1]
	}
	if c.State == Pending && state == Running {
		c.StartedAt = r.l.opts.Now()
	}
	c.State = state
	r.current = c
	r.mu.Unlock()
	r.Save(ctx, true)
}

// Leave ends the current part in state (Done or Failed) and saves it.
func (r *Run) Leave(ctx context.Context, state string) {
	r.mu.Lock()
	if r.current != nil {
		r.current.State = state
	}
	r.mu.Unlock()
	r.Save(ctx, true)
}

// Set replaces a part's counts (a warehouse run's plan, made again by each slice of the run).
func (r *Run) Set(part string, position int, c store.StreamCounts) {
	r.mu.Lock()
	cur := r.find(part)
	if cur == nil {
		r.run.Streams = append(r.run.Streams, store.StreamCounts{Stream: part, Position: position})
		cur = &r.run.Streams[len(r.run.Streams)-1]
	}
	c.Stream, c.Position, c.StartedAt = part, position, cur.StartedAt
	if c.StartedAt.IsZero() {
		c.StartedAt = r.l.opts.Now()
	}
	*cur = c
	r.mu.Unlock()
	if err := r.l.store.SaveStreamCounts(context.Background(), r.run.ID, c); err != nil {
		r.log.Warn("could not save progress", slog.Any("error", err))
	}
}

// Counts returns a part's counts so far.
func (r *Run) Counts(part string) store.StreamCounts {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.find(part); c != nil {
		out := *c
		out.Reasons = maps.Clone(c.Reasons)
		return out
	}
	return store.StreamCounts{Stream: part, State: Pending, Total: -1}
}

// Count adds to the current part's counts; Save writes them.
func (r *Run) Count(read, sent, unchanged, rejected int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.current; c != nil {
		c.Read += read
		c.Sent += sent
		c.Unchanged += unchanged
		c.Rejected += rejected
	}
}

// StillRejected counts, on the current part, records refused before and unchanged since: neither
// sent nor logged again, and not making the run partial.
func (r *Run) StillRejected(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.current; c != nil {
		c.StillRejected += n
	}
}

// CountIn adds to a part's counts, whichever part is current (an import's report that comes back while
// another part runs); a part the run does not list counts in the current one.
func (r *Run) CountIn(part string, read, sent, unchanged, rejected int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.find(part)
	if c == nil {
		c = r.current
	}
	if c != nil {
		c.Read += read
		c.Sent += sent
		c.Unchanged += unchanged
		c.Rejected += rejected
	}
}

// SetTotal sets how many records the current part will read, when known up front.
func (r *Run) SetTotal(total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		r.current.Total = total
	}
}

// Wait counts n records of the current part held back for reason (an order waiting for its contact):
// read, neither sent nor rejected, and sent by a later part or run. Reasons keeps "waiting: "+reason.
func (r *Run) Wait(reason string, n int64) { r.hold("", reason, n, false) }

// WaitIn is Wait on a part, whichever part is current (an import's report that comes back while another
// part runs), as CountIn counts.
func (r *Run) WaitIn(part, reason string, n int64) { r.hold(part, reason, n, false) }

// Skip counts n records of the current part that need nothing sent, for reason (a subscriber without
// consent who was never in the list). Reasons keeps "skipped: "+reason.
func (r *Run) Skip(reason string, n int64) { r.hold("", reason, n, true) }

// hold counts records held back on part, or on the current part when part is "" or not listed.
func (r *Run) hold(part, reason string, n int64, skipped bool) {
	if n == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.current
	if f := r.find(part); part != "" && f != nil {
		c = f
	}
	if c == nil {
		return
	}
	if skipped {
		c.Skipped += n
		reason = "skipped: " + reason
	} else {
		c.Waiting += n
		reason = "waiting: " + reason
	}
	if c.Reasons == nil {
		c.Reasons = map[string]int64{}
	}
	c.Reasons[reason] += n
}

// SetMaxRate sets how many records a second the store's quota lets the current part read, so that the
// time left of a long read is not taken from a first burst the quota will not sustain.
func (r *Run) SetMaxRate(perSecond float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		r.current.MaxRate = perSecond
	}
}

// Save writes the current part's counts: at most every half second unless force (live progress).
func (r *Run) Save(ctx context.Context, force bool) {
	r.mu.Lock()
	now := time.Now()
	if r.current == nil || (!force && now.Sub(r.lastSave) < 500*time.Millisecond) {
		r.mu.Unlock()
		return
	}
	r.lastSave = now
	c := *r.current
	c.Reasons = maps.Clone(c.Reasons)
	r.mu.Unlock()
	if err := r.l.store.SaveStreamCounts(ctx, r.run.ID, c); err != nil {
		r.log.Warn("could not save progress", slog.Any("error", err))
	}
}

// Reject records records of a part that could not be synced, and counts them in that part.
func (r *Run) Reject(ctx context.Context, part string, rs ...store.Rejected) error {
	if len(rs) == 0 {
		return nil
	}
	for i := range rs {
		rs[i].SyncID, rs[i].RunID, rs[i].Stream = r.run.SyncID, r.run.ID, part
	}
	r.mu.Lock()
	if c := r.find(part); c != nil {
		c.Rejected += int64(len(rs))
	}
	r.mu.Unlock()
	return r.l.store.AddRejected(ctx, rs)
}

// Rejected is how many records the run rejected so far.
func (r *Run) Rejected() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, c := range r.run.Streams {
		n += c.Rejected
	}
	return n
}

// Finish ends the run: failed when any part failed (failures say which and why, each a sentence;
// they are joined by spaces), partial when records were rejected, else succeeded. Then the sync's old runs are pruned.
func (r *Run) Finish(ctx context.Context, failures []string) (store.RunStatus, error) {
	status := store.RunSucceeded
	if r.Rejected() > 0 {
		status = store.RunPartial
	}
	if len(failures) > 0 {
		status = store.RunFailed
	}
	if err := r.l.store.FinishRunDetailed(ctx, r.run.ID, status, strings.Join(failures, " "), r.explained()); err != nil {
		return status, err
	}
	r.ended(ctx, status)
	return status, nil
}

// Fail ends the run as failed for reason (e.g. refused credentials), then prunes.
func (r *Run) Fail(ctx context.Context, reason string) error {
	return r.End(ctx, store.RunFailed, reason)
}

// End ends the run with a status of the caller's (a warehouse run blocked by its guard), then prunes.
func (r *Run) End(ctx context.Context, status store.RunStatus, reason string) error {
	if err := r.l.store.FinishRunDetailed(ctx, r.run.ID, status, reason, r.explained()); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	r.ended(ctx, status)
	return nil
}

func (r *Run) explained() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.detail
}

// ended follows a run's end: old runs are pruned, then Options.Ended is told.
func (r *Run) ended(ctx context.Context, status store.RunStatus) {
	r.prune(ctx)
	if f := r.l.opts.Ended; f != nil {
		f(context.WithoutCancel(ctx), r.run.SyncID, r.run.ID, status)
	}
}

// prune deletes the sync's runs older than KeepRuns. It is housekeeping: a failure is logged, and the
// next run tries again.
func (r *Run) prune(ctx context.Context) {
	keep := r.l.opts.KeepRuns
	if keep <= 0 {
		return
	}
	n, err := r.l.store.PruneRuns(ctx, r.run.SyncID, r.l.opts.Now().Add(-keep))
	if err != nil {
		r.log.Warn("old runs not pruned", slog.Any("error", err))
		return
	}
	if n > 0 {
		r.log.Debug("old runs pruned", slog.Int("runs", n), slog.Duration("kept", keep))
	}
}
