package marketing

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/store"
)

// runChanges reads the records of a window's changes and sends what changed, as a run of its own
// (trigger "changes"). Every stream's records are read and their imports sent first, then the imports
// are waited for together: Dotdigital takes seconds to finish each one, and waiting for them one after
// the other would add those seconds up. Each stream's changes are deleted once Dotdigital accepted what
// they became; a run stopped before that (a crash) leaves them for the next window, and fingerprints
// keep what was sent already from going twice.
func (e *Engine) runChanges(ctx context.Context, conn *store.Connection, changes []store.Change, budget time.Duration) (bool, error) {
	probe := &runContext{e: e, conn: conn}
	var list []stream
	var off []store.Change
	for _, s := range []stream{
		changedStream{base: subscribersStream{}, changes: changes},
		changedStream{base: customersStream{}, changes: changes},
		changedStream{base: ordersStream{}, changes: changes},
		changedStream{base: productsStream{}, changes: changes},
		orderFiguresStream{},
		changedStream{base: cartsStream{}, changes: changes},
		enrolmentsStream{},
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
		if _, figures := s.(orderFiguresStream); figures && !slices.ContainsFunc(list, func(x stream) bool {
			return x.name() == streamCustomers || x.name() == streamOrders
		}) {
			continue // no customer or order read: no figure changed
		}
		if _, enrol := s.(enrolmentsStream); enrol && !slices.ContainsFunc(list, func(x stream) bool {
			return x.name() == streamSubscribers || x.name() == streamCustomers || x.name() == streamCarts
		}) {
			continue // no new contact or abandoned cart: nothing new to enrol (the poll sends what waits)
		}
		list = append(list, s)
	}
	if err := e.store.DoneChanges(ctx, conn.ID, off); err != nil {
		return false, err
	}
	running, err := e.store.RunningRun(ctx, conn.ID)
	if err != nil {
		return false, err
	}
	if len(list) == 0 && running == nil {
		return true, nil
	}
	begun, err := e.runs.Begin(ctx, conn.ID, TriggerChanges, namesOf(list))
	if err != nil {
		return false, err
	}
	if len(list) == 0 {
		// A run of changes a crash interrupted after its changes were read: it ends.
		_, err := begun.Finish(context.WithoutCancel(ctx), nil)
		return err == nil, err
	}
	rc, err := e.contextOf(ctx, conn, begun, budget)
	if err != nil {
		return false, err
	}
	rc.streams, rc.targeted = list, true
	return rc.executeChanges(ctx)
}

func namesOf(list []stream) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.name()
	}
	return out
}

// executeChanges runs a run of changes: the changed streams' reads and imports, then their outcomes,
// then the streams that work from what those saved (order figures) or from their own events (carts).
func (rc *runContext) executeChanges(ctx context.Context) (bool, error) {
	ctx = apicall.WithScope(ctx, apicall.Scope{SyncID: rc.conn.ID, RunID: rc.run.ID()})
	var failures, details []string
	fail := func(name string, err error) error {
		rc.run.Leave(context.WithoutCancel(ctx), ledger.Failed)
		if credentialsRefused(err) {
			return rc.refused(ctx, name, err)
		}
		if msg := rc.explain(name, err); !slices.Contains(failures, msg) {
			failures = append(failures, msg)
		}
		details = append(details, fmt.Sprintf("%s: %v", name, err))
		rc.log.Warn("stream failed; its changes are read again", slog.String("stream", name), slog.Any("error", err))
		return nil
	}
	type sent struct {
		pos   int
		name  string
		wait  func() error
		taken []store.Change
	}
	var waits []sent
	var after []int
	rc.readChangedCustomersFirst(ctx)
	for i, s := range rc.streams {
		switch rc.run.State(s.name()) {
		case ledger.Done, ledger.Skipped:
			continue
		}
		cs, ok := s.(changedStream)
		if !ok || cs.name() == streamCarts {
			after = append(after, i)
			continue
		}
		rc.run.Enter(ctx, s.name(), i, ledger.Running)
		wait, taken := cs.send(ctx, rc)
		waits = append(waits, sent{i, s.name(), wait, taken})
	}
	for _, w := range waits {
		rc.run.Enter(ctx, w.name, w.pos, ledger.Running)
		err := w.wait()
		if err == nil {
			err = rc.e.store.DoneChanges(context.WithoutCancel(ctx), rc.conn.ID, w.taken)
		}
		if err == nil {
			rc.run.Leave(context.WithoutCancel(ctx), ledger.Done)
			continue
		}
		if ctx.Err() != nil {
			rc.run.Save(context.WithoutCancel(ctx), true)
			return false, ctx.Err()
		}
		if perr := fail(w.name, err); perr != nil {
			return true, perr
		}
	}
	for _, i := range after {
		s := rc.streams[i]
		if !s.enabled(rc) {
			rc.run.Enter(ctx, s.name(), i, ledger.Skipped)
			continue
		}
		rc.run.Enter(ctx, s.name(), i, ledger.Running)
		err := s.sync(ctx, rc)
		if err == nil {
			rc.run.Leave(context.WithoutCancel(ctx), ledger.Done)
			continue
		}
		if ctx.Err() != nil {
			rc.run.Save(context.WithoutCancel(ctx), true)
			return false, ctx.Err()
		}
		if perr := fail(s.name(), err); perr != nil {
			return true, perr
		}
	}
	rc.run.Explain(strings.Join(details, "\n"))
	status, err := rc.run.Finish(context.WithoutCancel(ctx), failures)
	if err != nil {
		return false, err
	}
	rc.log.Debug("changes read", slog.String("status", string(status)), slog.Int64("rejected", rc.run.Rejected()))
	return true, nil
}

// changedStream reads only the records of a stream that changes name, and counts as that stream.
type changedStream struct {
	base    stream
	changes []store.Change
}

func (s changedStream) name() string                { return s.base.name() }
func (s changedStream) enabled(rc *runContext) bool { return s.base.enabled(rc) }

// sync reads the changed records and waits for their imports (carts: the carts stream itself).
func (s changedStream) sync(ctx context.Context, rc *runContext) error {
	if s.name() == streamCarts {
		_, taken := ids(s.changes, s.name())
		if err := s.base.sync(ctx, rc); err != nil {
			return err
		}
		return rc.e.store.DoneChanges(context.WithoutCancel(ctx), rc.conn.ID, taken)
	}
	wait, taken := s.send(ctx, rc)
	if err := wait(); err != nil {
		return err
	}
	return rc.e.store.DoneChanges(context.WithoutCancel(ctx), rc.conn.ID, taken)
}

// send reads the changed records and sends their import without waiting for it; wait waits for its
// outcome and says how the stream ended. taken are the changes it read.
func (s changedStream) send(ctx context.Context, rc *runContext) (wait func() error, taken []store.Change) {
	ids, taken := ids(s.changes, s.name())
	switch s.name() {
	case streamCustomers:
		imp, sk := rc.contactSink(ctx, streamCustomers, dotdigital.MergeOverwrite, rc.settleContacts(streamCustomers))
		pages := rc.bc.Customers(ctx, bigcommerce.CustomerQuery{IDs: ids})
		if rc.changedCustomers != nil {
			pages = func(yield func([]bigcommerce.Customer, error) bool) { yield(rc.changedCustomers, nil) }
		}
		err := readPages(pages, func(page []bigcommerce.Customer) error {
			if err := rc.customersPage(ctx, page, imp, sk); err != nil {
				return err
			}
			return sk.endPage(ctx, "")
		})
		return rc.sent(ctx, imp, sk, err), taken
	case streamSubscribers:
		imp, sk := rc.contactSink(ctx, streamSubscribers, dotdigital.MergeOverwrite, rc.settleContacts(streamSubscribers))
		err := readPages(rc.bc.Subscribers(ctx, bigcommerce.SubscriberQuery{IDs: ids}), func(page []bigcommerce.Subscriber) error {
			return rc.subscribersPage(ctx, page, imp, sk) // ends its page without a cursor
		})
		return rc.sent(ctx, imp, sk, err), taken
	case streamOrders:
		// Orders cannot be read by id:in, and a range of ids would read every order between: read those
		// modified since the oldest change (less a second: BigCommerce's times have seconds).
		since := taken[0].ChangedAt
		for _, c := range taken {
			since = minTime(since, c.ChangedAt)
		}
		imp, sk := rc.insightSink(ctx, streamOrders, collectionOrders, dotdigital.ScopeContact, "orders")
		err := readPages(rc.bc.Orders(ctx, bigcommerce.OrderQuery{ModifiedSince: since.Add(-time.Second).Truncate(time.Second)}),
			func(page []bigcommerce.Order) error { return rc.ordersPage(ctx, page, imp, sk) })
		return rc.sent(ctx, imp, sk, err), taken
	default: // products
		imp, sk := rc.insightSink(ctx, streamProducts, collectionCatalog, dotdigital.ScopeAccount, "catalog")
		err := readPages(rc.bc.Products(ctx, bigcommerce.ProductQuery{IDs: ids}),
			func(page []bigcommerce.Product) error { return rc.productsPage(ctx, page, imp, sk) })
		return rc.sent(ctx, imp, sk, err), taken
	}
}

// readChangedCustomersFirst reads the changed customers of a run that has subscribers before the
// subscribers are read: the subscribers' consent evidence needs their customer accounts' registration
// IPs, and taking them from this read saves a read by email. A failed read is left to the customers
// stream, which reads them again and says what went wrong.
func (rc *runContext) readChangedCustomersFirst(ctx context.Context) {
	var customers, subscribers *changedStream
	for _, s := range rc.streams {
		if cs, ok := s.(changedStream); ok && rc.run.State(cs.name()) != ledger.Done {
			switch cs.name() {
			case streamCustomers:
				customers = &cs
			case streamSubscribers:
				subscribers = &cs
			}
		}
	}
	if subscribers == nil {
		return
	}
	read := []bigcommerce.Customer{} // none changed in the window, or none synced
	if customers != nil {
		ids, taken := ids(customers.changes, streamCustomers)
		rc.windowCustomerChanges = len(taken)
		got, err := bigcommerce.All(rc.bc.Customers(ctx, bigcommerce.CustomerQuery{IDs: ids}))
		if err != nil {
			return
		}
		read = append(read, got...)
	}
	rc.changedCustomers = read
}

// readPages hands every page of a read to f, until an error.
func readPages[T any](pages iter.Seq2[[]T, error], f func([]T) error) error {
	for page, err := range pages {
		if err == nil {
			err = f(page)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sent sends what an importer holds (Dotdigital starts on it at once) and returns the wait for its
// outcome. A read that failed sends nothing more: the wait returns its error once the imports already
// sent are settled.
type flusher interface {
	closer
	Flush(context.Context) error
}

func (rc *runContext) sent(ctx context.Context, imp flusher, sk *sink, readErr error) func() error {
	if readErr == nil {
		readErr = imp.Flush(ctx)
	}
	return func() error { return rc.closeSink(ctx, imp, sk, readErr) }
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
