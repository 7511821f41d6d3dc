package marketing

import (
	"context"
	"iter"
	"time"
)

// window bounds a read by date_modified, both ends inclusive; a zero Until is open. FirstPage is the
// page to start at (0 or 1: the first).
type window struct {
	Since, Until time.Time
	FirstPage    int
	// First marks the read's first request (where the store says how many records there are).
	First bool
}

// readSorted reads a date_modified-sorted collection from since, one page at a time. Each request
// starts at the last date_modified of the page before (inclusive; records already seen at that second
// are dropped), instead of asking for page 2, 3, …: a record changed during a long read moves to the
// end and is read again, and no record can shift onto a page already read and be skipped. A second
// holding a full page or more is read whole, by page numbers, before moving on.
//
// fetch reads the collection within a window, in pages of pageSize; each is called with the records of
// one page in order, and its error stops the read.
func readSorted[T any](ctx context.Context, rc *runContext, since time.Time, pageSize int,
	fetch func(window) iter.Seq2[[]T, error], modified func(*T) time.Time, key func(*T) int,
	each func(page []T) error) error {
	seenAt := time.Time{}
	first := true
	seen := map[int]bool{}
	keep := func(page []T) []T {
		out := page[:0:0]
		for i := range page {
			if m := modified(&page[i]); m.Equal(seenAt) && seen[key(&page[i])] {
				continue
			}
			out = append(out, page[i])
		}
		return out
	}
	for {
		if rc.outOfTime() {
			return errYield
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var page []T
		for p, err := range fetch(window{Since: since, First: first}) {
			if err != nil {
				return err
			}
			page = p
			break
		}
		if len(page) == 0 {
			return nil
		}
		first = false
		from, last := modified(&page[0]), modified(&page[len(page)-1])
		if len(page) >= pageSize && from.Equal(last) {
			// One second holds a whole page: read the rest of it by page numbers (the page just read is
			// its first), then go on after it.
			if err := each(keep(page)); err != nil {
				return err
			}
			for p, err := range fetch(window{Since: from, Until: from, FirstPage: 2}) {
				if err != nil {
					return err
				}
				if err := each(keep(p)); err != nil {
					return err
				}
			}
			since, seenAt = from.Add(time.Second), time.Time{}
			clear(seen)
			continue
		}
		if err := each(keep(page)); err != nil {
			return err
		}
		if len(page) < pageSize {
			return nil
		}
		if !last.Equal(seenAt) {
			clear(seen)
			seenAt = last
		}
		for i := range page {
			if modified(&page[i]).Equal(last) {
				seen[key(&page[i])] = true
			}
		}
		since = last
	}
}
