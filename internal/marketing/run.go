package marketing

import (
	"context"
	"errors"
	"fmt"
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

// stream is one kind of data the sync moves. Streams are listed, in the order they run, in streams.
type stream interface {
	name() string
	// enabled says whether the stream runs for this connection's settings.
	enabled(rc *runContext) bool
	// sync moves everything that changed since the stream's cursor. It returns errYield when the run's
	// time slice is used up; the next slice continues from the cursor.
	sync(ctx context.Context, rc *runContext) error
}

// streams run in this order. Webhooks are registered first (once), so changes made during a long first
// sync already ask for the next one. Unsubscribes made in Dotdigital are written to the store next, so
// the subscriber stream of the same run takes those people out of the list. Contacts come before orders,
// so the orders of contacts made in this run go out in it; order figures (computed fields) follow the
// orders they sum. Enrolments go last: every stream before queues them.
var streams = []stream{
	webhooksStream{},
	unsubscribesStream{},
	subscribersStream{},
	customersStream{},
	ordersStream{},
	orderFiguresStream{},
	waitingStream{},
	productsStream{},
	cartsStream{},
	enrolmentsStream{},
}

// streamLabels name the streams for people.
var streamLabels = map[string]string{
	streamWebhooks: "Webhooks", streamUnsubscribes: "Unsubscribes back to the store", streamSubscribers: "Subscribers",
	streamCustomers: "Customers", streamOrders: "Orders", streamOrderFigures: "Order figures",
	streamWaiting: "Orders waiting for a contact", streamProducts: "Products", streamCarts: "Abandoned carts",
	streamEnrolments: "Programme enrolments",
}

// StreamLabel is a stream's name for people (the name itself for one it does not know).
func StreamLabel(name string) string {
	if l, ok := streamLabels[name]; ok {
		return l
	}
	return name
}

// StreamNames lists the streams in the order they run.
func StreamNames() []string {
	out := make([]string, len(streams))
	for i, s := range streams {
		out[i] = s.name()
	}
	return out
}

// runContext is one run (or one slice of it) of one connection.
type runContext struct {
	e        *Engine
	conn     *store.Connection
	run      *ledger.Run
	bc       *bigcommerce.Client
	dd       *dotdigital.Client
	mappings []store.FieldMapping
	deadline time.Time
	log      *slog.Logger
	acct     *ddAccount
	// consentFieldsReady says the consent data fields exist in the account (checked once a full run;
	// a run of changes trusts the last check in this process).
	consentFieldsReady bool
	// streams run in this run: streams, or a run of changes' own (see runChanges); targeted says the
	// latter, whose pages move no cursor.
	streams  []stream
	targeted bool
	// changedCustomers are a run of changes' customers, read before its subscribers when it has both,
	// so a new subscriber's registration IP is looked up among them rather than with a read of its own.
	changedCustomers      []bigcommerce.Customer
	windowCustomerChanges int
}

func (e *Engine) startRun(ctx context.Context, conn *store.Connection, trigger string, budget time.Duration) (*runContext, error) {
	run, err := e.runs.Begin(ctx, conn.ID, trigger, StreamNames())
	if err != nil {
		return nil, err
	}
	return e.contextOf(ctx, conn, run, budget)
}

// contextOf builds the context of a begun run.
func (e *Engine) contextOf(ctx context.Context, conn *store.Connection, run *ledger.Run, budget time.Duration) (*runContext, error) {
	mappings, err := e.store.FieldMappings(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	bc, err := e.shops.Client(shopOf(conn), 1)
	if err != nil {
		return nil, err
	}
	acct, err := e.account(conn)
	if err != nil {
		return nil, err
	}
	rc := &runContext{e: e, conn: conn, run: run, bc: bc, dd: acct.client, acct: acct, mappings: mappings, streams: streams,
		log: run.Logger().With(slog.Int64("connection_id", conn.ID))}
	if budget > 0 {
		rc.deadline = e.opts.Now().Add(budget)
	}
	return rc, nil
}

// execute runs the streams not done yet. It returns done=false when the time slice ran out.
func (rc *runContext) execute(ctx context.Context) (bool, error) {
	e := rc.e
	ctx = apicall.WithScope(ctx, apicall.Scope{SyncID: rc.conn.ID, RunID: rc.run.ID()})
	var failures, details []string
	fail := func(stream string, err error) {
		msg := rc.explain(stream, err)
		if !slices.Contains(failures, msg) {
			failures = append(failures, msg)
		}
		details = append(details, fmt.Sprintf("%s: %v", stream, err))
	}
each:
	for i, s := range rc.streams {
		switch rc.run.State(s.name()) {
		case ledger.Done, ledger.Skipped:
			continue
		case ledger.Failed:
			failures = append(failures, fmt.Sprintf("Syncing %s failed in an earlier part of this run.", lower(StreamLabel(s.name()))))
			continue
		}
		if !s.enabled(rc) {
			rc.run.Enter(ctx, s.name(), i, ledger.Skipped)
			continue
		}
		rc.run.Enter(ctx, s.name(), i, ledger.Running)
		err := s.sync(ctx, rc)
		switch {
		case err == nil:
			rc.run.Leave(context.WithoutCancel(ctx), ledger.Done)
		case errors.Is(err, errYield) || ctx.Err() != nil:
			rc.run.Save(context.WithoutCancel(ctx), true)
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, nil
		case credentialsRefused(err):
			rc.run.Leave(context.WithoutCancel(ctx), ledger.Failed)
			if err := rc.refused(ctx, s.name(), err); !errors.As(err, new(*PermanentError)) {
				return false, err
			}
			return true, &PermanentError{err}
		default:
			rc.run.Leave(context.WithoutCancel(ctx), ledger.Failed)
			fail(s.name(), err)
			// Info, not a warning: the run's error tells it, and alerts those who asked.
			rc.log.Info("stream failed; the next sync resumes it", slog.String("stream", s.name()), slog.Any("error", err))
			if _, _, _, ok := rc.unreachable(err); ok {
				// The next streams would wait out the same retries against the same host: the run
				// stops here, and the next one is scheduled with backoff.
				break each
			}
		}
	}
	rc.run.Explain(strings.Join(details, "\n"))
	status, err := rc.run.Finish(context.WithoutCancel(ctx), failures)
	if err != nil {
		return false, err
	}
	if !rc.targeted && len(failures) == 0 {
		e.finishedPoll(ctx, rc)
	}
	rc.log.Info("sync finished", slog.String("status", string(status)), slog.Int64("rejected", rc.run.Rejected()))
	return true, nil
}

// refused ends a run whose credentials were refused: the store's (every sync of it stops) or the
// account's, until the user fixes them. It returns a PermanentError, or the error of recording it.
func (rc *runContext) refused(ctx context.Context, stream string, err error) error {
	ctx = context.WithoutCancel(ctx)
	e := rc.e
	msg := rc.explain(stream, err)
	rc.run.Explain(fmt.Sprintf("%s: %v", stream, err))
	if errors.Is(err, bigcommerce.ErrUnauthorized) || errors.Is(err, bigcommerce.ErrStoreNotFound) {
		// The store's credentials: every sync of the store stops until they are fixed.
		e.store.SetShopStatus(ctx, rc.conn.StoreID, store.StatusNeedsAttention, msg)
	} else {
		e.store.SetSyncStatus(ctx, rc.conn.ID, store.StatusNeedsAttention, msg)
	}
	if ferr := rc.run.Fail(ctx, msg); ferr != nil {
		return ferr
	}
	rc.log.Warn("sync stopped: credentials refused", slog.String("stream", stream), slog.Any("error", err))
	return &PermanentError{err}
}

// outOfTime reports whether the time slice is used up.
func (rc *runContext) outOfTime() bool {
	return !rc.deadline.IsZero() && rc.e.opts.Now().After(rc.deadline)
}

// since returns where a stream's read starts: its cursor minus the overlap (records that became
// visible late, clock skew), or the zero time for a first read.
func (rc *runContext) since(ctx context.Context, stream string) (time.Time, error) {
	cur, err := rc.e.store.Cursor(ctx, rc.conn.ID, stream)
	if err != nil || cur == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, cur)
	if err != nil {
		return time.Time{}, fmt.Errorf("cursor of %s: %w", stream, err)
	}
	return t.Add(-rc.e.opts.Overlap), nil
}

// formatCursor writes a time cursor.
func formatCursor(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
