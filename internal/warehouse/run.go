package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/store"
)

// Triggers of warehouse runs beyond the scheduler's.
const (
	// TriggerApproval runs a plan a person approved: exactly it, or nothing if the model changed.
	TriggerApproval = "approval"
	// TriggerFull sends every row again, whatever was sent before; it removes nothing.
	TriggerFull = "full"
)

// The parts of a warehouse run in the ledger: the plan (rows read, unchanged, invalid), then the adds,
// changes and removes sent (read: tried; sent: accepted; rejected: refused).
const (
	partPlan   = "plan"
	partAdd    = "add"
	partChange = "change"
	partRemove = "remove"
)

var parts = []string{partPlan, partAdd, partChange, partRemove}

// Plan states.
const (
	planPlanned   = "planned"   // a dry run's
	planBlocked   = "blocked"   // stopped by the guard, waiting for a person
	planApproved  = "approved"  // approved: the next run carries it out
	planDiscarded = "discarded" // a person said no
	planRunning   = "running"   // being carried out
	planDone      = "done"
)

// errYield ends a run's time slice; the next slice plans again and goes on.
var errYield = errors.New("time slice used up")

// PermanentError stops a sync's job until the user acts.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string   { return e.Err.Error() }
func (e *PermanentError) Unwrap() error   { return e.Err }
func (e *PermanentError) Permanent() bool { return true }

// Run runs or continues one run of a warehouse sync for about budget (0: no limit). See jobs.Runner.
func (e *Engine) Run(ctx context.Context, syncID int64, trigger string, budget time.Duration) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	e.running[syncID] = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, syncID)
		e.mu.Unlock()
	}()
	w, err := e.store.WarehouseSync(ctx, syncID)
	if errors.Is(err, store.ErrNotFound) {
		return false, &PermanentError{err}
	}
	if err != nil {
		return false, err
	}
	cfg, err := configOf(w)
	if err != nil {
		return false, &PermanentError{err}
	}
	run, err := e.runs.Begin(ctx, syncID, trigger, parts)
	if err != nil {
		return false, err
	}
	ctx = apicall.WithScope(ctx, apicall.Scope{SyncID: syncID, RunID: run.ID()})
	r := &runner{e: e, w: w, cfg: cfg, run: run, log: run.Logger()}
	if budget > 0 {
		r.deadline = e.opts.Now().Add(budget)
	}
	done, err := r.do(ctx)
	switch {
	case errors.Is(err, errYield):
		run.Save(context.WithoutCancel(ctx), true)
		return false, nil
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		// The run ends here; the sync runs again on schedule (a warehouse that is down comes back).
		msg := err.Error()
		if ferr := run.Fail(context.WithoutCancel(ctx), msg); ferr != nil {
			return false, ferr
		}
		r.log.Warn("warehouse run failed", slog.Any("error", err))
		if credentialsRefused(err) {
			e.store.SetShopStatus(context.WithoutCancel(ctx), w.StoreID, store.StatusNeedsAttention, msg)
			return true, &PermanentError{err}
		}
		return true, nil
	}
	return done, nil
}

// credentialsRefused tells errors only the user can fix.
func credentialsRefused(err error) bool {
	return errors.Is(err, bigcommerce.ErrUnauthorized) || errors.Is(err, bigcommerce.ErrStoreNotFound)
}

// runner is one slice of one run.
type runner struct {
	e        *Engine
	w        *store.WarehouseSync
	cfg      *config
	run      *ledger.Run
	log      *slog.Logger
	deadline time.Time
}

func (r *runner) outOfTime() bool {
	return !r.deadline.IsZero() && r.e.opts.Now().After(r.deadline)
}

// do plans, guards and carries the plan out.
func (r *runner) do(ctx context.Context) (bool, error) {
	e := r.e
	full := r.run.TriggeredBy() == TriggerFull
	bc, err := e.client(ctx, r.w.StoreID)
	if err != nil {
		return false, err
	}
	if r.cfg.store, err = e.storeFields(ctx, r.w, bc, r.cfg, false); err != nil {
		return false, err
	}
	// The first slice reports the invalid rows as it plans; later slices plan again and go on, without
	// trying again the rows this run refused.
	var record func([]classified) error
	if !r.run.Resumed() {
		record = r.recordInvalid
	} else {
		r.cfg.refusedSince = r.run.StartedAt().Truncate(time.Millisecond)
	}
	p, err := e.planRows(ctx, r.w, r.cfg, full, record)
	if err != nil {
		return false, err
	}
	defer p.close()
	if !r.run.Resumed() {
		if err := r.recordDuplicates(ctx, p); err != nil {
			return false, err
		}
	}
	if !r.run.Resumed() {
		r.run.Set(partPlan, 0, store.StreamCounts{State: ledger.Done, Read: p.Rows, Unchanged: p.Unchanged, Rejected: p.Invalid, Total: p.Rows})
	}
	r.setTotals(p)
	if !r.run.Resumed() {
		if err := r.check(ctx, bc, p); err != nil {
			return false, err
		}
		if p.Blocked {
			return true, nil
		}
	}
	// The fields kept may be a day old: a run that writes reads them again first (what it sends is
	// mapped again from them; a row they change is left for the next run, as the plan did not show it).
	if p.Adds+p.Changes+p.Removes > 0 && fieldsUsed(r.cfg) != "---" && e.opts.Now().Sub(r.w.StoreFieldsAt) > storeFieldsFresh {
		if r.cfg.store, err = e.storeFields(ctx, r.w, bc, r.cfg, true); err != nil {
			return false, err
		}
	}
	if err := r.execute(ctx, p, full); err != nil {
		return false, err
	}
	for i, part := range parts[1:] {
		r.run.Enter(ctx, part, i+1, ledger.Running)
		r.run.Leave(ctx, ledger.Done)
	}
	status, err := r.run.Finish(context.WithoutCancel(ctx), nil)
	if err != nil {
		return false, err
	}
	r.savePlan(context.WithoutCancel(ctx), p, planDone)
	r.log.Info("warehouse run finished", slog.String("status", string(status)), slog.Int64("adds", p.Adds), slog.Int64("changes", p.Changes),
		slog.Int64("removes", p.Removes), slog.Int64("invalid", p.Invalid))
	return true, nil
}

// setTotals gives each part its total: what earlier slices settled plus what this slice plans. Rows a
// killed slice handed over without learning their outcome are planned again, so they are taken out of
// its reads.
func (r *runner) setTotals(p *planned) {
	for i, part := range parts[1:] {
		c := r.run.Counts(part)
		c.Read = c.Sent + c.Rejected
		planned := map[string]int64{partAdd: p.Adds, partChange: p.Changes, partRemove: p.Removes}[part]
		c.Total = c.Read + planned
		if c.State == "" {
			c.State = ledger.Pending
		}
		r.run.Set(part, i+1, c)
	}
}

// check runs the plan through the guard, or, for an approved plan, makes sure it is the one approved.
// A plan that may not run is saved blocked and the run ends blocked.
func (r *runner) check(ctx context.Context, bc *bigcommerce.Client, p *planned) error {
	e := r.e
	if r.run.TriggeredBy() == TriggerApproval {
		approved, err := e.store.Plan(ctx, r.w.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && approved.State == planApproved && approved.Digest == p.Digest {
			return nil
		}
		p.Blocked = true
		p.Reason = "the model changed since the plan was approved: this is the new plan"
		if err == nil && approved.State != planApproved {
			p.Reason = "no approved plan is waiting: this is the plan now"
		}
	} else if err := e.guard(ctx, r.w, r.cfg, p.Plan); err != nil {
		return err
	}
	if !p.Blocked {
		return nil
	}
	// The plan waiting for approval shows its samples as they are in the store now, as a dry run does.
	if err := e.before(ctx, bc, r.cfg, p.Plan); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	if err := r.savePlan(ctx, p, planBlocked); err != nil {
		return err
	}
	if err := e.store.SetSyncStatus(ctx, r.w.ID, store.StatusAwaitingApproval, p.Reason); err != nil {
		return err
	}
	r.log.Warn("warehouse run blocked: its plan waits for approval", slog.String("reason", p.Reason))
	return r.run.End(ctx, store.RunBlocked, "blocked: "+p.Reason)
}

// savePlan keeps a plan as the sync's latest.
func (r *runner) savePlan(ctx context.Context, p *planned, state string) error {
	body, err := json.Marshal(p.Plan)
	if err != nil {
		return err
	}
	return r.e.store.SavePlan(ctx, &store.Plan{SyncID: r.w.ID, RunID: r.run.ID(), State: state, Digest: p.Digest, Body: string(body)})
}

// recordInvalid keeps the invalid rows of a batch as the run's rejected rows, each with its reason.
func (r *runner) recordInvalid(batch []classified) error {
	var rs []store.Rejected
	for _, c := range batch {
		if c.op == opInvalid {
			rs = append(rs, store.Rejected{Key: c.label(), Reason: "Invalid", Detail: c.err.Error()})
		}
	}
	return r.run.Reject(context.Background(), partPlan, rs...)
}
