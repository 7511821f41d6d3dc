package marketing

import (
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// A delivery is read by the stream of the record it names; what only a full read sees (deletions, a
// customer's address, whose id is the address's) asks for one; what bcsync does not sync asks for
// nothing.
func TestEachDeliveryGoesToTheStreamThatReadsItsRecord(t *testing.T) {
	for scope, want := range map[string]string{
		"store/customer/created":                streamCustomers,
		"store/customer/updated":                streamCustomers,
		"store/customer/deleted":                changeFull,
		"store/customer/address/updated":        changeFull,
		"store/subscriber/created":              streamSubscribers,
		"store/subscriber/updated":              streamSubscribers,
		"store/subscriber/deleted":              changeFull,
		"store/order/created":                   streamOrders,
		"store/order/statusUpdated":             streamOrders,
		"store/order/refund/created":            streamOrders,
		"store/order/archived":                  changeFull,
		"store/order/message/created":           "",
		"store/order/transaction/created":       "",
		"store/product/updated":                 streamProducts,
		"store/product/inventory/order/updated": streamProducts,
		"store/product/deleted":                 changeFull,
		"store/product/metafield/created":       "",
		"store/cart/abandoned":                  streamCarts,
		"store/cart/lineItem/updated":           "",
		"store/app/uninstalled":                 changeFull,
	} {
		if got := changeStream(&bigcommerce.Callback{Scope: scope}); got != want {
			t.Errorf("%s: %q, want %q", scope, got, want)
		}
	}
}
