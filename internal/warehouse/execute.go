package warehouse

import (
	"context"
	"errors"

	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// writer writes one object's records into the store.
type writer interface {
	// send carries out adds and changes; pending is called with the rows about to be created, before
	// the calls, so that a crash leaves them marked for the next run to look up.
	send(ctx context.Context, rows []classified, pending func([]store.RecordState) error) ([]outcome, error)
	// remove clears or deletes the records of rows that left the model.
	remove(ctx context.Context, states []store.RecordState) ([]outcome, error)
}

// outcome is what became of one row's operation.
type outcome struct {
	op     op
	state  store.RecordState // the row's state from now on
	reject *store.Rejected   // why the store refused it (state then says it failed)
}

// sendBatch is how many rows are handed to a writer at once: ten customer batches of ten.
const sendBatch = 100

// execute carries a plan out: it reads the model again and sends the adds and changes, then the
// removes. A row whose values changed since the plan was made is left for the next run, so that a
// run (an approved one above all) does exactly what its plan said.
func (r *runner) execute(ctx context.Context, p *planned, full bool) error {
	wr, err := r.writer(ctx)
	if err != nil {
		return err
	}
	var buf []classified
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		for _, part := range []op{opAdd, opChange} {
			n := 0
			for _, c := range buf {
				if c.op == part {
					n++
				}
			}
			if n > 0 {
				r.run.Enter(ctx, partOf(part), int(part), ledger.Running)
				r.run.Count(int64(n), 0, 0, 0)
			}
		}
		outs, err := wr.send(ctx, buf, r.pending)
		buf = buf[:0]
		if err := r.settle(ctx, outs); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		if r.outOfTime() {
			return errYield
		}
		return nil
	}
	again, err := r.e.planRows(ctx, r.w, r.cfg, full, func(batch []classified) error {
		for _, c := range batch {
			if c.op != opAdd && c.op != opChange {
				continue
			}
			en, ok, err := p.lookup(c.key)
			if err != nil {
				return err
			}
			if !ok || en.op != c.op || en.print != hash64(c.mapped.print) {
				continue // not what the plan said: the next run plans it again
			}
			buf = append(buf, c)
			if len(buf) == sendBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer again.close()
	if err := flush(); err != nil {
		return err
	}
	if r.cfg.delete == deleteNothing || full || p.Removes == 0 {
		return nil
	}
	var gone []store.RecordState
	removeAll := func() error {
		if len(gone) == 0 {
			return nil
		}
		r.run.Enter(ctx, partRemove, int(opRemove), ledger.Running)
		r.run.Count(int64(len(gone)), 0, 0, 0)
		outs, err := wr.remove(ctx, gone)
		gone = gone[:0]
		if err := r.settle(ctx, outs); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		if r.outOfTime() {
			return errYield
		}
		return nil
	}
	err = r.e.eachGone(ctx, r.w, again, func(st store.RecordState) error {
		if kept, err := p.present(st.Key); kept || err != nil {
			return err // kept: the plan did not remove it, the model changed meanwhile
		}
		gone = append(gone, st)
		if len(gone) == sendBatch {
			return removeAll()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return removeAll()
}

func partOf(o op) string {
	switch o {
	case opAdd:
		return partAdd
	case opChange:
		return partChange
	}
	return partRemove
}

// unclearOutcome is a create that failed without saying whether it went through, and which a look
// right after did not find (lookErr, when the look itself failed). The row stays pending: the next run
// looks for the record again before creating it, so it is never made twice. The run reports it among
// its rejected rows, so that it does not pass for sent.
func unclearOutcome(c classified, pending store.RecordState, lookErr error) outcome {
	detail := "the store did not answer whether it created this record, and it is not there yet: the next run looks for it again before creating it"
	if lookErr != nil {
		detail += " (looking for it failed: " + lookErr.Error() + ")"
	}
	pending.Status = rowPending
	pending.Attempts = c.prev.Attempts + 1
	return outcome{op: c.op, state: pending, reject: &store.Rejected{Key: c.key, Reason: "Unknown", Detail: detail}}
}

// pending marks rows about to be created.
func (r *runner) pending(states []store.RecordState) error {
	for i := range states {
		states[i].Status = rowPending
	}
	return r.e.store.SaveRecordStates(context.Background(), r.w.ID, rowsStream, states)
}

// settle saves what became of each row and keeps the refused ones with their error, request and
// response; a row refused again counts one more attempt.
func (r *runner) settle(ctx context.Context, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	states := make([]store.RecordState, 0, len(outs))
	rejected := map[string][]store.Rejected{}
	sent := map[string]int64{}
	for _, o := range outs {
		states = append(states, o.state)
		part := partOf(o.op)
		if o.reject != nil {
			rejected[part] = append(rejected[part], *o.reject)
		} else {
			sent[part]++
		}
	}
	if err := r.e.store.SaveRecordStates(ctx, r.w.ID, rowsStream, states); err != nil {
		return err
	}
	var errs []error
	for _, part := range parts[1:] {
		if n := sent[part]; n > 0 {
			r.run.Enter(ctx, part, positionOf(part), ledger.Running)
			r.run.Count(0, n, 0, 0)
		}
		errs = append(errs, r.run.Reject(ctx, part, rejected[part]...))
	}
	// Saved with the states, so that a run resumed after a kill counts what the killed slice sent.
	r.run.Save(ctx, true)
	return errors.Join(errs...)
}

func positionOf(part string) int {
	for i, p := range parts {
		if p == part {
			return i
		}
	}
	return len(parts)
}

// recordDuplicates reports the rows of every duplicated primary key or match value: which copy is
// right cannot be known, so none is sent. The keys show only once the whole model was read; they are
// found by reading it again, which only a model with duplicates costs.
func (r *runner) recordDuplicates(ctx context.Context, p *planned) error {
	if len(p.dups) == 0 && len(p.matchDups) == 0 {
		return nil
	}
	src, rows, mp, err := r.e.readModel(ctx, r.w, r.cfg)
	if err != nil {
		return err
	}
	defer src.Close()
	defer rows.Close()
	var rs []store.Rejected
	for rows.Next() {
		if rows.RowErr() != nil {
			continue
		}
		key, err := keyOf(rows.Values()[r.cfg.keyIndex])
		switch {
		case err != nil:
		case p.dups[hash64(key)]:
			rs = append(rs, store.Rejected{Key: key, Reason: "Invalid", Detail: dupReason(key)})
		case p.matchDups[hash64(key)]:
			rej := store.Rejected{Key: key, Reason: "Invalid", Detail: matchDupReason(r.cfg.matchField, "")}
			if m, err := mp.row(rows.Values()); err == nil && m.hasKey {
				rej.Detail = matchDupReason(r.cfg.matchField, m.key.String())
				if m.key.Field == mapping.MatchEmail {
					rej.Email = m.key.Email
				}
			}
			rs = append(rs, rej)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return r.run.Reject(ctx, partPlan, rs...)
}
