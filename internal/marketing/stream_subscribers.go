package marketing

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const streamSubscribers = "subscribers"

// subscribersStream puts subscribers with newsletter consent in the subscriber list (subscribed, with a
// consent record the first time), and takes those whose consent was withdrawn out of the list. Taking
// someone out of a list is not an unsubscribe.
type subscribersStream struct{}

func (subscribersStream) name() string                { return streamSubscribers }
func (subscribersStream) enabled(rc *runContext) bool { return rc.conn.Settings.SubscriberList.ID > 0 }

func (subscribersStream) sync(ctx context.Context, rc *runContext) error {
	if err := rc.readRemovals(ctx); err != nil {
		return err
	}
	since, err := rc.since(ctx, streamSubscribers)
	if err != nil {
		return err
	}
	// BigCommerce cannot sort subscribers, so the cursor moves only after a whole pass: to when the
	// pass started (minus the overlap on the next read), which covers changes made during it.
	passStart := rc.e.opts.Now()
	imp, sk := rc.contactSink(ctx, streamSubscribers, dotdigital.MergeOverwrite, rc.settleContacts(streamSubscribers))
	var readErr error
	for page, err := range rc.bc.Subscribers(rc.withTotal(ctx, streamSubscribers), bigcommerce.SubscriberQuery{ModifiedSince: since}) {
		if err != nil {
			readErr = err
			break
		}
		if err := rc.subscribersPage(ctx, page, imp, sk); err != nil {
			readErr = err
			break
		}
		if rc.outOfTime() {
			readErr = errYield
			break
		}
	}
	if readErr == nil {
		readErr = sk.endPage(ctx, formatCursor(passStart))
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

// subscriberValue gives a subscriber's values for the fields a subscriber has.
func subscriberValue(s *bigcommerce.Subscriber) func(string) any {
	return func(key string) any {
		var v string
		switch key {
		case "first_name":
			v = s.FirstName
		case "last_name":
			v = s.LastName
		case "full_name":
			v = fullName(s.FirstName, s.LastName)
		case "subscriber_status":
			if consented(s) {
				return statusSubscribed
			}
			return statusNotSubscribed
		}
		if v == "" {
			return nil
		}
		return v
	}
}

// consentSend is the consent evidence of the subscriber of sends[send].
type consentSend struct {
	sub      *bigcommerce.Subscriber
	evidence consentEvidence
	send     int
}

func (rc *runContext) subscribersPage(ctx context.Context, page []bigcommerce.Subscriber, imp *dotdigital.ContactImporter, sk *sink) error {
	keys := make([]string, len(page))
	for i := range page {
		keys[i] = strconv.Itoa(page[i].ID)
	}
	sent, err := diff.Load(ctx, rc.e.store, rc.conn.ID, streamSubscribers, keys, rc.run)
	if err != nil {
		return err
	}
	removed, err := rc.removedEarlier(ctx, page)
	if err != nil {
		return err
	}
	var writeBack []*bigcommerce.Subscriber
	st := rc.conn.Settings
	var leaving []store.RecordState
	var quiet []store.RecordState
	var rejected []rejection
	type send struct {
		ct dotdigital.Contact
		p  *pending
	}
	var sends []send
	var consents []consentSend
	for i := range page {
		s := &page[i]
		rc.run.Count(1, 0, 0, 0)
		key, email := keys[i], normEmail(s.Email)
		if !validEmail(email) {
			if r := invalidEmail(key, email, "not a valid email address"); sent.Changed(r.state) {
				rejected = append(rejected, r)
			}
			continue
		}
		prev, had := sent.Prev(key)
		inList := had && prev.Status == 1
		if had && prev.Email != "" && prev.Email != email {
			if err := rc.renameContact(ctx, prev.Email, email); err != nil {
				return err
			}
		}
		if !consented(s) {
			state := store.RecordState{Key: key, Email: email, Status: 0, OccurredAt: s.DateCreated}
			if inList {
				leaving = append(leaving, state)
			} else if !had || prev.Email != email {
				rc.run.Skip("no newsletter consent", 1)
				quiet = append(quiet, state)
			} else {
				rc.run.Count(0, 0, 1, 0)
			}
			continue
		}
		if r, ok := removed[email]; ok {
			// Dotdigital removed the contact before bcsync knew it, after the store's consent: never
			// subscribed again nor put in the list by bcsync. The store keeps its consent unless the
			// connection writes removals back.
			state := store.RecordState{Key: key, Email: email, Status: statusHeld, OccurredAt: r.OccurredAt}
			if st.WriteBackRemovals {
				writeBack = append(writeBack, s) // counted as sent once written
				state.Status = 0
			} else {
				rc.run.Count(0, 0, 1, 0)
			}
			quiet = append(quiet, state)
			continue
		}
		fields := mappedFields(rc.mappings, subscriberSources, subscriberValue(s))
		for k, v := range fields {
			if v == nil {
				delete(fields, k) // a subscriber's blank name must not clear what the customer record set
			}
		}
		ct := dotdigital.Contact{Email: email, Lists: []int{int(st.SubscriberList.ID)}, EmailStatus: dotdigital.StatusSubscribed,
			OptInType: dotdigital.OptInSingle, DataFields: fields}
		state := store.RecordState{Key: key, Email: email, Fingerprint: contactPrint(&ct), Status: 1, OccurredAt: s.DateCreated}
		if !sent.Changed(state) {
			continue
		}
		p := &pending{key: key, email: email, state: state}
		if !inList {
			// Consent given (again): its evidence goes with the contact. It is not part of the
			// fingerprint, so a later change of name does not send it again.
			at := s.DateCreated
			if had {
				at = s.DateModified // consent given again, later
			}
			consents = append(consents, consentSend{s, consentEvidence{
				text: fmt.Sprintf("Subscribed to the %s newsletter (BigCommerce, source: %s)", rc.storeName(), orDefault(s.Source, "storefront")),
				at:   at.UTC().Truncate(time.Second), url: rc.conn.StoreURL,
			}, len(sends)})
		}
		if !had && st.NewSubscriberProgram.ID > 0 && s.DateCreated.After(rc.conn.InstalledAt) {
			p.newContact = reasonNewSubscriber
		}
		sends = append(sends, send{ct, p})
	}
	if len(consents) > 0 {
		if err := rc.ensureConsentFields(ctx); err != nil {
			return err
		}
		subs := make([]*bigcommerce.Subscriber, len(consents))
		for i, c := range consents {
			subs[i] = c.sub
		}
		ips, err := rc.consentIPs(ctx, subs)
		if err != nil {
			return err
		}
		for _, c := range consents {
			c.evidence.ip = ips[c.sub.ID]
			ct := &sends[c.send].ct
			ct.DataFields = maps.Clone(ct.DataFields)
			if ct.DataFields == nil {
				ct.DataFields = map[string]any{}
			}
			maps.Copy(ct.DataFields, c.evidence.fields())
		}
	}
	for _, x := range sends {
		ct, p := x.ct, x.p
		if err := sk.add(ctx, p, func() error { return imp.Add(ctx, ct) }); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, rejection{store.Rejected{Key: p.key, Email: p.email, Reason: "Refused", Detail: rerr.Reason}, p.state})
				continue
			}
			return err
		}
	}
	if err := rc.writeBackRemovals(ctx, writeBack); err != nil {
		return err
	}
	if err := rc.leaveList(ctx, int(st.SubscriberList.ID), leaving); err != nil {
		return err
	}
	if err := rc.e.store.SaveRecordStates(ctx, rc.conn.ID, streamSubscribers, quiet); err != nil {
		return err
	}
	if err := rc.reject(ctx, streamSubscribers, rejected); err != nil {
		return err
	}
	rc.run.Save(ctx, false)
	return sk.endPage(ctx, "")
}

// leaveList takes subscribers whose consent was withdrawn out of the subscriber list.
func (rc *runContext) leaveList(ctx context.Context, listID int, leaving []store.RecordState) error {
	if len(leaving) == 0 {
		return nil
	}
	emails := make([]string, len(leaving))
	for i, s := range leaving {
		emails[i] = s.Email
	}
	ids, err := rc.e.store.ContactIDs(ctx, rc.conn.ID, emails)
	if err != nil {
		return err
	}
	var contactIDs []int64
	for _, email := range emails {
		id := ids[email]
		if id == 0 {
			d, err := rc.dd.ContactByEmail(ctx, email)
			if err != nil {
				if isNotFound(err) {
					continue // nothing to take out of the list
				}
				return err
			}
			id = d.ContactID
		}
		contactIDs = append(contactIDs, id)
	}
	if len(contactIDs) > 0 {
		if err := rc.dd.RemoveContactsFromAddressBook(ctx, listID, contactIDs); err != nil {
			return err
		}
	}
	rc.run.Count(0, int64(len(leaving)), 0, 0)
	return rc.e.store.SaveRecordStates(ctx, rc.conn.ID, streamSubscribers, leaving)
}

func (rc *runContext) storeName() string { return orDefault(rc.conn.StoreName, rc.conn.Name) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
