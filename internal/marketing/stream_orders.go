package marketing

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const streamOrders = "orders"

// reasonNoContact is why an order waits: Dotdigital keeps orders only on contacts.
const reasonNoContact = "the order's email is not a contact yet"

// ordersStream sends orders to the contact-scoped Insight collection Orders, key = order id. It runs
// after the contact streams, so the orders of contacts they made go out at once. An order of an email
// Dotdigital does not know (it says so in the import's report) waits in the state store; later orders of
// that email wait without being tried, and the waiting stream sends them once the contact exists.
type ordersStream struct{}

func (ordersStream) name() string             { return streamOrders }
func (ordersStream) enabled(*runContext) bool { return true }

func (ordersStream) sync(ctx context.Context, rc *runContext) error {
	since, err := rc.since(ctx, streamOrders)
	if err != nil {
		return err
	}
	imp, sk := rc.insightSink(ctx, streamOrders, collectionOrders, dotdigital.ScopeContact, "orders")
	err = readSorted(ctx, rc, since, bigcommerce.MaxPageSize,
		func(w window) iter.Seq2[[]bigcommerce.Order, error] {
			return rc.bc.Orders(rc.firstRead(ctx, streamOrders, w), bigcommerce.OrderQuery{ModifiedSince: w.Since, ModifiedUntil: w.Until, FirstPage: w.FirstPage})
		},
		func(o *bigcommerce.Order) time.Time { return o.DateModified },
		func(o *bigcommerce.Order) int { return o.ID },
		func(page []bigcommerce.Order) error { return rc.ordersPage(ctx, page, imp, sk) })
	return rc.closeSink(ctx, imp, sk, err)
}

func (rc *runContext) ordersPage(ctx context.Context, page []bigcommerce.Order, imp *dotdigital.InsightImporter, sk *sink) error {
	if len(page) == 0 {
		return nil
	}
	keys := make([]string, len(page))
	emails := make([]string, 0, len(page))
	for i := range page {
		keys[i] = strconv.Itoa(page[i].ID)
		emails = append(emails, normEmail(page[i].BillingAddress.Email))
	}
	sent, err := diff.Load(ctx, rc.e.store, rc.conn.ID, streamOrders, keys, rc.run)
	if err != nil {
		return err
	}
	contacts, err := rc.e.store.ContactIDs(ctx, rc.conn.ID, emails)
	if err != nil {
		return err
	}
	probed, err := rc.e.store.ProbedEmails(ctx, rc.conn.ID, collectionOrders, emails)
	if err != nil {
		return err
	}
	var parked []store.Waiting
	var parkedStates []store.RecordState
	var rejected []rejection
	type send struct {
		p    *pending
		body []byte
	}
	var sends []send
	var moved []movedRecord
	for i := range page {
		o := &page[i]
		rc.run.Count(1, 0, 0, 0)
		key, email := keys[i], emails[i]
		if !validEmail(email) {
			if r := invalidEmail(key, email, "the order's billing email is not a valid address"); sent.Changed(r.state) {
				rejected = append(rejected, r)
			}
			continue
		}
		body, err := json.Marshal(newOrderRecord(o))
		if err != nil {
			return err
		}
		state := store.RecordState{Key: key, Email: email, Fingerprint: diff.Print(json.RawMessage(body)),
			AmountE4: o.TotalIncTax.Minor(4), OccurredAt: o.DateCreated, Status: int64(o.StatusID)}
		if !sent.Changed(state) {
			continue
		}
		if prev, had := sent.Prev(key); had && prev.Email != "" && prev.Email != email {
			moved = append(moved, movedRecord{key: key, from: prev.Email})
		}
		_, known := contacts[email]
		if !known {
			// Parked before it is tried: should Dotdigital not know the email, the order simply stays.
			parked = append(parked, store.Waiting{Collection: collectionOrders, Key: key, Email: email, Body: body})
			parkedStates = append(parkedStates, state)
			if probed[email] {
				// Dotdigital said it does not know the email: wait for the contact (or the daily retry).
				rc.run.Wait(reasonNoContact, 1)
				continue
			}
		}
		sends = append(sends, send{&pending{key: key, email: email, state: state, parked: !known}, body})
	}
	// Parked orders are durable once saved: the cursor may move past them.
	if err := rc.e.store.ParkWaiting(ctx, rc.conn.ID, parked); err != nil {
		return err
	}
	if err := rc.e.store.SaveRecordStates(ctx, rc.conn.ID, streamOrders, parkedStates); err != nil {
		return err
	}
	if err := rc.deleteMoved(ctx, moved); err != nil {
		return err
	}
	for _, x := range sends {
		p, body := x.p, x.body
		if err := sk.add(ctx, p, func() error {
			return imp.Add(ctx, dotdigital.InsightRecord{Key: p.key, ContactEmail: p.email, JSON: body})
		}); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, rejection{store.Rejected{Key: p.key, Email: p.email, Reason: "Refused", Detail: rerr.Error()}, p.state})
				continue
			}
			return err
		}
	}
	if err := rc.reject(ctx, streamOrders, rejected); err != nil {
		return err
	}
	rc.run.Save(ctx, false)
	return sk.endPage(ctx, rc.pageCursor(page[len(page)-1].DateModified))
}

// movedRecord is an order whose email changed: its record is under the contact of from.
type movedRecord struct{ key, from string }

// deleteMoved deletes the Orders records of orders whose email changed, before they are written for
// their new email: Dotdigital refuses a contact-scoped key that another contact's record has
// (KeyExistingForDifferentContact) rather than move it. A record that is not there (never sent, its
// contact gone or renamed to the new email) is nothing to delete.
func (rc *runContext) deleteMoved(ctx context.Context, moved []movedRecord) error {
	coll := dotdigital.Collection{Name: collectionOrders, Scope: dotdigital.ScopeContact, Type: "orders"}
	for _, m := range moved {
		if err := rc.dd.DeleteInsightRecord(ctx, coll, m.from, m.key); err != nil && !isNotFound(err) {
			return fmt.Errorf("delete order %s's record under its previous email: %w", m.key, err)
		}
	}
	return nil
}

// settleOrders handles an Orders import's outcome, for the orders and the waiting streams alike: sent
// records stop waiting; records whose contact does not exist wait (again). Bodies are not kept in memory
// while imports run: a parked or waiting order's body is in the state store, and an order sent without
// being parked (its contact was known) is read again from the store in the rare case the contact vanished.
func (rc *runContext) settleOrders(stream string) func(ctx context.Context, outs []outcome) error {
	return func(ctx context.Context, outs []outcome) error {
		var states []store.RecordState
		var sent, tried []string
		var wait []store.Waiting
		var gone []string
		var rejected []rejection
		for _, o := range outs {
			switch {
			case o.failure == "":
				states = append(states, o.state)
				sent = append(sent, o.key)
			case o.failure == dotdigital.FailureContactEmailDoesNotExist:
				gone = append(gone, o.email)
				if stream == streamWaiting || o.parked {
					tried = append(tried, o.key) // its row holds the body
					continue
				}
				// A contact bcsync knew is gone from Dotdigital: the order waits for it again.
				body, err := rc.orderBody(ctx, o.key)
				if err != nil {
					return err
				}
				states = append(states, o.state)
				wait = append(wait, store.Waiting{Collection: collectionOrders, Key: o.key, Email: o.email, Body: body, Reason: o.failure})
			default:
				// Dotdigital will refuse it again until it changes: remembered as refused (orders stream),
				// it is not sent again until then; a waiting order stops waiting. Its state is saved too:
				// the customer's order figures count the store's orders.
				states = append(states, o.state)
				sent = append(sent, o.key)
				rejected = append(rejected, rejection{store.Rejected{Key: o.key, Email: o.email, Reason: o.failure, Detail: o.detail}, o.state})
			}
		}
		rc.run.CountIn(stream, 0, int64(len(sent)-len(rejected)), 0, 0)
		rc.run.WaitIn(stream, reasonNoContact, int64(len(tried)+len(wait)))
		s := rc.e.store
		if stream == streamOrders {
			if err := s.SaveRecordStates(ctx, rc.conn.ID, streamOrders, states); err != nil {
				return err
			}
		}
		if err := s.DeleteWaiting(ctx, rc.conn.ID, collectionOrders, sent); err != nil {
			return err
		}
		if err := s.AddWaiting(ctx, rc.conn.ID, wait); err != nil {
			return err
		}
		if err := s.WaitingTried(ctx, rc.conn.ID, collectionOrders, tried, dotdigital.FailureContactEmailDoesNotExist); err != nil {
			return err
		}
		if err := s.ForgetContacts(ctx, rc.conn.ID, gone); err != nil {
			return err
		}
		if stream == streamOrders {
			return rc.reject(ctx, streamOrders, rejected)
		}
		// A waiting order's state was saved when it was parked: the orders stream does not send it
		// again until it changes.
		logged := make([]store.Rejected, len(rejected))
		for i, r := range rejected {
			logged[i] = r.Rejected
		}
		return rc.run.Reject(ctx, stream, logged...)
	}
}

// orderBody reads an order again and makes its Insight record, for the rare refusal that came back
// without the record.
func (rc *runContext) orderBody(ctx context.Context, key string) ([]byte, error) {
	id, err := strconv.Atoi(key)
	if err != nil {
		return nil, err
	}
	o, err := rc.bc.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	return json.Marshal(newOrderRecord(o))
}
