package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// customers writes rows into the store's customers: updates where the row's customer is known (its id
// remembered, or its match), creates where the mode allows and none matches, in batches of ten with at
// most three in flight (the client's), through the store's quota share.
type customers struct {
	r  *runner
	bc *bigcommerce.Client
}

// target is what a row is about to do to which customer.
type target struct {
	c      classified
	id     int
	create bool
	adopt  bool // a create the last run sent and whose outcome it never learnt: it went through
}

func (w *customers) send(ctx context.Context, rows []classified, pending func([]store.RecordState) error) ([]outcome, error) {
	cfg := w.r.cfg
	var outs []outcome
	// Which customer each row writes: the one remembered, the one its id names, or the one its email
	// finds (looked up in one call for the batch).
	targets := make([]target, 0, len(rows))
	var lookups []string
	var idLookups []int
	for _, c := range rows {
		t := target{c: c}
		key, hasKey := c.mapped.key, c.mapped.hasKey
		switch {
		case cfg.matchField == mapping.MatchID && hasKey && cfg.mode != modeInsert:
			// An id synced before is known to exist; a new one is looked up, so that an id naming no
			// customer is refused alone instead of failing its batch of ten.
			if c.had && c.prev.Status == rowSynced && c.prev.TargetID == strconv.Itoa(key.ID) {
				t.id = key.ID
			} else {
				idLookups = append(idLookups, key.ID)
			}
		case c.had && c.prev.TargetID != "" && c.prev.Status != rowPending && (!hasKey || c.prev.Email == key.Email):
			t.id, _ = strconv.Atoi(c.prev.TargetID)
		case cfg.matchField == mapping.MatchEmail && hasKey:
			lookups = append(lookups, key.Email)
		case c.had && c.prev.Status == rowPending && createEmail(c) != "":
			lookups = append(lookups, createEmail(c)) // did the last run's create go through?
		}
		targets = append(targets, t)
	}
	found := map[string]bigcommerce.Customer{}
	if len(lookups) > 0 {
		var err error
		if found, err = w.bc.CustomersByEmail(ctx, lookups); err != nil {
			return nil, err
		}
	}
	var byID map[int]bigcommerce.Customer
	if len(idLookups) > 0 {
		var err error
		if byID, err = w.bc.CustomersByID(ctx, idLookups); err != nil {
			return nil, err
		}
	}
	var creates, updates, adopted []target
	for _, t := range targets {
		c := t.c
		if t.id == 0 && c.mapped.hasKey && c.mapped.key.Field == mapping.MatchID && cfg.mode != modeInsert {
			if _, ok := byID[c.mapped.key.ID]; !ok {
				outs = append(outs, w.refuse(c, "NoMatch", fmt.Sprintf("no customer has the id %d: a row matched on the id changes that customer only", c.mapped.key.ID), nil, nil))
				continue
			}
			t.id = c.mapped.key.ID
		}
		if email := createEmail(c); t.id == 0 && email != "" && (c.mapped.key.Field == mapping.MatchEmail || c.had && c.prev.Status == rowPending) {
			if cu, ok := found[email]; ok {
				t.id = cu.ID
				switch {
				case c.had && c.prev.Status == rowPending:
					t.adopt = true
				case cfg.mode == modeInsert:
					outs = append(outs, w.refuse(c, "Exists", fmt.Sprintf("a customer has the email %s already (id %d): insert mode creates new customers only", c.mapped.key.Email, cu.ID), nil, nil))
					continue
				}
			}
		}
		switch {
		case t.adopt:
			adopted = append(adopted, t)
		case t.id != 0 && cfg.mode != modeInsert:
			updates = append(updates, t)
		case t.id == 0 && cfg.mode != modeUpdate:
			t.create = true
			creates = append(creates, t)
		default:
			outs = append(outs, w.refuse(c, "NoMatch", fmt.Sprintf("no customer has the %s %s: update mode changes existing customers only", cfg.matchField, c.mapped.key), nil, nil))
		}
	}
	metaOuts, err := w.metafields(ctx, adopted)
	outs = append(outs, metaOuts...)
	if err != nil {
		return outs, err
	}
	created, err := w.create(ctx, creates, pending)
	outs = append(outs, created...)
	if err != nil {
		return outs, err
	}
	updated, err := w.update(ctx, updates)
	return append(outs, updated...), err
}

// create sends new customers, marked pending first: after a crash the next run finds them by email.
func (w *customers) create(ctx context.Context, ts []target, pending func([]store.RecordState) error) ([]outcome, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	var outs []outcome
	var ok []target
	var inputs []bigcommerce.CustomerInput
	var marks []store.RecordState
	for _, t := range ts {
		in, err := t.c.mapped.values.CustomerCreate()
		if err != nil {
			outs = append(outs, w.refuse(t.c, "Invalid", err.Error(), nil, nil))
			continue
		}
		ok, inputs = append(ok, t), append(inputs, in)
		marks = append(marks, w.state(t.c, 0, true))
	}
	if len(inputs) == 0 {
		return outs, nil
	}
	if err := pending(marks); err != nil {
		return outs, err
	}
	results, err := w.bc.CreateCustomers(ctx, inputs)
	if err != nil && len(results) == 0 {
		return outs, err
	}
	var made, unclear []target
	for _, res := range results {
		t := ok[res.Index]
		switch {
		case errors.Is(res.Err, bigcommerce.ErrMaybeApplied):
			unclear = append(unclear, t)
		case res.Err != nil:
			outs = append(outs, w.refuse(t.c, "Refused", res.Err.Error(), inputs[res.Index], res.Err))
		default:
			t.id = res.Customer.ID
			made = append(made, t)
		}
	}
	found, unknown := w.findCreated(ctx, unclear)
	outs = append(outs, unknown...)
	made, refusedOuts, err := w.attributesAfterCreate(ctx, append(made, found...))
	outs = append(outs, refusedOuts...)
	if err != nil {
		return outs, err
	}
	metaOuts, err := w.metafields(ctx, made)
	return append(outs, metaOuts...), err
}

// attributesAfterCreate writes the attribute values new customers' creates could not carry (a create
// takes at most mapping.MaxCreateAttributes).
func (w *customers) attributesAfterCreate(ctx context.Context, ts []target) ([]target, []outcome, error) {
	var values []bigcommerce.AttributeValueInput
	for _, t := range ts {
		values = append(values, t.c.mapped.values.AttributeValuesAfterCreate(t.id)...)
	}
	if len(values) == 0 {
		return ts, nil, nil
	}
	results, err := w.bc.UpsertAttributeValues(ctx, values)
	if err != nil && len(results) == 0 {
		return nil, nil, err
	}
	failed := map[int]error{}
	for _, res := range results {
		if res.Err != nil {
			failed[values[res.Index].CustomerID] = res.Err
		}
	}
	var done []target
	var outs []outcome
	for _, t := range ts {
		if err := failed[t.id]; err != nil {
			o := w.refuse(t.c, "Refused", "attribute values: "+err.Error(), t.c.mapped.values.AttributeValuesAfterCreate(t.id), err)
			// The customer exists: the next run updates it.
			st := w.state(t.c, t.id, false)
			o.state.TargetID, o.state.Email = st.TargetID, st.Email
			outs = append(outs, o)
			continue
		}
		done = append(done, t)
	}
	return done, outs, nil
}

// findCreated looks up by email the customers whose create failed without saying whether it went
// through. Those not found stay pending, reported as unknown: the next run looks again before
// creating them.
func (w *customers) findCreated(ctx context.Context, ts []target) (found []target, unknown []outcome) {
	if len(ts) == 0 {
		return nil, nil
	}
	emails := make([]string, len(ts))
	for i, t := range ts {
		emails[i] = createEmail(t.c)
	}
	byEmail, err := w.bc.CustomersByEmail(ctx, emails)
	for i, t := range ts {
		if cu, ok := byEmail[emails[i]]; ok && err == nil {
			t.id = cu.ID
			found = append(found, t)
			continue
		}
		unknown = append(unknown, unclearOutcome(t.c, w.state(t.c, 0, true), err))
	}
	return found, unknown
}

// createEmail is the email a row creates its customer with, as the store compares emails: its match
// when it is matched on email, else its mapped email.
func createEmail(c classified) string {
	if c.mapped.hasKey && c.mapped.key.Field == mapping.MatchEmail {
		return c.mapped.key.Email
	}
	if v, ok := c.mapped.values.Get("email"); ok {
		if s, ok := v.V.(string); ok {
			return strings.ToLower(strings.TrimSpace(s))
		}
	}
	return ""
}

// update sends changes to known customers, then their attribute values and metafields.
func (w *customers) update(ctx context.Context, ts []target) ([]outcome, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	var outs []outcome
	var ok, done []target
	var inputs []bigcommerce.CustomerInput
	for _, t := range ts {
		if w.unchangedPart(t, 'c') {
			done = append(done, t) // only its attributes or metafields changed
			continue
		}
		in, err := t.c.mapped.values.CustomerUpdate(t.id)
		if err != nil {
			outs = append(outs, w.refuse(t.c, "Invalid", err.Error(), nil, nil))
			continue
		}
		ok, inputs = append(ok, t), append(inputs, in)
	}
	var results []bigcommerce.CustomerResult
	if len(inputs) > 0 {
		var err error
		if results, err = w.bc.UpdateCustomers(ctx, inputs); err != nil && len(results) == 0 {
			return outs, err
		}
	}
	for _, res := range results {
		t := ok[res.Index]
		if res.Err != nil {
			if errors.Is(res.Err, bigcommerce.ErrNotFound) {
				// The customer is gone from the store: the next run matches the row again (by its email,
				// and creates it in upsert mode) instead of writing to a dead id.
				o := w.refuse(t.c, "NoMatch", res.Err.Error(), inputs[res.Index], res.Err)
				o.state.TargetID, o.state.Email = "", ""
				outs = append(outs, o)
				continue
			}
			outs = append(outs, w.refuse(t.c, "Refused", res.Err.Error(), inputs[res.Index], res.Err))
			continue
		}
		done = append(done, t)
	}
	done, refused, err := w.attributes(ctx, done)
	outs = append(outs, refused...)
	if err != nil {
		return outs, err
	}
	metaOuts, err := w.metafields(ctx, done)
	return append(outs, metaOuts...), err
}

// attributes writes the attribute values of updated customers (a create takes them with the customer):
// values upserted ten customers a call, NULLs deleted.
func (w *customers) attributes(ctx context.Context, ts []target) ([]target, []outcome, error) {
	if len(ts) == 0 || !w.r.cfg.compiled.Uses(mapping.Attribute) {
		return ts, nil, nil
	}
	var values []bigcommerce.AttributeValueInput
	owner := map[int]int{} // customer id → index in ts
	var needCurrent []int
	for i, t := range ts {
		if w.unchangedPart(t, 'a') {
			continue
		}
		values = append(values, t.c.mapped.values.AttributeValues(t.id)...)
		owner[t.id] = i
		for _, v := range t.c.mapped.values.All() {
			if v.Field.Origin == mapping.Attribute && v.V == nil {
				needCurrent = append(needCurrent, t.id)
				break
			}
		}
	}
	failed := map[int]error{}
	if len(values) > 0 {
		results, err := w.bc.UpsertAttributeValues(ctx, values)
		if err != nil && len(results) == 0 {
			return nil, nil, err
		}
		for _, res := range results {
			if res.Err != nil {
				failed[values[res.Index].CustomerID] = res.Err
			}
		}
	}
	if len(needCurrent) > 0 {
		current, err := w.bc.CustomersByID(ctx, needCurrent)
		if err != nil {
			return nil, nil, err
		}
		var ids []int
		for _, id := range needCurrent {
			ids = append(ids, ts[owner[id]].c.mapped.values.AttributeValueDeletes(current[id].Attributes)...)
		}
		if len(ids) > 0 {
			if err := w.bc.DeleteAttributeValues(ctx, ids); err != nil {
				return nil, nil, err
			}
		}
	}
	var done []target
	var outs []outcome
	for _, t := range ts {
		if err := failed[t.id]; err != nil {
			outs = append(outs, w.refuse(t.c, "Refused", "attribute values: "+err.Error(), t.c.mapped.values.AttributeValues(t.id), err))
			continue
		}
		done = append(done, t)
	}
	return done, outs, nil
}

// metafields writes the metafields of customers: their current ones read, then creates, updates and
// deletes in batches of ten.
func (w *customers) metafields(ctx context.Context, ts []target) ([]outcome, error) {
	var outs []outcome
	if len(ts) == 0 || !w.r.cfg.compiled.Uses(mapping.Metafield) {
		for _, t := range ts {
			outs = append(outs, w.accept(t.c, t.id))
		}
		return outs, nil
	}
	var creates, updates []bigcommerce.MetafieldInput
	var deletes []int
	owner := map[int]int{}
	for i, t := range ts {
		if w.unchangedPart(t, 'm') {
			continue
		}
		var current []bigcommerce.Metafield
		if !t.create {
			var err error
			if current, err = bigcommerce.All(w.bc.CustomerMetafields(ctx, t.id, bigcommerce.MetafieldQuery{})); err != nil {
				return outs, err
			}
		}
		mw := t.c.mapped.values.Metafields(t.id, current, "")
		for _, m := range mw.Create {
			owner[len(creates)] = i
			creates = append(creates, m)
		}
		updates = append(updates, mw.Update...)
		deletes = append(deletes, mw.Delete...)
	}
	failed := map[int]error{}
	if len(creates) > 0 {
		results, err := w.bc.CreateCustomerMetafields(ctx, creates)
		if err != nil && len(results) == 0 {
			return outs, err
		}
		for _, res := range results {
			if res.Err != nil {
				failed[owner[res.Index]] = res.Err
			}
		}
	}
	if len(updates) > 0 {
		if _, err := w.bc.UpdateCustomerMetafields(ctx, updates); err != nil {
			return outs, err
		}
	}
	if len(deletes) > 0 {
		if _, err := w.bc.DeleteCustomerMetafields(ctx, deletes); err != nil {
			return outs, err
		}
	}
	for i, t := range ts {
		if err := failed[i]; err != nil {
			outs = append(outs, w.refuse(t.c, "Refused", "metafields: "+err.Error(), nil, err))
			continue
		}
		outs = append(outs, w.accept(t.c, t.id))
	}
	return outs, nil
}

// remove clears or deletes the customers of rows that left the model.
func (w *customers) remove(ctx context.Context, states []store.RecordState) ([]outcome, error) {
	ids := make([]int, 0, len(states))
	for _, st := range states {
		id, _ := strconv.Atoi(st.TargetID)
		ids = append(ids, id)
	}
	if w.r.cfg.delete == deleteDelete {
		if err := w.bc.DeleteCustomers(ctx, ids); err != nil {
			return nil, err
		}
		outs := make([]outcome, len(states))
		for i, st := range states {
			st.Status, st.TargetID, st.Fingerprint, st.Attempts = rowRemoved, "", "", 0
			outs[i] = outcome{op: opRemove, state: st}
		}
		return outs, nil
	}
	current, err := w.bc.CustomersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var outs []outcome
	var inputs []bigcommerce.CustomerInput
	var whose []store.RecordState
	var attrIDs, metaIDs []int
	for i, st := range states {
		cu, ok := current[ids[i]]
		if !ok {
			st.Status, st.TargetID, st.Fingerprint = rowRemoved, "", ""
			outs = append(outs, outcome{op: opRemove, state: st}) // deleted in the store meanwhile
			continue
		}
		var metas []bigcommerce.Metafield
		if w.r.cfg.compiled.Uses(mapping.Metafield) {
			if metas, err = bigcommerce.All(w.bc.CustomerMetafields(ctx, cu.ID, bigcommerce.MetafieldQuery{})); err != nil {
				return outs, err
			}
		}
		clear := w.r.cfg.compiled.ClearCustomer(cu, metas)
		attrIDs, metaIDs = append(attrIDs, clear.AttributeValueIDs...), append(metaIDs, clear.MetafieldIDs...)
		inputs, whose = append(inputs, clear.Customer), append(whose, st)
	}
	results, err := w.bc.UpdateCustomers(ctx, inputs)
	if err != nil && len(results) == 0 {
		return outs, err
	}
	for _, res := range results {
		st := whose[res.Index]
		if res.Err != nil {
			st.Attempts++
			outs = append(outs, outcome{op: opRemove, state: st, reject: rejection(st.Key, "Refused", res.Err.Error(), inputs[res.Index], res.Err)})
			continue
		}
		st.Status, st.Fingerprint, st.Attempts = rowRemoved, "", 0 // TargetID kept: the customer is still there
		outs = append(outs, outcome{op: opRemove, state: st})
	}
	if len(attrIDs) > 0 {
		if err := w.bc.DeleteAttributeValues(ctx, attrIDs); err != nil {
			return outs, err
		}
	}
	if len(metaIDs) > 0 {
		if _, err := w.bc.DeleteCustomerMetafields(ctx, metaIDs); err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// unchangedPart reports whether a part of a row (c: the customer's own fields, a: its attribute
// values, m: its metafields) is as the store last accepted it for the same customer, so that it need
// not be sent again. A full resync sends every part.
func (w *customers) unchangedPart(t target, part byte) bool {
	c := t.c
	if t.create || !c.had || c.prev.TargetID != strconv.Itoa(t.id) || w.r.run.TriggeredBy() == TriggerFull {
		return false
	}
	now, ok := printPart(c.mapped.print, part)
	before, had := printPart(c.prev.Fingerprint, part)
	return ok && had && now == before
}

// state is a row's state once written to customer id (pending: about to be created).
func (w *customers) state(c classified, id int, pending bool) store.RecordState {
	st := store.RecordState{Key: c.key, Fingerprint: c.mapped.print, Status: rowSynced}
	if c.mapped.hasKey && c.mapped.key.Field == mapping.MatchEmail {
		st.Email = c.mapped.key.Email
	}
	if id != 0 {
		st.TargetID = strconv.Itoa(id)
	}
	if pending {
		st.Status = rowPending
	}
	return st
}

func (w *customers) accept(c classified, id int) outcome {
	return outcome{op: c.op, state: w.state(c, id, false)}
}

// refuse keeps a row as refused, with why.
func (w *customers) refuse(c classified, reason, detail string, request any, err error) outcome {
	rej := rejection(c.key, reason, detail, request, err)
	if c.mapped.hasKey && c.mapped.key.Field == mapping.MatchEmail {
		rej.Email = c.mapped.key.Email
	}
	return outcome{op: c.op, state: refused(c), reject: rej}
}

// refused is the state of a row the store refused: its last accepted values stay its fingerprint (none
// for a create whose outcome was never known), so that every later run tries it again.
func refused(c classified) store.RecordState {
	if !c.had {
		return store.RecordState{Key: c.key, Status: rowFailed, Attempts: 1}
	}
	st := c.prev
	if st.Status == rowPending {
		st.Fingerprint = ""
	}
	st.Status, st.Attempts = rowFailed, c.prev.Attempts+1
	return st
}

// rejection is a refused row with what was sent and what the store answered.
func rejection(key, reason, detail string, request any, err error) *store.Rejected {
	r := &store.Rejected{Key: key, Reason: reason, Detail: detail}
	if request != nil {
		if b, jerr := json.Marshal(request); jerr == nil {
			r.Request = string(b)
		}
	}
	var api *bigcommerce.APIError
	if errors.As(err, &api) {
		r.Response = fmt.Sprintf("%d %s", api.Status, string(api.Body))
	}
	return r
}
