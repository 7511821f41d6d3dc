package marketing

import (
	"context"

	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/store"
)

// rejection is a rejected record with the state it was rejected in.
type rejection struct {
	store.Rejected
	state store.RecordState
}

// invalidEmail rejects a record bcsync will not send for its email.
func invalidEmail(key, email, detail string) rejection {
	return rejection{store.Rejected{Key: key, Email: email, Reason: "InvalidEmail", Detail: detail}, diff.Invalid(key, email, "InvalidEmail")}
}

// reject logs rejected records on the run and remembers each with the state it was rejected in: while
// it stays so, it is neither sent nor logged again, only counted as still rejected (diff.Batch.Changed).
// Logged first: a crash between the two logs it again next run rather than never.
func (rc *runContext) reject(ctx context.Context, stream string, rs []rejection) error {
	if len(rs) == 0 {
		return nil
	}
	rejected := make([]store.Rejected, len(rs))
	refusals := make([]store.Refusal, len(rs))
	for i, r := range rs {
		rejected[i] = r.Rejected
		st := r.state
		st.Key = r.Key
		refusals[i] = store.Refusal{RecordState: st, Reason: r.Reason}
	}
	if err := rc.run.Reject(ctx, stream, rejected...); err != nil {
		return err
	}
	return rc.e.store.RememberRefusals(ctx, rc.conn.ID, stream, refusals)
}
