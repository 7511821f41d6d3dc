package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

// RunEnded judges a sync's conditions as one of its runs ends: the ledger's Ended hook. A failure is
// logged here; the periodic check judges the sync again within a minute.
func (a *Service) RunEnded(ctx context.Context, syncID, runID int64, status store.RunStatus) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.Evaluate(ctx, syncID); err != nil {
		a.log.Warn("alert conditions not judged at the end of a run; the next check judges them", slog.Int64("sync_id", syncID),
			slog.Int64("run_id", runID), slog.Any("error", err))
	}
}

// Evaluate judges every condition the rules of a sync watch, except the store's webhooks (read on
// their own schedule, see CheckWebhooks), and queues a notification for each change a channel must be
// told of.
func (a *Service) Evaluate(ctx context.Context, syncID int64) error {
	return a.evaluate(ctx, syncID, nil)
}

func (a *Service) evaluate(ctx context.Context, syncID int64, hooks *hookFacts) error {
	rules, err := a.store.AlertRulesFor(ctx, syncID)
	if err != nil || len(rules) == 0 {
		return err
	}
	f, err := a.facts(ctx, syncID, rules)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the sync was removed meanwhile
	}
	if err != nil {
		return err
	}
	f.hooks = hooks
	states, err := a.store.AlertStates(ctx, syncID)
	if err != nil {
		return err
	}
	type key struct {
		rule int64
		cond string
	}
	known := map[key]store.AlertState{}
	for _, st := range states {
		known[key{st.RuleID, st.Condition}] = st
	}
	var errs []error
	for _, r := range rules {
		th := thresholdsOf(r)
		for _, cond := range r.Conditions {
			st, seen := known[key{r.ID, cond}]
			if !seen {
				st = store.AlertState{RuleID: r.ID, SyncID: syncID, Condition: cond}
			}
			if o, ok := observe(cond, f, th); ok {
				if st, err = a.record(ctx, st, seen, o, f.now); err != nil {
					errs = append(errs, err)
					continue
				}
			} else if !seen {
				continue // not judged this time, and never before: nothing to tell
			}
			if err := a.tell(ctx, r, st, f.now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// record saves what is now true of a condition when it changed, and returns the state as saved.
func (a *Service) record(ctx context.Context, st store.AlertState, seen bool, o observation, now time.Time) (store.AlertState, error) {
	sev := string(o.severity)
	if !seen || sev != st.Severity {
		st.Since = now
	}
	o.msg.At = st.Since
	if o.severity == "" {
		o.msg.State = notify.Resolved
	} else {
		o.msg.State = notify.Triggered
	}
	raw, err := json.Marshal(o.msg)
	if err != nil {
		return st, fmt.Errorf("alert: %w", err)
	}
	if seen && sev == st.Severity && string(raw) == st.Message {
		return st, nil
	}
	st.Severity, st.Message = sev, string(raw)
	return st, a.store.SaveAlertState(ctx, st)
}

// tell queues the notification of a condition's state when its rule's channel must be told of it now
// (see due); of several processes judging at once, one does.
func (a *Service) tell(ctx context.Context, r *store.AlertRule, st store.AlertState, now time.Time) error {
	if !due(st.Severity, st.NotifiedSeverity, st.NotifiedAt, now, r.Quiet) || st.Message == "" {
		return nil
	}
	if a.queue == nil {
		return errors.New("alert: no job queue to deliver notifications")
	}
	m, err := MessageOf(st.Message)
	if err != nil {
		return err
	}
	if st.Severity == "" {
		// A recovery keeps the severity of what it ends, for whoever reads the history.
		m.State, m.Severity = notify.Resolved, notify.Severity(st.NotifiedSeverity)
	}
	ch, err := a.store.AlertChannel(ctx, r.ChannelID)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("alert: %w", err)
	}
	d := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, RuleID: r.ID, SyncID: st.SyncID,
		State: string(m.State), Condition: st.Condition, Severity: string(m.Severity), Message: string(raw)}
	won, err := a.store.NotifyAlert(ctx, st, st.Severity, now, d, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return a.queue.InsertTx(ctx, tx, deliveryArgs{DeliveryID: id}, nil)
	})
	if err != nil || !won {
		return err
	}
	a.log.Info("alert queued", slog.Int64("sync_id", st.SyncID), slog.String("condition", st.Condition), slog.String("state", d.State),
		slog.String("severity", d.Severity), slog.Int64("channel_id", ch.ID), slog.Int64("delivery_id", d.ID))
	return nil
}

// facts gathers what the conditions of a sync are judged by.
func (a *Service) facts(ctx context.Context, syncID int64, rules []*store.AlertRule) (*facts, error) {
	y, err := a.store.Sync(ctx, syncID)
	if err != nil {
		return nil, err
	}
	f := &facts{now: a.opts.Now(), sync: y, publicURL: a.opts.PublicURL}
	if f.shop, err = a.store.Shop(ctx, y.StoreID); err != nil {
		return nil, err
	}
	// The newest runs: the one going on, the last finished, and those before it for the median of
	// slow runs.
	if f.runs, err = a.store.Runs(ctx, syncID, slowRuns+2, 0); err != nil {
		return nil, err
	}
	if f.succeeded, err = a.store.LastSucceededRun(ctx, syncID); err != nil {
		return nil, err
	}
	if last := f.last(); last != nil && watches(rules, Rejected) {
		if _, _, share := rejectedShare(last); share > 0 {
			if f.reasons, err = a.store.RejectedReasons(ctx, last.ID, 3); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

func watches(rules []*store.AlertRule, cond string) bool {
	return slices.ContainsFunc(rules, func(r *store.AlertRule) bool { return slices.Contains(r.Conditions, cond) })
}

// Check judges every sync a rule watches, then deletes notifications older than KeepHistory: the
// periodic job. A sync that cannot be judged is logged and the others are.
func (a *Service) Check(ctx context.Context) error {
	ids, err := a.watched(ctx, "")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.evaluate(ctx, id, nil); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.log.Warn("alert conditions not judged", slog.Int64("sync_id", id), slog.Any("error", err))
		}
	}
	if keep := a.opts.KeepHistory; keep > 0 {
		if n, err := a.store.PruneAlertDeliveries(ctx, a.opts.Now().Add(-keep)); err != nil {
			a.log.Warn("old notifications not deleted", slog.Any("error", err))
		} else if n > 0 {
			a.log.Debug("old notifications deleted", slog.Int64("notifications", n))
		}
	}
	return nil
}

// watched lists the syncs some rule watches (for cond, when given).
func (a *Service) watched(ctx context.Context, cond string) ([]int64, error) {
	rules, err := a.store.AlertRules(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	all := false
	for _, r := range rules {
		if cond != "" && !slices.Contains(r.Conditions, cond) {
			continue
		}
		if r.SyncID == 0 {
			all = true
			break
		}
		if !slices.Contains(ids, r.SyncID) {
			ids = append(ids, r.SyncID)
		}
	}
	if !all {
		slices.Sort(ids)
		return ids, nil
	}
	syncs, err := a.store.Syncs(ctx, 0)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, y := range syncs {
		ids = append(ids, y.ID)
	}
	return ids, nil
}
