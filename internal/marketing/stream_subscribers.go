package marketing

import (
	"context"
	"fmt"
	"slices"
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

func (rc *runContext) subscribersPage(ctx context.Context, page []bigcommerce.Subscriber, imp *dotdigital.ContactImporter, sk *sink) error {
	keys := make([]string, len(page))
	for i := range page {
		keys[i] = strconv.Itoa(page[i].ID)
	}
	sent, err := diff.Load(ctx, rc.e.store, rc.conn.ID, streamSubscribers, keys, rc.run)
	if err != nil {
		return err
	}
	st := rc.conn.Settings
	var leaving []store.RecordState
	var quiet []store.RecordState
	var rejected []store.Rejected
	type send struct {
		ct dotdigital.Contact
		p  *pending
	}
	var sends []send
	var consents []store.RecordState
	for i := range page {
		s := &page[i]
		rc.run.Count(1, 0, 0, 0)
		key, email := keys[i], normEmail(s.Email)
		if !validEmail(email) {
			rejected = append(rejected, store.Rejected{Key: key, Email: email, Reason: "InvalidEmail", Detail: "not a valid email address"})
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
			at := s.DateCreated
			if had {
				at = s.DateModified // consent given again, later
			}
			ct.ConsentRecords = []dotdigital.ConsentRecord{{
				Text:              fmt.Sprintf("Subscribed to the %s newsletter (BigCommerce, source: %s)", rc.storeName(), orDefault(s.Source, "storefront")),
				DateTimeConsented: at.UTC().Truncate(time.Second), URL: rc.conn.StoreURL,
			}}
			p.consent = &store.RecordState{Key: email, Email: email, Fingerprint: formatCursor(ct.ConsentRecords[0].DateTimeConsented)}
			consents = append(consents, *p.consent)
		}
		if !had && st.NewSubscriberProgram.ID > 0 && s.DateCreated.After(rc.conn.InstalledAt) {
			p.newContact = reasonNewSubscriber
		}
		sends = append(sends, send{ct, p})
	}
	// A consent record is appended, not upserted: send each one once, even across a crash.
	recorded, err := rc.consentsRecorded(ctx, consents)
	if err != nil {
		return err
	}
	for _, x := range sends {
		if x.p.consent != nil && recorded[x.p.consent.Key] == x.p.consent.Fingerprint {
			x.ct.ConsentRecords, x.p.consent = nil, nil
		}
		ct, p := x.ct, x.p
		if err := sk.add(ctx, p, func() error { return imp.Add(ctx, ct) }); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, store.Rejected{Key: p.key, Email: p.email, Reason: "Refused", Detail: rerr.Reason})
				continue
			}
			return err
		}
	}
	if err := rc.leaveList(ctx, int(st.SubscriberList.ID), leaving); err != nil {
		return err
	}
	if err := rc.e.store.SaveRecordStates(ctx, rc.conn.ID, streamSubscribers, quiet); err != nil {
		return err
	}
	if err := rc.run.Reject(ctx, streamSubscribers, rejected...); err != nil {
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

const streamConsent = "consent"

// consentsRecorded says which consent records are in Dotdigital already (by email: the consent's time).
// Each one to send is noted first (status 0), and marked once its import was accepted (status 1). A note
// still at 0 belongs to an import whose outcome a crash hid: Dotdigital is asked whether it has the record.
func (rc *runContext) consentsRecorded(ctx context.Context, consents []store.RecordState) (map[string]string, error) {
	if len(consents) == 0 {
		return nil, nil
	}
	s := rc.e.store
	emails := make([]string, len(consents))
	for i, c := range consents {
		emails[i] = c.Key
	}
	notes, err := s.RecordStates(ctx, rc.conn.ID, streamConsent, emails)
	if err != nil {
		return nil, err
	}
	recorded := map[string]string{}
	var fresh []store.RecordState
	for _, c := range consents {
		note, ok := notes[c.Key]
		switch {
		case ok && note.Fingerprint == c.Fingerprint && note.Status == 1:
			recorded[c.Key] = c.Fingerprint
		case ok && note.Fingerprint == c.Fingerprint:
			d, err := rc.dd.ContactByEmail(ctx, c.Email)
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			if slices.ContainsFunc(d.ConsentRecords, func(r dotdigital.ConsentRecord) bool { return formatCursor(r.DateTimeConsented) == c.Fingerprint }) {
				recorded[c.Key] = c.Fingerprint
				c.Status = 1
				fresh = append(fresh, c)
			}
		default:
			fresh = append(fresh, c)
		}
	}
	return recorded, s.SaveRecordStates(ctx, rc.conn.ID, streamConsent, fresh)
}
