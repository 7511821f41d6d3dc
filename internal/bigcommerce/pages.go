package bigcommerce

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// fetchPage reads page n (from 1) and reports the number of pages and of records in all when it knows
// them (else -1).
type fetchPage[T any] func(ctx context.Context, n int) (items []T, pages, total int, err error)

// Progress describes a read in progress; see WithProgress.
type Progress struct {
	Resource string // "customers", "orders", …
	Page     int    // pages read so far
	Pages    int    // pages in all, 0 when not known
	Records  int    // records read so far
	// Total is how many records the read holds in all, as the store said with its first page (v3
	// meta.pagination.total, a v2 count); -1 when it did not say.
	Total int
}

type progressKey struct{}

// WithProgress returns a context whose reads report each page they read to fn, before the page is
// yielded. fn runs on the reader's goroutine: keep it quick.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

type pageResult[T any] struct {
	items []T
	pages int
	err   error
}

// paginate reads pages 1, 2, … in order and yields each, holding one page at a time; once the number
// of pages is known and the quota has room, up to c.prefetch pages are fetched ahead, still yielded in
// order. It stops after a short page, after the last page, at the first error (yielded), or when the
// consumer stops.
func paginate[T any](ctx context.Context, c *Client, resource string, first int, fetch fetchPage[T]) iter.Seq2[[]T, error] {
	first = max(first, 1)
	return func(yield func([]T, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		report, _ := ctx.Value(progressKey{}).(func(Progress))
		progress := Progress{Resource: resource, Total: -1}
		emit := func(items []T, pages, total int) bool {
			progress.Page++
			progress.Records += len(items)
			if pages > 0 {
				progress.Pages = pages
			}
			if total >= 0 && progress.Total < 0 {
				progress.Total = total
			}
			if report != nil {
				report(progress)
			}
			return yield(items, nil)
		}

		items, pages, total, err := fetch(ctx, first)
		if err != nil {
			yield(nil, err)
			return
		}
		if !emit(items, pages, total) || len(items) < c.pageSize || pages == first {
			return
		}
		next := first + 1
		// Ahead: fetch pages next … pages concurrently, in order.
		var queue []chan pageResult[T]
		launch := func(n int) {
			ch := make(chan pageResult[T], 1)
			queue = append(queue, ch)
			go func() {
				items, pages, _, err := fetch(ctx, n)
				ch <- pageResult[T]{items, pages, err}
			}()
		}
		for {
			known := pages > 0
			for known && next <= pages && (len(queue) == 0 || len(queue) < c.prefetch && c.limiter.spare() > 2*len(queue)) {
				launch(next)
				next++
			}
			var r pageResult[T]
			if len(queue) > 0 {
				r = <-queue[0]
				queue = queue[1:]
			} else {
				r.items, r.pages, _, r.err = fetch(ctx, next)
				next++
			}
			if r.err != nil {
				yield(nil, r.err)
				return
			}
			if r.pages > pages {
				pages = r.pages // the set grew while it was read
			}
			if !emit(r.items, pages, -1) {
				return
			}
			if len(queue) == 0 && (len(r.items) < c.pageSize || known && next > pages) {
				return
			}
		}
	}
}

// All drains a page iterator into one slice: for small reads and tests, not for whole stores.
func All[T any](seq iter.Seq2[[]T, error]) ([]T, error) {
	var out []T
	for page, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, page...)
	}
	return out, nil
}

// v3List is the envelope of v3 lists.
type v3List[W any] struct {
	Data []W `json:"data"`
	Meta struct {
		Pagination struct {
			Total       int `json:"total"`
			CurrentPage int `json:"current_page"`
			TotalPages  int `json:"total_pages"`
		} `json:"pagination"`
	} `json:"meta"`
}

// v3Pages reads a v3 list with page and limit, knowing the number of pages from the first one. Records
// arrive as wire type W and are handed out as model T.
func v3Pages[W, T any](ctx context.Context, c *Client, resource, path string, query url.Values, first int, model func(*W) T) iter.Seq2[[]T, error] {
	return paginate(ctx, c, resource, first, func(ctx context.Context, n int) ([]T, int, int, error) {
		q := cloneValues(query)
		q.Set("page", strconv.Itoa(n))
		q.Set("limit", strconv.Itoa(c.pageSize))
		var page v3List[W]
		if _, err := c.do(ctx, call{method: http.MethodGet, path: path, query: q}, &page); err != nil {
			return nil, 0, 0, err
		}
		return models(page.Data, model), max(page.Meta.Pagination.TotalPages, 1), page.Meta.Pagination.Total, nil
	})
}

func models[W, T any](wire []W, model func(*W) T) []T {
	out := make([]T, len(wire))
	for i := range wire {
		out[i] = model(&wire[i])
	}
	return out
}

// byChunks runs read once per chunk of ids or emails (or once, with neither, when both are nil). An
// empty, non-nil list reads nothing.
func byChunks[T any](ctx context.Context, ids []int, emails []string, read func([]int, []string) iter.Seq2[[]T, error]) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		switch {
		case ids == nil && emails == nil:
			for page, err := range read(nil, nil) {
				if !yield(page, err) || err != nil {
					return
				}
			}
		case ids != nil:
			for chunk := range chunks(ids, idsPerQuery) {
				for page, err := range read(chunk, nil) {
					if !yield(page, err) || err != nil {
						return
					}
				}
			}
		default:
			for chunk := range chunks(emails, idsPerQuery) {
				for page, err := range read(nil, chunk) {
					if !yield(page, err) || err != nil {
						return
					}
				}
			}
		}
	}
}

func chunks[T any](xs []T, n int) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		for len(xs) > 0 {
			k := min(n, len(xs))
			if !yield(xs[:k]) {
				return
			}
			xs = xs[k:]
		}
	}
}
