package marketing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// streamRemovals holds, by email, the contacts the account had unsubscribed or suppressed when the
// subscriber stream started on its list: after install, and again after each change of subscriber
// list. Its cursor is when they were read; no cursor means they are read at the next run.
const streamRemovals = "removals"

// statusHeld marks a subscriber record kept out of the list because Dotdigital removed the contact
// before bcsync was installed, and the store's consent is older than that removal.
const statusHeld = 2

// removalsSince is the start of time for Dotdigital's *-since reads: every removal the account has.
var removalsSince = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// readRemovals reads the account's removals once: every contact unsubscribed or suppressed (for any
// reason) and every member who unsubscribed from the subscriber list. A subscriber among them is
// never sent as subscribed nor put in the list unless the store's consent is newer than the removal.
func (rc *runContext) readRemovals(ctx context.Context) error {
	s := rc.e.store
	cur, err := s.Cursor(ctx, rc.conn.ID, streamRemovals)
	if err != nil || cur != "" {
		return err
	}
	read := rc.e.opts.Now()
	removed := map[string]store.RecordState{}
	add := func(email, reason string, at time.Time) {
		email = normEmail(email)
		if prev, ok := removed[email]; !ok || at.After(prev.OccurredAt) {
			removed[email] = store.RecordState{Key: email, Email: email, Fingerprint: reason, OccurredAt: at, Status: 1}
		}
	}
	for sup, err := range rc.dd.SuppressedSince(ctx, removalsSince) {
		if err != nil {
			return fmt.Errorf("read the account's unsubscribed and suppressed contacts: %w", err)
		}
		add(sup.Email, sup.Reason, sup.DateRemoved)
	}
	for sup, err := range rc.dd.AddressBookUnsubscribedSince(ctx, int(rc.conn.Settings.SubscriberList.ID), removalsSince) {
		if isNotFound(err) {
			break // the list is gone: no one unsubscribed from it (its imports report the list as invalid)
		}
		if err != nil {
			return fmt.Errorf("read the contacts unsubscribed from the subscriber list: %w", err)
		}
		add(sup.Email, "UnsubscribedFromList", sup.DateRemoved)
	}
	states := make([]store.RecordState, 0, len(removed))
	for _, r := range removed {
		states = append(states, r)
	}
	if err := s.DeleteStreamRecords(ctx, rc.conn.ID, streamRemovals); err != nil {
		return err
	}
	if err := s.SaveRecordStates(ctx, rc.conn.ID, streamRemovals, states); err != nil {
		return err
	}
	rc.log.Info("read the account's removals", "removed", len(states))
	return s.SetCursor(ctx, rc.conn.ID, streamRemovals, formatCursor(read))
}

// removedEarlier returns, for a page of subscribers, the removals that stand against their consent:
// those of their emails at or after the store's last change of the subscriber.
func (rc *runContext) removedEarlier(ctx context.Context, page []bigcommerce.Subscriber) (map[string]store.RecordState, error) {
	emails := make([]string, 0, len(page))
	for i := range page {
		emails = append(emails, normEmail(page[i].Email))
	}
	removed, err := rc.e.store.RecordStates(ctx, rc.conn.ID, streamRemovals, emails)
	if err != nil {
		return nil, err
	}
	out := map[string]store.RecordState{}
	for i := range page {
		email := normEmail(page[i].Email)
		if r, ok := removed[email]; ok && !page[i].DateModified.After(r.OccurredAt) {
			out[email] = r
		}
	}
	return out, nil
}

// writeBackRemovals empties the newsletter consent of subscribers Dotdigital removed before install
// (and clears the customer's "accepts product review and abandoned cart emails"), as the unsubscribes
// stream does for later removals. Only when the connection's WriteBackRemovals setting is on.
func (rc *runContext) writeBackRemovals(ctx context.Context, subs []*bigcommerce.Subscriber) error {
	if len(subs) == 0 {
		return nil
	}
	emails := make([]string, len(subs))
	for i, sub := range subs {
		if _, err := rc.bc.UpdateSubscriber(ctx, sub.ID, bigcommerce.SubscriberInput{Consents: []string{}}); err != nil {
			return fmt.Errorf("write back the removal of subscriber %d: %w", sub.ID, err)
		}
		rc.run.Count(0, 1, 0, 0)
		emails[i] = normEmail(sub.Email)
	}
	customers, err := rc.bc.CustomersByEmail(ctx, emails)
	if err != nil {
		return err
	}
	var clear []bigcommerce.CustomerInput
	for _, e := range emails {
		if c, ok := customers[e]; ok && c.AcceptsProductReviewAbandonedCartEmails {
			no := false
			clear = append(clear, bigcommerce.CustomerInput{ID: c.ID, AcceptsProductReviewAbandonedCartEmails: &no})
		}
	}
	if len(clear) == 0 {
		return nil
	}
	results, err := rc.bc.UpdateCustomers(ctx, clear)
	if err != nil && results == nil {
		return err
	}
	var rejected []store.Rejected
	for _, r := range results {
		if r.Err != nil {
			rejected = append(rejected, store.Rejected{Key: strconv.Itoa(clear[r.Index].ID), Reason: "StoreRefused", Detail: r.Err.Error()})
		}
	}
	return rc.run.Reject(ctx, streamSubscribers, rejected...)
}

// UnsubscribedInDotdigital counts the store subscribers who consent in the store but whom Dotdigital
// had unsubscribed or suppressed before bcsync was installed: they are kept out of the subscriber list.
func (e *Engine) UnsubscribedInDotdigital(ctx context.Context, connID int64) (int64, error) {
	return e.store.CountRecords(ctx, connID, streamSubscribers, statusHeld)
}
