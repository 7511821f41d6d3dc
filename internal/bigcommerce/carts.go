package bigcommerce

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

// Cart is a storefront cart. BigCommerce cannot list carts: read one when a webhook names it
// (store/cart/abandoned). A cart lives 30 days from its last change; after that, or once converted to an
// order, reading it fails with ErrNotFound.
type Cart struct {
	ID             string       `json:"id"`
	CustomerID     int          `json:"customer_id"`
	ChannelID      int          `json:"channel_id"`
	Email          string       `json:"email"`
	Currency       string       `json:"currency"`
	TaxIncluded    bool         `json:"tax_included"`
	BaseAmount     money.Amount `json:"base_amount"`
	DiscountAmount money.Amount `json:"discount_amount"`
	CartAmount     money.Amount `json:"cart_amount"`
	Items          []CartItem   `json:"items"` // physical, digital and custom items
	Created        time.Time    `json:"created_time"`
	Updated        time.Time    `json:"updated_time"`
}

// CartItem is a line of a cart.
type CartItem struct {
	ID                string       `json:"id"`
	ProductID         int          `json:"product_id"`
	VariantID         int          `json:"variant_id"`
	SKU               string       `json:"sku"`
	Name              string       `json:"name"`
	URL               string       `json:"url"`
	ImageURL          string       `json:"image_url"`
	Quantity          int          `json:"quantity"`
	ListPrice         money.Amount `json:"list_price"`
	SalePrice         money.Amount `json:"sale_price"`
	ExtendedSalePrice money.Amount `json:"extended_sale_price"`
	Digital           bool         `json:"digital"`
	Custom            bool         `json:"custom"`
}

type cartWire struct {
	Cart
	Currency struct {
		Code string `json:"code"`
	} `json:"currency"`
	Created   v3Time `json:"created_time"`
	Updated   v3Time `json:"updated_time"`
	LineItems struct {
		Physical []CartItem `json:"physical_items"`
		Digital  []CartItem `json:"digital_items"`
		Custom   []CartItem `json:"custom_items"`
	} `json:"line_items"`
}

func (w *cartWire) model() Cart {
	c := w.Cart
	c.Currency, c.Created, c.Updated = w.Currency.Code, w.Created.t, w.Updated.t
	c.Items = append([]CartItem(nil), w.LineItems.Physical...)
	for _, it := range w.LineItems.Digital {
		it.Digital = true
		c.Items = append(c.Items, it)
	}
	for _, it := range w.LineItems.Custom {
		it.Custom = true
		c.Items = append(c.Items, it)
	}
	return c
}

// Cart reads one cart by id.
func (c *Client) Cart(ctx context.Context, id string) (*Cart, error) {
	var resp struct {
		Data cartWire `json:"data"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v3/carts/" + url.PathEscape(id)}, &resp); err != nil {
		return nil, err
	}
	cart := resp.Data.model()
	return &cart, nil
}

// AbandonedCartID resolves the token of a store/cart/abandoned callback (or of an abandoned-cart email
// link) to the cart's id.
func (c *Client) AbandonedCartID(ctx context.Context, token string) (string, error) {
	var resp struct {
		Data struct {
			CartID string `json:"cart_id"`
		} `json:"data"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v3/abandoned-carts/" + url.PathEscape(token)}, &resp); err != nil {
		return "", err
	}
	return resp.Data.CartID, nil
}
