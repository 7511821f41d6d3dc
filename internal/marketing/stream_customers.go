package marketing

import (
	"context"
	"iter"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const (
	streamCustomers    = "customers"
	streamOrderFigures = "order_figures"
)

// excludedOrderStatuses do not count towards a customer's order figures: Incomplete, Refunded,
// Cancelled and Declined orders were not sales.
var excludedOrderStatuses = []int64{0, 4, 5, 6}

// customersStream puts customers, with their mapped data fields, in the customer list; only when the
// user chose one. A customer whose email changed keeps their contact (and its history): the contact's
// email is changed rather than a second contact made.
type customersStream struct{}

func (customersStream) name() string                { return streamCustomers }
func (customersStream) enabled(rc *runContext) bool { return rc.conn.Settings.CustomerList.ID > 0 }

func (customersStream) sync(ctx context.Context, rc *runContext) error {
	since, err := rc.since(ctx, streamCustomers)
	if err != nil {
		return err
	}
	imp, sk := rc.contactSink(ctx, streamCustomers, dotdigital.MergeOverwrite, rc.settleContacts(streamCustomers))
	err = readSorted(ctx, rc, since, bigcommerce.MaxPageSize,
		func(w window) iter.Seq2[[]bigcommerce.Customer, error] {
			return rc.bc.Customers(ctx, bigcommerce.CustomerQuery{ModifiedSince: w.Since, ModifiedUntil: w.Until})
		},
		func(c *bigcommerce.Customer) time.Time { return c.DateModified },
		func(c *bigcommerce.Customer) int { return c.ID },
		func(page []bigcommerce.Customer) error {
			if err := rc.customersPage(ctx, page, imp, sk); err != nil {
				return err
			}
			if len(page) == 0 {
				return nil
			}
			return sk.endPage(ctx, formatCursor(page[len(page)-1].DateModified))
		})
	return rc.closeSink(ctx, imp, sk, err)
}

// orderFiguresStream re-sends customers whose orders changed in this run but who did not change
// themselves, when a computed field (number of orders, total spend, …) is mapped.
type orderFiguresStream struct{}

func (orderFiguresStream) name() string { return streamOrderFigures }
func (orderFiguresStream) enabled(rc *runContext) bool {
	return rc.conn.Settings.CustomerList.ID > 0 && hasComputed(rc.mappings)
}

func (orderFiguresStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	emails, err := s.EmailsChangedSince(ctx, rc.conn.ID, streamOrders, rc.run.StartedAt)
	if err != nil || len(emails) == 0 {
		return err
	}
	customers, err := s.RecordsByEmail(ctx, rc.conn.ID, streamCustomers, emails)
	if err != nil {
		return err
	}
	var ids []int
	for _, c := range customers {
		if c.UpdatedAt.Before(rc.run.StartedAt) {
			if id, err := strconv.Atoi(c.Key); err == nil {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rc.setTotal(int64(len(ids)))
	imp, sk := rc.contactSink(ctx, streamOrderFigures, dotdigital.MergeOverwrite, rc.settleContacts(streamCustomers))
	var readErr error
	for page, err := range rc.bc.Customers(ctx, bigcommerce.CustomerQuery{IDs: ids}) {
		if err == nil {
			err = rc.customersPage(ctx, page, imp, sk)
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

func (rc *runContext) customersPage(ctx context.Context, page []bigcommerce.Customer, imp *dotdigital.ContactImporter, sk *sink) error {
	if len(page) == 0 {
		return nil
	}
	s := rc.e.store
	keys := make([]string, len(page))
	emails := make([]string, len(page))
	for i := range page {
		keys[i], emails[i] = strconv.Itoa(page[i].ID), normEmail(page[i].Email)
	}
	states, err := s.RecordStates(ctx, rc.conn.ID, streamCustomers, keys)
	if err != nil {
		return err
	}
	var sums map[string]store.OrderSummary
	if hasComputed(rc.mappings) {
		if sums, err = s.OrderSummaries(ctx, rc.conn.ID, streamOrders, emails, excludedOrderStatuses); err != nil {
			return err
		}
	}
	subscribed := map[string]bool{}
	subs, err := s.RecordsByEmail(ctx, rc.conn.ID, streamSubscribers, emails)
	if err != nil {
		return err
	}
	for _, r := range subs {
		if r.Status == 1 {
			subscribed[r.Email] = true
		}
	}
	st := rc.conn.Settings
	var rejected []store.Rejected
	for i := range page {
		c := &page[i]
		rc.count(1, 0, 0, 0)
		key, email := keys[i], emails[i]
		if !validEmail(email) {
			rejected = append(rejected, store.Rejected{Key: key, Email: email, Reason: "InvalidEmail", Detail: "not a valid email address"})
			continue
		}
		prev, had := states[key]
		if had && prev.Email != "" && prev.Email != email {
			if err := rc.renameContact(ctx, prev.Email, email); err != nil {
				return err
			}
		}
		facts := customerFacts{c: c, orders: sums[email], subscribed: subscribed[email]}
		ct := dotdigital.Contact{Email: email, Lists: []int{int(st.CustomerList.ID)}, DataFields: mappedFields(rc.mappings, false, facts.sourceValue)}
		state := store.RecordState{Key: key, Email: email, Fingerprint: contactPrint(&ct), Status: 1, OccurredAt: c.DateCreated}
		if had && prev.Fingerprint == state.Fingerprint && prev.Email == email {
			rc.count(0, 0, 1, 0)
			continue
		}
		p := &pending{key: key, email: email, state: state}
		if !had && st.NewCustomerProgram.ID > 0 && c.DateCreated.After(rc.conn.InstalledAt) {
			p.newContact = reasonNewCustomer
		}
		if err := sk.add(ctx, p, func() error { return imp.Add(ctx, ct) }); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, store.Rejected{Key: key, Email: email, Reason: "Refused", Detail: rerr.Reason})
				continue
			}
			return err
		}
	}
	if err := rc.reject(ctx, streamCustomers, rejected...); err != nil {
		return err
	}
	rc.save(ctx, false)
	return nil
}

// settleContacts handles a contact import's outcome: accepted contacts are remembered (with their
// Dotdigital id, for enrolments and list removals) and new ones enrolled; refused ones are rejected.
func (rc *runContext) settleContacts(recordStream string) func(ctx context.Context, outs []outcome) error {
	return func(ctx context.Context, outs []outcome) error {
		var states, consents []store.RecordState
		var contacts []store.Contact
		var rejected []store.Rejected
		enrol := map[string][]enrolee{}
		for _, o := range outs {
			if o.failure != "" {
				rejected = append(rejected, store.Rejected{Key: o.key, Email: o.email, Reason: o.failure, Detail: o.detail})
				continue
			}
			if o.consent != nil {
				c := *o.consent
				c.Status = 1
				consents = append(consents, c)
			}
			states = append(states, o.state)
			contacts = append(contacts, store.Contact{Email: o.email, ContactID: o.contactID})
			if o.newContact != "" && o.contactID > 0 {
				enrol[o.newContact] = append(enrol[o.newContact], enrolee{email: o.email, contactID: o.contactID})
			}
		}
		rc.count(0, int64(len(states)), 0, 0)
		s := rc.e.store
		if err := s.SaveRecordStates(ctx, rc.conn.ID, recordStream, states); err != nil {
			return err
		}
		if err := s.SaveContacts(ctx, rc.conn.ID, contacts); err != nil {
			return err
		}
		if err := s.SaveRecordStates(ctx, rc.conn.ID, streamConsent, consents); err != nil {
			return err
		}
		if err := rc.reject(ctx, recordStream, rejected...); err != nil {
			return err
		}
		for reason, who := range enrol {
			if err := rc.enrol(ctx, reason, "", who); err != nil {
				return err
			}
		}
		return nil
	}
}
