package marketing

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

const streamUnsubscribes = "unsubscribes"

// unsubscribesStream writes to the store what contacts did in Dotdigital since the last check: a
// contact who unsubscribed or was suppressed has the newsletter consent of its subscriber record
// emptied, and "accepts product review and abandoned cart emails" cleared on its customer record. Only
// records that exist are changed (nothing is created), and an email the store subscribed again after
// the date it left Dotdigital is left alone. It runs first, so the same run takes the person out of
// the subscriber list.
type unsubscribesStream struct{}

func (unsubscribesStream) name() string                { return streamUnsubscribes }
func (unsubscribesStream) enabled(rc *runContext) bool { return rc.conn.Settings.SubscriberList.ID > 0 }

// unsubscribeBatch bounds the emails handled per round of store reads.
const unsubscribeBatch = 200

func (unsubscribesStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	since, err := rc.since(ctx, streamUnsubscribes)
	if err != nil {
		return err
	}
	if since.IsZero() {
		// Before bcsync was installed nothing is written back: the store's own state stands.
		since = rc.conn.InstalledAt.Add(-rc.e.opts.Overlap)
	}
	checked := rc.e.opts.Now()
	removed := map[string]time.Time{}
	var order []string
	for sup, err := range rc.dd.SuppressedSince(ctx, since) {
		if err != nil {
			return err
		}
		email := normEmail(sup.Email)
		if at, seen := removed[email]; !seen || sup.DateRemoved.After(at) {
			if !seen {
				order = append(order, email)
			}
			removed[email] = sup.DateRemoved
		}
	}
	rc.knownTotal(ctx, streamUnsubscribes, len(order))
	for start := 0; start < len(order); start += unsubscribeBatch {
		emails := order[start:min(len(order), start+unsubscribeBatch)]
		if err := rc.unsubscribeBack(ctx, emails, removed); err != nil {
			return err
		}
	}
	return s.SetCursor(ctx, rc.conn.ID, streamUnsubscribes, formatCursor(checked))
}

func (rc *runContext) unsubscribeBack(ctx context.Context, emails []string, removed map[string]time.Time) error {
	s := rc.e.store
	done, err := s.RecordStates(ctx, rc.conn.ID, streamUnsubscribes, emails)
	if err != nil {
		return err
	}
	// Each removal is handled once: the record remembers the date it was handled for.
	var todo []string
	for _, e := range emails {
		rc.run.Count(1, 0, 0, 0)
		if done[e].Fingerprint == formatCursor(removed[e]) {
			rc.run.Count(0, 0, 1, 0)
			continue
		}
		todo = append(todo, e)
	}
	if len(todo) == 0 {
		return nil
	}
	subs, err := s.RecordsByEmail(ctx, rc.conn.ID, streamSubscribers, todo)
	if err != nil {
		return err
	}
	var ids []int
	for _, r := range subs {
		if id, err := strconv.Atoi(r.Key); err == nil {
			ids = append(ids, id)
		}
	}
	current := map[string][]bigcommerce.Subscriber{}
	if len(ids) > 0 {
		for page, err := range rc.bc.Subscribers(ctx, bigcommerce.SubscriberQuery{IDs: ids}) {
			if err != nil {
				return err
			}
			for _, sub := range page {
				current[normEmail(sub.Email)] = append(current[normEmail(sub.Email)], sub)
			}
		}
	}
	customers, err := rc.bc.CustomersByEmail(ctx, todo)
	if err != nil {
		return err
	}
	// Each email read is one record, however many store records it changes: sent when the store was
	// changed, rejected when the store refused the change, else unchanged or skipped.
	var handled []store.RecordState
	var clearFlag []bigcommerce.CustomerInput
	var flagOf []string // the email of each clearFlag
	wrote := map[string]bool{}
	var resubscribedSince int64
	for _, email := range todo {
		at := removed[email]
		resubscribed := slices.ContainsFunc(current[email], func(sub bigcommerce.Subscriber) bool {
			return consented(&sub) && sub.DateModified.After(at)
		})
		if resubscribed {
			resubscribedSince++
		} else {
			for _, sub := range current[email] {
				if len(sub.Consents) == 0 {
					continue
				}
				if _, err := rc.bc.UpdateSubscriber(ctx, sub.ID, bigcommerce.SubscriberInput{Consents: []string{}}); err != nil {
					return err
				}
				wrote[email] = true
			}
			if c, ok := customers[email]; ok && c.AcceptsProductReviewAbandonedCartEmails {
				no := false
				clearFlag = append(clearFlag, bigcommerce.CustomerInput{ID: c.ID, AcceptsProductReviewAbandonedCartEmails: &no})
				flagOf = append(flagOf, email)
			}
		}
		handled = append(handled, store.RecordState{Key: email, Email: email, Fingerprint: formatCursor(at), OccurredAt: at})
	}
	var rejected []store.Rejected
	if len(clearFlag) > 0 {
		results, err := rc.bc.UpdateCustomers(ctx, clearFlag)
		if err != nil && results == nil {
			return err
		}
		for _, r := range results {
			email := flagOf[r.Index]
			if r.Err != nil {
				rejected = append(rejected, store.Rejected{Key: strconv.Itoa(clearFlag[r.Index].ID), Email: email, Reason: "StoreRefused", Detail: r.Err.Error()})
				delete(wrote, email)
			} else {
				wrote[email] = true
			}
		}
	}
	rc.run.Skip("subscribed again in the store since", resubscribedSince)
	rc.run.Count(0, int64(len(wrote)), int64(len(todo)-len(wrote)-len(rejected))-resubscribedSince, 0)
	if err := rc.run.Reject(ctx, streamUnsubscribes, rejected...); err != nil {
		return err
	}
	return s.SaveRecordStates(ctx, rc.conn.ID, streamUnsubscribes, handled)
}
