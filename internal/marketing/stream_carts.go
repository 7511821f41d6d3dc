package marketing

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const streamCarts = "carts"

// cartsStream handles the carts the store said were abandoned (store/cart/abandoned webhooks): the cart
// goes to the contact's Insight collection CartInsight (key = cart id), and the contact is enrolled in
// the abandoned-cart programme, once per cart. Only carts of contacts bcsync knows are handled: a cart
// of someone who never subscribed or bought is no one bcsync may email.
type cartsStream struct{}

func (cartsStream) name() string { return streamCarts }
func (cartsStream) enabled(rc *runContext) bool {
	events, err := rc.e.store.CartEvents(context.Background(), rc.conn.ID, 1)
	return err == nil && len(events) > 0
}

func (cartsStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	coll := dotdigital.Collection{Name: collectionCarts, Scope: dotdigital.ScopeContact, Type: "cartInsight"}
	for {
		events, err := s.CartEvents(ctx, rc.conn.ID, 100)
		if err != nil || len(events) == 0 {
			return err
		}
		for _, ev := range events {
			rc.run.Count(1, 0, 0, 0)
			if err := rc.abandonedCart(ctx, coll, ev); err != nil {
				return err
			}
			if err := s.DeleteCartEvent(ctx, rc.conn.ID, ev.CartID, ev.ReceivedAt); err != nil {
				return err
			}
		}
		if rc.outOfTime() {
			return errYield
		}
	}
}

func (rc *runContext) abandonedCart(ctx context.Context, coll dotdigital.Collection, ev store.CartEvent) error {
	cart, err := rc.bc.Cart(ctx, ev.CartID)
	if errors.Is(err, bigcommerce.ErrNotFound) {
		rc.run.Skip("the cart became an order or was deleted", 1)
		return nil
	}
	if err != nil {
		return err
	}
	email := normEmail(cart.Email)
	if email == "" && cart.CustomerID > 0 {
		found, err := bigcommerce.All(rc.bc.Customers(ctx, bigcommerce.CustomerQuery{IDs: []int{cart.CustomerID}}))
		if err != nil {
			return err
		}
		if len(found) > 0 {
			email = normEmail(found[0].Email)
		}
	}
	ids, err := rc.e.store.ContactIDs(ctx, rc.conn.ID, []string{email})
	if err != nil {
		return err
	}
	contactID, known := ids[email]
	if email == "" || !known {
		return rc.run.Reject(ctx, streamCarts, store.Rejected{Key: ev.CartID, Email: email, Reason: "NotAContact",
			Detail: "the cart's shopper is not a subscriber or customer bcsync syncs"})
	}
	body, err := json.Marshal(newCartRecord(cart, rc.conn.StoreURL))
	if err != nil {
		return err
	}
	if _, err := rc.dd.UpsertInsightRecord(ctx, coll, dotdigital.InsightRecord{Key: cart.ID, ContactEmail: email, JSON: body}); err != nil {
		var re *dotdigital.APIError
		if errors.As(err, &re) && re.Status < 500 {
			return rc.run.Reject(ctx, streamCarts, store.Rejected{Key: cart.ID, Email: email, Reason: "Refused", Detail: err.Error()})
		}
		return err
	}
	rc.run.Count(0, 1, 0, 0)
	if contactID == 0 {
		d, err := rc.dd.ContactByEmail(ctx, email)
		if err != nil {
			return err
		}
		contactID = d.ContactID
	}
	return rc.enrol(ctx, reasonAbandonedCart, cart.ID, []enrolee{{email: email, contactID: contactID}})
}

type cartRecord struct {
	CartID         string           `json:"cartId"`
	CartURL        string           `json:"cartUrl"`
	CreatedDate    string           `json:"createdDate"`
	ModifiedDate   string           `json:"modifiedDate"`
	Currency       string           `json:"currency"`
	SubTotal       json.Number      `json:"subTotal"`
	DiscountAmount json.Number      `json:"discountAmount"`
	GrandTotal     json.Number      `json:"grandTotal"`
	TaxIncluded    bool             `json:"taxIncluded"`
	LineItems      []cartLineRecord `json:"lineItems"`
	CartPhase      string           `json:"cartPhase"`
}

type cartLineRecord struct {
	ProductID  int         `json:"productId"`
	VariantID  int         `json:"variantId"`
	SKU        string      `json:"sku"`
	Name       string      `json:"name"`
	ProductURL string      `json:"productUrl"`
	ImageURL   string      `json:"imageUrl"`
	UnitPrice  json.Number `json:"unitPrice"`
	SalePrice  json.Number `json:"salePrice"`
	Quantity   int         `json:"quantity"`
	TotalPrice json.Number `json:"totalPrice"`
}

// newCartRecord is an abandoned cart as it is stored in the contact's CartInsight collection.
func newCartRecord(c *bigcommerce.Cart, storeURL string) cartRecord {
	r := cartRecord{CartID: c.ID, CartURL: joinURL(storeURL, "/cart.php"), CreatedDate: isoTime(c.Created), ModifiedDate: isoTime(c.Updated),
		Currency: c.Currency, SubTotal: num(c.BaseAmount), DiscountAmount: num(c.DiscountAmount), GrandTotal: num(c.CartAmount),
		TaxIncluded: c.TaxIncluded, LineItems: make([]cartLineRecord, 0, len(c.Items)), CartPhase: "ORDER_PENDING"}
	for _, it := range c.Items {
		r.LineItems = append(r.LineItems, cartLineRecord{ProductID: it.ProductID, VariantID: it.VariantID, SKU: it.SKU, Name: it.Name,
			ProductURL: it.URL, ImageURL: it.ImageURL, UnitPrice: num(it.ListPrice), SalePrice: num(it.SalePrice), Quantity: it.Quantity,
			TotalPrice: num(it.ExtendedSalePrice)})
	}
	return r
}
