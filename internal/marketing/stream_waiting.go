package marketing

import (
	"context"

	"github.com/bcsync/bcsync/internal/dotdigital"
)

const streamWaiting = "waiting"

// waitingStream sends the orders that wait for their contact: those never tried, those whose email
// became a contact, and, once a day, all others (the contact may have been made in Dotdigital by
// something other than bcsync). An order whose contact still does not exist keeps waiting.
type waitingStream struct{}

func (waitingStream) name() string             { return streamWaiting }
func (waitingStream) enabled(*runContext) bool { return true }

func (waitingStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	retryBefore := rc.e.opts.Now().Add(-rc.e.opts.RetryWaitingEvery)
	imp, sk := rc.insightSink(ctx, streamWaiting, collectionOrders, dotdigital.ScopeContact, "orders")
	after := ""
	var readErr error
	for {
		batch, err := s.ReleasableWaiting(ctx, rc.conn.ID, collectionOrders, after, retryBefore, 1000)
		if err != nil {
			readErr = err
			break
		}
		if len(batch) == 0 {
			break
		}
		for _, w := range batch {
			rc.run.Count(1, 0, 0, 0)
			p := &pending{key: w.Key, email: w.Email}
			err := sk.add(ctx, p, func() error {
				return imp.Add(ctx, dotdigital.InsightRecord{Key: w.Key, ContactEmail: w.Email, JSON: w.Body})
			})
			if err != nil {
				readErr = err
				break
			}
		}
		if readErr != nil {
			break
		}
		after = batch[len(batch)-1].Key
		rc.run.Save(ctx, false)
		if rc.outOfTime() {
			readErr = errYield
			break
		}
	}
	return rc.closeSink(ctx, imp, sk, readErr)
}
