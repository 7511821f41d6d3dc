package marketing

import (
	"context"
	"fmt"
)

// countTotal gives the running stream its total, so progress shows "n of N", a percentage and the
// time left: count asks the store (one request: v3 lists say their size, v2 orders have /count) with
// the filters the read uses. A run resumed in a later slice keeps the total its first slice counted
// (what was read since is in the counts already). The pace the store's quota allows, one page a
// request, bounds the time left.
func (rc *runContext) countTotal(ctx context.Context, stream string, count func() (int, error)) error {
	if rc.run.Counts(stream).Total < 0 {
		n, err := count()
		if err != nil {
			return fmt.Errorf("counting %s: %w", stream, err)
		}
		rc.run.SetTotal(int64(n))
	}
	if r := rc.bc.RequestRate(); r > 0 {
		rc.run.SetMaxRate(r * float64(rc.bc.PageSize()))
	}
	rc.run.Save(ctx, true)
	return nil
}

// knownTotal gives the running stream a total it knows without asking the store (records bcsync
// holds), when it has none yet.
func (rc *runContext) knownTotal(ctx context.Context, stream string, n int) {
	if rc.run.Counts(stream).Total < 0 {
		rc.run.SetTotal(int64(n))
		rc.run.Save(ctx, true)
	}
}
