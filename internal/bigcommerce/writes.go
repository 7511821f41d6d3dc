package bigcommerce

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// write is do under the write concurrency limit.
func (c *Client) write(ctx context.Context, r call, out any) error {
	select {
	case c.writes <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.writes }()
	_, err := c.do(ctx, r, out)
	return err
}

// batches sends each group of record indices as one request, at most WriteConcurrency at a time, and
// settles every record: send stores the results of a batch that went through; fail receives each
// record's final error.
//
// A batch refused for its content (400, 409, 422) was written by none of its records. When the answer
// names the bad records ("0.email"), they fail with their own messages and the others are sent again
// as one batch. When it does not (BigCommerce often refuses a batch for one record without saying
// which), the batch is halved and each half sent again, down to single records: one bad record in ten
// costs at most 8 more requests, and each failed record ends with its own answer. Any other failure (a
// 5xx, ErrMaybeApplied, a lost connection, 413) marks every record of the batch with it.
func (c *Client) batches(ctx context.Context, groups [][]int, send func(ctx context.Context, idx []int) error, fail func(i int, err error)) {
	var settle func(idx []int, err error)
	run := func(idx []int) {
		if err := send(ctx, idx); err != nil {
			settle(idx, err)
		}
	}
	settle = func(idx []int, err error) {
		var e *APIError
		if !refusedForContent(err) || !errors.As(err, &e) {
			for _, i := range idx {
				fail(i, err)
			}
			return
		}
		if e.NamesRecords() {
			var rest []int
			for k, i := range idx {
				if _, named := e.Records[k]; named {
					fail(i, e.record(k))
				} else {
					rest = append(rest, i)
				}
			}
			if len(rest) < len(idx) {
				if len(rest) > 0 {
					run(rest)
				}
				return
			}
			// The answer named records this batch does not have: fall back to halving.
		}
		if len(idx) == 1 {
			fail(idx[0], err)
			return
		}
		half := len(idx) / 2
		run(idx[:half])
		run(idx[half:])
	}

	var wg sync.WaitGroup
	for g, idx := range groups {
		select {
		case c.writes <- struct{}{}:
		case <-ctx.Done():
			for _, rest := range groups[g:] {
				for _, i := range rest {
					fail(i, ctx.Err())
				}
			}
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-c.writes }()
			run(idx)
		}()
	}
	wg.Wait()
}

// consecutive groups the indices 0…n-1 in runs of size.
func consecutive(n, size int) [][]int {
	var groups [][]int
	for from := 0; from < n; from += size {
		idx := make([]int, 0, min(size, n-from))
		for i := from; i < min(from+size, n); i++ {
			idx = append(idx, i)
		}
		groups = append(groups, idx)
	}
	return groups
}

// byOwner groups the indices 0…n-1 so that each group holds the records of at most size owners
// (customers), keeping each owner's records together and the input order otherwise: the attribute-value
// and form-field-value endpoints limit a call to 10 customers, not 10 values.
func byOwner(n, size int, owner func(i int) int) [][]int {
	var groups [][]int
	where := map[int]int{} // owner → group
	owners := []int{}      // owners in the open group
	for i := range n {
		o := owner(i)
		if g, ok := where[o]; ok {
			groups[g] = append(groups[g], i)
			continue
		}
		if len(groups) == 0 || len(owners) == size {
			groups = append(groups, nil)
			owners = owners[:0]
		}
		g := len(groups) - 1
		where[o] = g
		owners = append(owners, o)
		groups[g] = append(groups[g], i)
	}
	return groups
}

func refusedForContent(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusConflict || e.Status == http.StatusUnprocessableEntity)
}
