package bigcommerce

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// OrdersByExternalID finds the orders whose external_order_id is externalOrderID: GET
// /v2/orders?external_order_id=… (with line items), sorted by id. It is how an order whose creation
// had an unclear outcome (ErrMaybeApplied, or a crash between the POST and noting its id) is found:
// create orders with OrderInput.ExternalOrderID set to a key of the row, and look the key up before
// creating the order again.
//
// Cost: one request (and one more for an order of more than 50 line items). BigCommerce's filter is
// the only lookup of that kind: external_id (in the sort enum) is read-only and set by marketplaces,
// and external_source cannot be filtered on, so without the filter the fallback would be reading the
// recent orders (Orders with CreatedSince), a page per 250 orders.
//
// BigCommerce does not make external_order_id unique, so every match is returned, archived ones
// included when the store lists them (the emulator does not list archived orders). An empty id is
// refused: the filter would then match every order.
func (c *Client) OrdersByExternalID(ctx context.Context, externalOrderID string) ([]Order, error) {
	if strings.TrimSpace(externalOrderID) == "" {
		return nil, fmt.Errorf("%w: an empty external order id would match every order", ErrUnsafe)
	}
	orders, err := All(c.Orders(ctx, OrderQuery{ExternalOrderID: externalOrderID}))
	if err != nil {
		return nil, err
	}
	orders = slices.DeleteFunc(orders, func(o Order) bool { return o.ExternalOrderID != externalOrderID })
	slices.SortFunc(orders, func(a, b Order) int { return a.ID - b.ID })
	return orders, nil
}

// OrderStatusID resolves an order status given by id ("11") or by name ("Awaiting Fulfillment"),
// ignoring case and surrounding space, against the store's statuses (OrderStatuses): the system name,
// the store's custom label and the system label all count, as merchants rename statuses.
func OrderStatusID(statuses []OrderStatus, nameOrID string) (int, error) {
	want := strings.TrimSpace(nameOrID)
	if id, err := strconv.Atoi(want); err == nil {
		if slices.ContainsFunc(statuses, func(s OrderStatus) bool { return s.ID == id }) {
			return id, nil
		}
		return 0, fmt.Errorf("bigcommerce: the store has no order status %d", id)
	}
	for _, s := range statuses {
		for _, label := range []string{s.Name, s.CustomLabel, s.SystemLabel} {
			if label != "" && strings.EqualFold(strings.TrimSpace(label), want) {
				return s.ID, nil
			}
		}
	}
	return 0, fmt.Errorf("bigcommerce: the store has no order status named %q", nameOrID)
}
