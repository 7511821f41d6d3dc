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

// batches runs send over [0,n) in batches of size, at most WriteConcurrency at a time. A batch refused
// for its content (400, 409, 422) is retried record by record to find the culprits; fail receives each
// record's final error.
func (c *Client) batches(ctx context.Context, n, size int, send func(ctx context.Context, from, to int) error, fail func(i int, err error)) {
	var wg sync.WaitGroup
	for from := 0; from < n; from += size {
		to := min(from+size, n)
		select {
		case c.writes <- struct{}{}:
		case <-ctx.Done():
			for i := from; i < n; i++ {
				fail(i, ctx.Err())
			}
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-c.writes }()
			err := send(ctx, from, to)
			if err == nil {
				return
			}
			if to-from > 1 && refusedForContent(err) {
				for i := from; i < to; i++ {
					if err := send(ctx, i, i+1); err != nil {
						fail(i, err)
					}
				}
				return
			}
			for i := from; i < to; i++ {
				fail(i, err)
			}
		}()
	}
	wg.Wait()
}

func refusedForContent(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusConflict || e.Status == http.StatusUnprocessableEntity)
}
