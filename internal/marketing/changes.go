package marketing

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
)

// Real time: a webhook delivery names a record; bcsync notes it (durably, so a crash loses nothing) and
// reads only the records that changed, by id, over a short window per sync in which deliveries
// coalesce, and sends what they became in one import per list or collection. The poll stays the
// safety net: it reads every stream on its interval with the same fingerprints, so the two paths never
// send a record twice, and a change whose delivery was lost arrives with the next poll.

// TriggerChanges names a run that read only the records webhooks announced.
const TriggerChanges = "changes"

// changeFull is the stream of a change only a full read sees: the next run is a full one.
const changeFull = "*"

// changeStream says which stream reads the record a delivery names, or changeFull when only a full
// read can (deletions: BigCommerce lists none, so reading by id shows nothing), or "" when the event
// moves nothing to Dotdigital.
func changeStream(cb *bigcommerce.Callback) string {
	switch cb.Scope {
	case "store/customer/created", "store/customer/updated":
		return streamCustomers
	case "store/subscriber/created", "store/subscriber/updated":
		return streamSubscribers
	case "store/order/created", "store/order/updated", "store/order/statusUpdated", "store/order/refund/created":
		return streamOrders // data.id is the order's
	case "store/product/created", "store/product/updated", "store/product/inventory/updated", "store/product/inventory/order/updated":
		return streamProducts // data.id is the product's
	case "store/cart/abandoned":
		return streamCarts // the cart's event is kept already; the carts stream reads it
	case "store/order/message/created":
		return "" // order messages are not synced
	}
	if strings.HasPrefix(cb.Scope, "store/cart/") || strings.Contains(cb.Scope, "/metafield/") || strings.HasPrefix(cb.Scope, "store/order/transaction/") {
		return "" // carts are read only when abandoned; metafields and transactions are not synced
	}
	return changeFull
}

// noteChange keeps the record a delivery names for the sync's next window.
func (e *Engine) noteChange(ctx context.Context, syncID int64, cb *bigcommerce.Callback) error {
	stream := changeStream(cb)
	if stream == "" {
		return nil
	}
	id := cb.Data.ID
	if stream == changeFull || stream == streamCarts {
		id = "" // one row stands for all of them
	}
	return e.store.AddChanges(ctx, syncID, []store.Change{{Stream: stream, RecordID: id, ChangedAt: cb.CreatedAt}})
}

// Windows: a window opens with the oldest unread change and closes ChangeWindow later (see window). A
// run waits in its worker for a short window to close, and gives the worker back for a longer one.
const (
	maxWindowWait = 3 * time.Second
	// maxWindowChanges bounds the records one targeted run reads; the rest wait for the next window.
	maxWindowChanges = 5000
)

// errWindowOpen puts a run off until its window closes (a snooze: no attempt is spent).
type errWindowOpen struct{ wait time.Duration }

func (e *errWindowOpen) Error() string             { return "the window of changes closes in " + e.wait.String() }
func (e *errWindowOpen) RetryAfter() time.Duration { return e.wait }

// window is how long a sync's changes coalesce before they are read. Runs of a sync never overlap, so
// the changes that come while one runs wait for its end: under load each window is as long as the run
// before it took (reads paced by the store's quota share, imports Dotdigital takes seconds to finish),
// and carries more changes for the same few calls (one read per 50 ids and stream, one import per list
// or collection), instead of calls multiplying with the changes. A window also stays open while
// Dotdigital's budget of imports (its Low tier) is short of what the run will send (see plan).
func (e *Engine) window() time.Duration { return e.opts.ChangeWindow }

// pollDue says whether the sync's full read is due: never done, or an interval after the last one.
func (e *Engine) pollDue(ctx context.Context, conn *store.Connection) (bool, error) {
	at, err := e.lastPoll(ctx, conn.ID)
	if err != nil || at.IsZero() {
		return true, err
	}
	return !e.opts.Now().Before(at.Add(conn.Settings.Interval)), nil
}

const pollFinished = "poll.finished"

func (e *Engine) lastPoll(ctx context.Context, syncID int64) (time.Time, error) {
	c, err := e.store.Cursor(ctx, syncID, pollFinished)
	if err != nil || c == "" {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, c)
}

// plan decides what a run of a connection does: a full read (nil, nil), the changes of a window, or
// nothing (an empty non-nil list: no change waits and the poll is not due).
func (e *Engine) plan(ctx context.Context, conn *store.Connection, trigger string) ([]store.Change, error) {
	running, err := e.store.RunningRun(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	if running != nil && running.TriggeredBy != TriggerChanges {
		return nil, nil // a full run continues
	}
	if running == nil && trigger != "webhook" && trigger != "schedule" && trigger != TriggerChanges {
		return nil, nil // asked for (install, manual, a mapping change): a full read
	}
	if running == nil {
		due, err := e.pollDue(ctx, conn)
		if err != nil || due {
			return nil, err
		}
	}
	changes, err := e.store.PendingChanges(ctx, conn.ID, maxWindowChanges)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Stream == changeFull {
			return nil, nil
		}
	}
	if len(changes) == 0 {
		return []store.Change{}, nil
	}
	if running == nil {
		wait := changes[0].ReceivedAt.Add(e.window()).Sub(e.opts.Now())
		if acct, err := e.account(conn); err == nil {
			// The window stays open until Dotdigital's budget of imports lets this run's go at once.
			wait = max(wait, acct.client.Headroom(importTier, importsOf(changes)))
		}
		if wait > maxWindowWait {
			return nil, &errWindowOpen{wait}
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			// What came in while the window was open joins it.
			if changes, err = e.store.PendingChanges(ctx, conn.ID, maxWindowChanges); err != nil {
				return nil, err
			}
		}
	}
	return changes, nil
}

// importTier is the Dotdigital call-rate tier of imports and list removals ("calls that import or
// return a lot of data are Low").
const importTier = "Low"

// importsOf is how many calls of importTier a run of these changes makes: an import per stream, and
// the subscribers' list removals.
func importsOf(changes []store.Change) int {
	streams := map[string]bool{}
	for _, c := range changes {
		streams[c.Stream] = true
	}
	n := len(streams)
	if streams[streamSubscribers] {
		n++
	}
	return n
}

// NextRunAt tells the queue when a connection's next run is due after one ended (see jobs.Pacer): its
// window's close when changes wait, else its poll an interval after the last full read, whichever
// comes first, and never later than proposed.
func (e *Engine) NextRunAt(ctx context.Context, syncID int64, proposed time.Time) (time.Time, error) {
	conn, err := e.store.Connection(ctx, syncID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return proposed, nil
		}
		return proposed, err
	}
	next := proposed
	if last, err := e.lastPoll(ctx, syncID); err != nil {
		return proposed, err
	} else if !last.IsZero() {
		next = minTime(next, last.Add(conn.Settings.Interval))
	}
	n, oldest, err := e.store.ChangeBacklog(ctx, syncID)
	if err != nil {
		return proposed, err
	}
	if n > 0 {
		next = minTime(next, oldest.Add(e.window()))
	}
	return next, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// ids reads the record ids of a stream's changes (those that are numbers: BigCommerce's ids are).
func ids(changes []store.Change, stream string) ([]int, []store.Change) {
	var out []int
	var taken []store.Change
	for _, c := range changes {
		if c.Stream != stream {
			continue
		}
		taken = append(taken, c)
		if id, err := strconv.Atoi(strings.TrimSpace(c.RecordID)); err == nil {
			out = append(out, id)
		}
	}
	return out, taken
}

// Backlog is how far a connection's real time is behind: changes announced and not read yet, and
// how long the oldest has waited.
type Backlog struct {
	Waiting int64
	Behind  time.Duration
}

// ChangeBacklog reports a connection's backlog of changes.
func (e *Engine) ChangeBacklog(ctx context.Context, syncID int64) (Backlog, error) {
	n, oldest, err := e.store.ChangeBacklog(ctx, syncID)
	if err != nil || n == 0 {
		return Backlog{}, err
	}
	return Backlog{Waiting: n, Behind: max(0, e.opts.Now().Sub(oldest))}, nil
}
