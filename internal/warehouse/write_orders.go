package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// orders writes rows into the store's orders: the API writes one order per call, so a few go at once,
// all through the store's quota share. An insert carries the row's external id, so that a create whose
// outcome a crash hid is found by the next run instead of being made twice.
type orders struct {
	r  *runner
	bc *bigcommerce.Client
}

// orderWorkers is how many order calls go at once.
const orderWorkers = 3

func (w *orders) send(ctx context.Context, rows []classified, pending func([]store.RecordState) error) ([]outcome, error) {
	cfg := w.r.cfg
	if cfg.mode == modeInsert {
		var marks []store.RecordState
		for _, c := range rows {
			if !(c.had && c.prev.Status == rowPending) {
				marks = append(marks, store.RecordState{Key: c.key, Fingerprint: c.mapped.print})
			}
		}
		if len(marks) > 0 {
			if err := pending(marks); err != nil {
				return nil, err
			}
		}
	}
	return w.each(ctx, rows, func(ctx context.Context, c classified) (outcome, error) {
		if cfg.mode == modeInsert {
			return w.insert(ctx, c)
		}
		return w.update(ctx, c)
	})
}

// each runs f for every row, a few at a time. An error that is not a row's fails the run.
func (w *orders) each(ctx context.Context, rows []classified, f func(context.Context, classified) (outcome, error)) ([]outcome, error) {
	outs := make([]outcome, len(rows))
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	sem := make(chan struct{}, orderWorkers)
	for i, c := range rows {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outs[i], errs[i] = f(ctx, c)
		}()
	}
	wg.Wait()
	// What went through is kept even when another row's call failed the run.
	var done []outcome
	for i := range rows {
		if errs[i] == nil {
			done = append(done, outs[i])
		}
	}
	return done, errors.Join(errs...)
}

// externalID is the key bcsync puts on the orders it creates (BigCommerce's external_order_id).
func (w *orders) externalID(key string) string {
	id := fmt.Sprintf("bcsync-%d-%s", w.r.w.ID, key)
	if len(id) > 64 {
		sum := sha256.Sum256([]byte(key))
		id = fmt.Sprintf("bcsync-%d-%s", w.r.w.ID, hex.EncodeToString(sum[:12]))
	}
	return id
}

func (w *orders) insert(ctx context.Context, c classified) (outcome, error) {
	ext := w.externalID(c.key)
	if c.had && c.prev.Status == rowPending {
		found, err := w.bc.OrdersByExternalID(ctx, ext)
		if err != nil {
			return outcome{}, err
		}
		if len(found) > 0 {
			return w.accept(c, found[0].ID), nil // the last run's create went through
		}
	}
	in, err := c.mapped.values.OrderCreate()
	if err != nil {
		return w.refuse(c, "Invalid", err.Error(), nil, nil), nil
	}
	in.ExternalOrderID = ext
	o, err := w.bc.CreateOrder(ctx, in)
	switch {
	case errors.Is(err, bigcommerce.ErrMaybeApplied):
		// Look right away: a create whose answer was lost has usually gone through.
		found, lookErr := w.bc.OrdersByExternalID(ctx, ext)
		if lookErr == nil && len(found) > 0 {
			return w.accept(c, found[0].ID), nil
		}
		return unclearOutcome(c, store.RecordState{Key: c.key, Fingerprint: c.mapped.print}, lookErr), nil
	case rowError(err):
		return w.refuse(c, "Refused", err.Error(), in, err), nil
	case err != nil:
		return outcome{}, err
	}
	return w.accept(c, o.ID), nil
}

func (w *orders) update(ctx context.Context, c classified) (outcome, error) {
	id := c.mapped.key.ID
	upd, err := c.mapped.values.OrderUpdate()
	if err != nil {
		return w.refuse(c, "Invalid", err.Error(), nil, nil), nil
	}
	_, err = w.bc.UpdateOrder(ctx, id, upd)
	switch {
	case errors.Is(err, bigcommerce.ErrNotFound):
		return w.refuse(c, "NoMatch", fmt.Sprintf("no order has the id %d: update mode changes existing orders only", id), upd, err), nil
	case rowError(err):
		return w.refuse(c, "Refused", err.Error(), upd, err), nil
	case err != nil:
		return outcome{}, err
	}
	return w.accept(c, id), nil
}

// rowError tells a refusal of the one record sent (4xx but for throttling and credentials) from a
// failure of the store or of the credentials, which stops the run.
func rowError(err error) bool {
	var api *bigcommerce.APIError
	return errors.As(err, &api) && api.Status >= 400 && api.Status < 500 && api.Status != 401 && api.Status != 403 && api.Status != 429
}

// remove archives the orders of rows that left the model, or clears their mapped fields.
func (w *orders) remove(ctx context.Context, states []store.RecordState) ([]outcome, error) {
	clear, clearable := w.r.cfg.compiled.ClearOrder()
	outs := make([]outcome, len(states))
	errs := make([]error, len(states))
	var wg sync.WaitGroup
	sem := make(chan struct{}, orderWorkers)
	for i, st := range states {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id, _ := strconv.Atoi(st.TargetID)
			var err error
			var request any
			switch {
			case w.r.cfg.delete == deleteDelete:
				err = w.bc.ArchiveOrder(ctx, id)
			case clearable:
				request = clear
				_, err = w.bc.UpdateOrder(ctx, id, clear)
			}
			switch {
			case err == nil || errors.Is(err, bigcommerce.ErrNotFound):
				st.Status, st.Fingerprint, st.Attempts = rowRemoved, "", 0
				if w.r.cfg.delete == deleteDelete {
					st.TargetID = ""
				}
				outs[i] = outcome{op: opRemove, state: st}
			case rowError(err):
				st.Attempts++
				outs[i] = outcome{op: opRemove, state: st, reject: rejection(st.Key, "Refused", err.Error(), request, err)}
			default:
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	var out []outcome
	for i := range states {
		if errs[i] != nil {
			return out, errs[i]
		}
		out = append(out, outs[i])
	}
	return out, nil
}

func (w *orders) accept(c classified, id int) outcome {
	return outcome{op: c.op, state: store.RecordState{Key: c.key, Fingerprint: c.mapped.print, Status: rowSynced, TargetID: strconv.Itoa(id)}}
}

func (w *orders) refuse(c classified, reason, detail string, request any, err error) outcome {
	return outcome{op: c.op, state: refused(c), reject: rejection(c.key, reason, detail, request, err)}
}

// writer builds the writer of the sync's object, with a client paced by the store's quota share.
func (r *runner) writer(ctx context.Context) (writer, error) {
	bc, err := r.e.client(ctx, r.w.StoreID)
	if err != nil {
		return nil, err
	}
	if r.cfg.object == objectOrders {
		return &orders{r: r, bc: bc}, nil
	}
	return &customers{r: r, bc: bc}, nil
}
