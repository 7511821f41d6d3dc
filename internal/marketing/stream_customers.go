package marketing

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/diff"
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
			return rc.bc.Customers(rc.firstRead(ctx, streamCustomers, w), bigcommerce.CustomerQuery{ModifiedSince: w.Since, ModifiedUntil: w.Until, FirstPage: w.FirstPage})
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

// orderFiguresStream keeps the computed data fields (number of orders, total spend, …) of customers up
// to date: for every customer of the list whose orders changed in this run, or who was sent in it, the
// fields are worked out from the orders bcsync has seen and imported on their own when they changed. No
// store request is needed.
type orderFiguresStream struct{}

func (orderFiguresStream) name() string { return streamOrderFigures }
func (orderFiguresStream) enabled(rc *runContext) bool {
	return rc.conn.Settings.CustomerList.ID > 0 && hasComputed(rc.mappings)
}

func (orderFiguresStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	ordered, err := s.EmailsChangedSince(ctx, rc.conn.ID, streamOrders, rc.run.StartedAt())
	if err != nil {
		return err
	}
	sent, err := s.EmailsChangedSince(ctx, rc.conn.ID, streamCustomers, rc.run.StartedAt())
	if err != nil {
		return err
	}
	emails := slices.Compact(slices.Sorted(slices.Values(append(ordered, sent...))))
	rc.knownTotal(ctx, streamOrderFigures, len(emails))
	imp, sk := rc.contactSink(ctx, streamOrderFigures, dotdigital.MergeOverwrite, rc.settleContacts(streamOrderFigures))
	var readErr error
	for start := 0; start < len(emails) && readErr == nil; start += 500 {
		readErr = rc.figuresBatch(ctx, emails[start:min(start+500, len(emails))], imp, sk)
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

func (rc *runContext) figuresBatch(ctx context.Context, emails []string, imp *dotdigital.ContactImporter, sk *sink) error {
	s := rc.e.store
	customers, err := s.RecordsByEmail(ctx, rc.conn.ID, streamCustomers, emails)
	if err != nil {
		return err
	}
	var members []string
	for _, c := range customers {
		if c.Status == 1 && !slices.Contains(members, c.Email) {
			members = append(members, c.Email)
		}
	}
	rc.run.Count(int64(len(emails)-len(members)), 0, 0, 0)
	rc.run.Skip("no customer in the customer list has this email", int64(len(emails)-len(members)))
	sums, err := s.OrderSummaries(ctx, rc.conn.ID, streamOrders, members, excludedOrderStatuses)
	if err != nil {
		return err
	}
	sent, err := diff.Load(ctx, s, rc.conn.ID, streamOrderFigures, members, rc.run)
	if err != nil {
		return err
	}
	for _, email := range members {
		rc.run.Count(1, 0, 0, 0)
		fields := mappedFields(rc.mappings, computedSources, customerFacts{orders: sums[email]}.sourceValue)
		state := store.RecordState{Key: email, Email: email, Fingerprint: diff.Print(fields), Status: 1}
		if !sent.Changed(state) {
			continue
		}
		ct := dotdigital.Contact{Email: email, DataFields: fields}
		if err := sk.add(ctx, &pending{key: email, email: email, state: state}, func() error { return imp.Add(ctx, ct) }); err != nil {
			return err
		}
	}
	rc.run.Save(ctx, false)
	return nil
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
	sent, err := diff.Load(ctx, s, rc.conn.ID, streamCustomers, keys, rc.run)
	if err != nil {
		return err
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
	var rejected []rejection
	for i := range page {
		c := &page[i]
		rc.run.Count(1, 0, 0, 0)
		key, email := keys[i], emails[i]
		if !validEmail(email) {
			if r := invalidEmail(key, email, "not a valid email address"); sent.Changed(r.state) {
				rejected = append(rejected, r)
			}
			continue
		}
		prev, had := sent.Prev(key)
		if had && prev.Email != "" && prev.Email != email {
			if err := rc.renameContact(ctx, prev.Email, email); err != nil {
				return err
			}
		}
		facts := customerFacts{c: c, subscribed: subscribed[email]}
		ct := dotdigital.Contact{Email: email, Lists: []int{int(st.CustomerList.ID)}, DataFields: mappedFields(rc.mappings, customerSources, facts.sourceValue)}
		state := store.RecordState{Key: key, Email: email, Fingerprint: contactPrint(&ct), Status: 1, OccurredAt: c.DateCreated}
		if !sent.Changed(state) {
			continue
		}
		p := &pending{key: key, email: email, state: state}
		if !had && st.NewCustomerProgram.ID > 0 && c.DateCreated.After(rc.conn.InstalledAt) {
			p.newContact = reasonNewCustomer
		}
		if err := sk.add(ctx, p, func() error { return imp.Add(ctx, ct) }); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, rejection{store.Rejected{Key: key, Email: email, Reason: "Refused", Detail: rerr.Reason}, state})
				continue
			}
			return err
		}
	}
	if err := rc.reject(ctx, streamCustomers, rejected); err != nil {
		return err
	}
	rc.run.Save(ctx, false)
	return nil
}

// settleContacts handles a contact import's outcome: accepted records are remembered and new contacts
// enrolled (their ids are in the state store already, see contactSink); refused ones are rejected.
func (rc *runContext) settleContacts(recordStream string) func(ctx context.Context, outs []outcome) error {
	return func(ctx context.Context, outs []outcome) error {
		var states []store.RecordState
		var rejected []rejection
		enrol := map[string][]string{}
		for _, o := range outs {
			if o.failure != "" {
				rejected = append(rejected, rejection{store.Rejected{Key: o.key, Email: o.email, Reason: o.failure, Detail: o.detail}, o.state})
				continue
			}
			states = append(states, o.state)
			if o.newContact != "" {
				enrol[o.newContact] = append(enrol[o.newContact], o.email)
			}
		}
		rc.run.CountIn(recordStream, 0, int64(len(states)), 0, 0)
		s := rc.e.store
		if err := s.SaveRecordStates(ctx, rc.conn.ID, recordStream, states); err != nil {
			return err
		}
		if err := rc.reject(ctx, recordStream, rejected); err != nil {
			return err
		}
		for reason, emails := range enrol {
			ids, err := s.ContactIDs(ctx, rc.conn.ID, emails)
			if err != nil {
				return err
			}
			var who []enrolee
			for _, e := range emails {
				if id := ids[e]; id > 0 {
					who = append(who, enrolee{email: e, contactID: id})
				}
			}
			if err := rc.enrol(ctx, reason, "", who); err != nil {
				return err
			}
		}
		return nil
	}
}
