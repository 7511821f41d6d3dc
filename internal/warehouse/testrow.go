package warehouse

import (
	"context"
	"errors"
	"fmt"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/store"
)

// TriggerTest is the trigger of a run that sends one chosen row.
const TriggerTest = "test"

// TestResult is what became of a row sent on its own.
type TestResult struct {
	RunID    int64  `json:"run_id"`
	Key      string `json:"key"`
	Op       string `json:"op"`     // add, change, invalid
	Status   string `json:"status"` // sent, refused, invalid
	TargetID string `json:"target_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ErrRunGoingOn refuses a test while a run of the sync goes on.
var ErrRunGoingOn = errors.New("a run of this sync is going on: test a row when it ends")

// TestRow sends one row of the model, found by its primary key, whether it changed or not, as a run
// of its own (its calls are that run's in the debugger). Its state is saved like any run's.
func (e *Engine) TestRow(ctx context.Context, syncID int64, key string) (*TestResult, error) {
	w, err := e.store.WarehouseSync(ctx, syncID)
	if err != nil {
		return nil, err
	}
	if running, err := e.store.RunningRun(ctx, syncID); err != nil || running != nil {
		if err == nil {
			err = ErrRunGoingOn
		}
		return nil, err
	}
	cfg, err := configOf(w)
	if err != nil {
		return nil, err
	}
	bc, err := e.client(ctx, w.StoreID)
	if err != nil {
		return nil, err
	}
	if cfg.store, err = e.storeFields(ctx, w, bc, cfg, false); err != nil {
		return nil, err
	}
	found, err := e.findRow(ctx, w, cfg, key)
	if err != nil {
		return nil, err
	}
	run, err := e.runs.Begin(ctx, syncID, TriggerTest, parts)
	if err != nil {
		return nil, err
	}
	ctx = apicall.WithScope(ctx, apicall.Scope{SyncID: syncID, RunID: run.ID()})
	r := &runner{e: e, w: w, cfg: cfg, run: run, log: run.Logger()}
	res := &TestResult{RunID: run.ID(), Key: key, Op: found.op.String()}
	if found.op == opInvalid {
		res.Status, res.Reason = "invalid", found.err.Error()
		if err := r.recordInvalid([]classified{found}); err != nil {
			return nil, err
		}
		_, err := run.Finish(context.WithoutCancel(ctx), nil)
		return res, err
	}
	wr, err := r.writer(ctx)
	if err != nil {
		return nil, err
	}
	r.run.Enter(ctx, partOf(found.op), positionOf(partOf(found.op)), "running")
	r.run.Count(1, 0, 0, 0)
	outs, sendErr := wr.send(ctx, []classified{found}, r.pending)
	if err := r.settle(ctx, outs); err != nil {
		return nil, err
	}
	if sendErr != nil {
		return res, run.Fail(context.WithoutCancel(ctx), sendErr.Error())
	}
	res.Status = "sent"
	for _, o := range outs {
		res.TargetID = o.state.TargetID
		if o.reject != nil {
			res.Status, res.Reason = "refused", o.reject.Detail
		}
	}
	if len(outs) == 0 {
		res.Status, res.Reason = "unknown", "the store's answer was lost: the next run looks the record up"
	}
	r.run.Leave(ctx, "done")
	_, err = run.Finish(context.WithoutCancel(ctx), nil)
	return res, err
}

// findRow reads the model until the row of key and classifies it as a change to send whatever its
// state (a row that did not change is sent again).
func (e *Engine) findRow(ctx context.Context, w *store.WarehouseSync, cfg *config, key string) (classified, error) {
	src, rows, mp, err := e.readModel(ctx, w, cfg)
	if err != nil {
		return classified{}, err
	}
	defer src.Close()
	defer rows.Close()
	line := 0
	for rows.Next() {
		line++
		if rows.RowErr() != nil {
			continue
		}
		values := rows.Values()
		k, err := keyOf(values[cfg.keyIndex])
		if err != nil || k != key {
			continue
		}
		r := row{key: k, line: line, values: values}
		r.mapped, r.err = mp.row(values)
		cs, err := e.classify(ctx, w, cfg, []row{r}, true)
		if err != nil {
			return classified{}, err
		}
		return cs[0], nil
	}
	if err := rows.Err(); err != nil {
		return classified{}, err
	}
	return classified{}, &InputError{"key", fmt.Sprintf("the model has no row whose primary key is %q", key)}
}
