package bigcommerce

import (
	"context"
	"net/http"
	"net/url"
)

// Counting costs one request per collection: a v3 list says its size in meta.pagination.total (asked
// for with limit=1, so the page is small), and v2 orders have /orders/count, which takes the list's
// filters. Progress uses counts to show "n of N" and the time a read will take.

// CountCustomers is how many customers Customers would read for q's date range (ids and emails are
// not counted: such reads are small).
func (c *Client) CountCustomers(ctx context.Context, q CustomerQuery) (int, error) {
	return c.countV3(ctx, "v3/customers", q.filters())
}

// CountSubscribers is how many subscribers Subscribers would read for q's date range and email.
func (c *Client) CountSubscribers(ctx context.Context, q SubscriberQuery) (int, error) {
	return c.countV3(ctx, "v3/customers/subscribers", q.filters())
}

// CountProducts is how many products Products would read for q's date range and visibility.
func (c *Client) CountProducts(ctx context.Context, q ProductQuery) (int, error) {
	return c.countV3(ctx, "v3/catalog/products", q.filters())
}

// CountOrders is how many orders Orders would read for q.
func (c *Client) CountOrders(ctx context.Context, q OrderQuery) (int, error) {
	return c.countOrders(ctx, q.values())
}

func (c *Client) countV3(ctx context.Context, path string, filters url.Values) (int, error) {
	q := cloneValues(filters)
	q.Set("page", "1")
	q.Set("limit", "1")
	var page v3List[struct{}]
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path, query: q}, &page); err != nil {
		return 0, err
	}
	return page.Meta.Pagination.Total, nil
}

// PageSize is how many records a list request reads.
func (c *Client) PageSize() int { return c.pageSize }

// RequestRate is how many requests per second this client's share of the store's quota allows over
// time (0 until a response has said the store's quota): what paces a long read.
func (c *Client) RequestRate() float64 {
	l := c.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quota == 0 || l.window <= 0 {
		return 0
	}
	return float64(l.budget()) / (l.window + l.margin()).Seconds()
}
