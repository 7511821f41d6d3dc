package marketing

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// runChanges reads the records of a window's changes and sends what changed, as a run of its own
// (trigger "changes"). Each stream's changes are deleted once Dotdigital accepted what they became; a
// run stopped before that (a crash) leaves them for the next window, and fingerprints keep what was
// sent already from going twice.
func (e *Engine) runChanges(ctx context.Context, conn *store.Connection, changes []store.Change, budget time.Duration) (bool, error) {
	started := e.opts.Now()
	probe := &runContext{e: e, conn: conn}
	var list []stream
	var off []store.Change
	for _, s := range []stream{
		changedStream{base: customersStream{}, changes: changes},
		changedStream{base: subscribersStream{}, changes: changes},
		changedStream{base: ordersStream{}, changes: changes},
		orderFiguresStream{},
		changedStream{base: productsStream{}, changes: changes},
		changedStream{base: cartsStream{}, changes: changes},
	} {
		if cs, ok := s.(changedStream); ok {
			if !slices.ContainsFunc(changes, func(c store.Change) bool { return c.Stream == cs.name() }) {
				continue
			}
			if !cs.enabled(probe) {
				// The stream is off (no list chosen, no cart waits): its changes have nothing to do.
				_, taken := ids(changes, cs.name())
				off = append(off, taken...)
				continue
			}
		}
		list = append(list, s)
	}
	if err := e.store.DoneChanges(ctx, conn.ID, off); err != nil {
		return false, err
	}
	run, err := e.runs.Begin(ctx, conn.ID, TriggerChanges, namesOf(list))
	if err != nil {
		return false, err
	}
	rc, err := e.contextOf(ctx, conn, run, budget)
	if err != nil {
		return false, err
	}
	rc.streams, rc.targeted = list, true
	done, err := rc.execute(ctx)
	if done && err == nil {
		e.tookTargeted(conn.ID, e.opts.Now().Sub(started))
	}
	return done, err
}

func namesOf(list []stream) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.name()
	}
	return out
}

// changedStream reads only the records of a stream that changes name, and counts as that stream.
type changedStream struct {
	base    stream
	changes []store.Change
}

func (s changedStream) name() string                { return s.base.name() }
func (s changedStream) enabled(rc *runContext) bool { return s.base.enabled(rc) }

func (s changedStream) sync(ctx context.Context, rc *runContext) error {
	ids, taken := ids(s.changes, s.name())
	var err error
	switch s.name() {
	case streamCustomers:
		err = rc.changedCustomers(ctx, ids)
	case streamSubscribers:
		err = rc.changedSubscribers(ctx, ids)
	case streamOrders:
		err = rc.changedOrders(ctx, taken)
	case streamProducts:
		err = rc.changedProducts(ctx, ids)
	default:
		err = s.base.sync(ctx, rc)
	}
	if err != nil {
		return err
	}
	return rc.e.store.DoneChanges(context.WithoutCancel(ctx), rc.conn.ID, taken)
}

// Reads by id come in chunks of bigcommerce's id:in limit; a page moves no cursor: the poll's cursors
// are the poll's, so a change whose delivery was lost is still read by it.

func (rc *runContext) changedCustomers(ctx context.Context, ids []int) error {
	imp, sk := rc.contactSink(ctx, streamCustomers, dotdigital.MergeOverwrite, rc.settleContacts(streamCustomers))
	var readErr error
	for page, err := range rc.bc.Customers(ctx, bigcommerce.CustomerQuery{IDs: ids}) {
		if err == nil {
			err = rc.customersPage(ctx, page, imp, sk)
		}
		if err == nil {
			err = sk.endPage(ctx, "")
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

func (rc *runContext) changedSubscribers(ctx context.Context, ids []int) error {
	imp, sk := rc.contactSink(ctx, streamSubscribers, dotdigital.MergeOverwrite, rc.settleContacts(streamSubscribers))
	var readErr error
	for page, err := range rc.bc.Subscribers(ctx, bigcommerce.SubscriberQuery{IDs: ids}) {
		if err == nil {
			err = rc.subscribersPage(ctx, page, imp, sk) // ends its page without a cursor
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

// changedOrders reads the orders modified since the oldest change (less a second: BigCommerce's times
// have seconds): orders cannot be read by id:in, and a range of ids would read every order between.
func (rc *runContext) changedOrders(ctx context.Context, changes []store.Change) error {
	since := changes[0].ChangedAt
	for _, c := range changes {
		since = minTime(since, c.ChangedAt)
	}
	imp, sk := rc.insightSink(ctx, streamOrders, collectionOrders, dotdigital.ScopeContact, "orders")
	var readErr error
	for page, err := range rc.bc.Orders(ctx, bigcommerce.OrderQuery{ModifiedSince: since.Add(-time.Second).Truncate(time.Second)}) {
		if err == nil {
			err = rc.ordersPage(ctx, page, imp, sk)
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

func (rc *runContext) changedProducts(ctx context.Context, ids []int) error {
	imp, sk := rc.insightSink(ctx, streamProducts, collectionCatalog, dotdigital.ScopeAccount, "catalog")
	var readErr error
	for page, err := range rc.bc.Products(ctx, bigcommerce.ProductQuery{IDs: ids}) {
		if err == nil {
			err = rc.productsPage(ctx, page, imp, sk)
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}

// pageCursor is where a page moves its stream's cursor: nowhere in a run of changes.
func (rc *runContext) pageCursor(t time.Time) string {
	if rc.targeted {
		return ""
	}
	return formatCursor(t)
}

// finishedPoll records the end of a full read: the changes announced before it started are read,
// and the next poll is an interval from now.
func (e *Engine) finishedPoll(ctx context.Context, rc *runContext) {
	ctx = context.WithoutCancel(ctx)
	if err := e.store.ChangesReadBy(ctx, rc.conn.ID, rc.run.StartedAt()); err != nil {
		rc.log.Warn("could not drop the changes a full read covered; they are read again", slog.Any("error", err))
	}
	if err := e.store.SetCursor(ctx, rc.conn.ID, pollFinished, formatCursor(e.opts.Now())); err != nil {
		rc.log.Warn("could not record the end of a full read", slog.Any("error", err))
	}
}
