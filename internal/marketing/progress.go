package marketing

import (
	"context"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// withTotal returns a context whose read gives the running stream its total, so progress shows "n of
// N", a percentage and the time left. The total costs nothing for v3 lists (the first page says it in
// meta.pagination.total) and one /orders/count for orders, only when there is more than a page. Give
// it to a stream's first read only: later windows of the same read would count again. A run resumed
// in a later slice keeps the total its first slice got. The pace the store's quota allows (a page a
// request) bounds the time left.
func (rc *runContext) withTotal(ctx context.Context, stream string) context.Context {
	c := rc.run.Counts(stream)
	if c.Total >= 0 {
		return ctx
	}
	told := false
	return bigcommerce.WithProgress(ctx, func(p bigcommerce.Progress) {
		if told || p.Total < 0 {
			return
		}
		told = true
		rc.run.SetTotal(c.Read + int64(p.Total))
		if r := rc.bc.RequestRate(); r > 0 {
			rc.run.SetMaxRate(r * float64(rc.bc.PageSize()))
		}
		rc.run.Save(ctx, true)
	})
}

// firstRead is ctx with withTotal for the first request of a windowed read (see readSorted).
func (rc *runContext) firstRead(ctx context.Context, stream string, w window) context.Context {
	if !w.First {
		return ctx
	}
	return rc.withTotal(ctx, stream)
}

// knownTotal gives the running stream a total it knows without asking the store (records bcsync
// holds), when it has none yet.
func (rc *runContext) knownTotal(ctx context.Context, stream string, n int) {
	if rc.run.Counts(stream).Total < 0 {
		rc.run.SetTotal(int64(n))
		rc.run.Save(ctx, true)
	}
}
