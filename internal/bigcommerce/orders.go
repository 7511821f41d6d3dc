package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

// Order is a v2 order with its line items. Money is exact; dates are UTC.
type Order struct {
	ID            int       `json:"id"`
	CustomerID    int       `json:"customer_id"` // 0 for a guest
	StatusID      int       `json:"status_id"`
	Status        string    `json:"status"`
	PaymentStatus string    `json:"payment_status"`
	PaymentMethod string    `json:"payment_method"`
	DateCreated   time.Time `json:"date_created"`
	DateModified  time.Time `json:"date_modified"`
	DateShipped   time.Time `json:"date_shipped"` // zero until shipped

	SubtotalExTax         money.Amount `json:"subtotal_ex_tax"`
	SubtotalIncTax        money.Amount `json:"subtotal_inc_tax"`
	SubtotalTax           money.Amount `json:"subtotal_tax"`
	ShippingCostExTax     money.Amount `json:"shipping_cost_ex_tax"`
	ShippingCostIncTax    money.Amount `json:"shipping_cost_inc_tax"`
	HandlingCostExTax     money.Amount `json:"handling_cost_ex_tax"`
	HandlingCostIncTax    money.Amount `json:"handling_cost_inc_tax"`
	WrappingCostExTax     money.Amount `json:"wrapping_cost_ex_tax"`
	WrappingCostIncTax    money.Amount `json:"wrapping_cost_inc_tax"`
	TotalExTax            money.Amount `json:"total_ex_tax"`
	TotalIncTax           money.Amount `json:"total_inc_tax"`
	TotalTax              money.Amount `json:"total_tax"`
	DiscountAmount        money.Amount `json:"discount_amount"`
	CouponDiscount        money.Amount `json:"coupon_discount"`
	StoreCreditAmount     money.Amount `json:"store_credit_amount"`
	GiftCertificateAmount money.Amount `json:"gift_certificate_amount"`
	RefundedAmount        money.Amount `json:"refunded_amount"`

	CurrencyCode         string       `json:"currency_code"` // the currency shown to the shopper
	CurrencyExchangeRate money.Amount `json:"currency_exchange_rate"`
	DefaultCurrencyCode  string       `json:"default_currency_code"` // the transactional currency
	ItemsTotal           int          `json:"items_total"`
	ItemsShipped         int          `json:"items_shipped"`

	BillingAddress  OrderAddress `json:"billing_address"`
	ShippingAddress OrderAddress `json:"shipping_address"` // of the first shipping consignment
	ShippingMethod  string       `json:"shipping_method"`  // of the first shipping consignment

	IsDeleted    bool `json:"is_deleted"` // archived
	IsEmailOptIn bool `json:"is_email_opt_in"`
	// IPAddress and IPAddressV6 are the shopper's address at checkout (one of them is set, or neither).
	IPAddress       string `json:"ip_address"`
	IPAddressV6     string `json:"ip_address_v6"`
	OrderSource     string `json:"order_source"`
	ChannelID       int    `json:"channel_id"`
	ExternalSource  string `json:"external_source"`
	ExternalOrderID string `json:"external_order_id"` // writable: bcsync's key of an order it created
	ExternalID      string `json:"external_id"`       // read-only: set by marketplaces (e.g. Amazon)
	CartID          string `json:"cart_id"`
	CustomerMessage string `json:"customer_message"`
	StaffNotes      string `json:"staff_notes"`

	LineItems []LineItem `json:"line_items"`
	// CouponCodes are the codes of the coupons applied to the order's line items, in order, once each.
	CouponCodes []string `json:"coupon_codes,omitempty"`
}

// OrderAddress is a billing or shipping address of an order.
type OrderAddress struct {
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	Company     string `json:"company,omitempty"`
	Street1     string `json:"street_1,omitempty"`
	Street2     string `json:"street_2,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryISO2 string `json:"country_iso2,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Email       string `json:"email,omitempty"`
}

// LineItem is an order product.
type LineItem struct {
	ID               int              `json:"id"`
	ProductID        int              `json:"product_id"` // 0 for a custom product
	VariantID        int              `json:"variant_id"`
	Name             string           `json:"name"`
	SKU              string           `json:"sku"`
	Type             string           `json:"type"` // physical, digital or giftcertificate
	Quantity         int              `json:"quantity"`
	QuantityShipped  int              `json:"quantity_shipped"`
	QuantityRefunded int              `json:"quantity_refunded"`
	BasePrice        money.Amount     `json:"base_price"`
	PriceExTax       money.Amount     `json:"price_ex_tax"`
	PriceIncTax      money.Amount     `json:"price_inc_tax"`
	PriceTax         money.Amount     `json:"price_tax"`
	TotalExTax       money.Amount     `json:"total_ex_tax"`
	TotalIncTax      money.Amount     `json:"total_inc_tax"`
	TotalTax         money.Amount     `json:"total_tax"`
	Brand            string           `json:"brand"`
	Options          []LineItemOption `json:"product_options"`
	Discounts        []Discount       `json:"applied_discounts"`
}

// Discount is a discount applied to a line item; Code is the coupon's, "" for a manual discount.
type Discount struct {
	ID     string       `json:"id"`
	Amount money.Amount `json:"amount"`
	Name   string       `json:"name"`
	Code   string       `json:"code"`
	Target string       `json:"target"` // order or product
}

// UnmarshalJSON reads id as text or number and a null code as "".
func (d *Discount) UnmarshalJSON(b []byte) error {
	var w struct {
		ID     json.RawMessage `json:"id"`
		Amount money.Amount    `json:"amount"`
		Name   string          `json:"name"`
		Code   *string         `json:"code"`
		Target string          `json:"target"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Discount{ID: strings.Trim(string(w.ID), `"`), Amount: w.Amount, Name: w.Name, Target: w.Target}
	if w.Code != nil {
		d.Code = *w.Code
	}
	return nil
}

// couponCodes lists the distinct coupon codes of line items, in order.
func couponCodes(items []LineItem) []string {
	var codes []string
	for _, li := range items {
		for _, d := range li.Discounts {
			if d.Code != "" && !slices.Contains(codes, d.Code) {
				codes = append(codes, d.Code)
			}
		}
	}
	return codes
}

// LineItemOption is a chosen product option, e.g. Size: M.
type LineItemOption struct {
	DisplayName  string `json:"display_name"`
	DisplayValue string `json:"display_value"`
}

// consignment is the part of an order consignment the client reads.
type consignment struct {
	OrderAddress
	ShippingMethod string          `json:"shipping_method"`
	LineItems      []LineItem      `json:"line_items"`
	Warning        json.RawMessage `json:"__warning__"`
}

type consignmentSet struct {
	Pickups   []consignment `json:"pickups"`
	Shipping  []consignment `json:"shipping"`
	Downloads []consignment `json:"downloads"`
	Email     struct {
		GiftCertificates []consignment `json:"gift_certificates"`
	} `json:"email"`
}

// orderWire is an order as v2 writes it with include=consignments.line_items and
// consignment_structure=object (the client always asks for that structure).
type orderWire struct {
	Order
	DateCreated    v2Time          `json:"date_created"`
	DateModified   v2Time          `json:"date_modified"`
	DateShipped    v2Time          `json:"date_shipped"`
	ExternalSource *string         `json:"external_source"`
	ExternalID     *string         `json:"external_id"`
	Consignments   *consignmentSet `json:"consignments"`
}

// inlinedLineItems is how many line items a consignment inlines at most; past it, BigCommerce adds a
// __warning__ (bigcommerce/docs#960).
const inlinedLineItems = 50

// model gathers the line items of every consignment, and the shipping method and address of the first
// shipping consignment. partial is set when a consignment inlined only some of its line items: it
// carries the warning, or it holds exactly as many as are inlined, in case the warning is placed
// elsewhere than we read it (one /products read for such an order is cheap; a lost line is not).
func (w *orderWire) model() (o Order, partial bool) {
	o = w.Order
	o.DateCreated, o.DateModified, o.DateShipped = w.DateCreated.t, w.DateModified.t, w.DateShipped.t
	if w.ExternalSource != nil {
		o.ExternalSource = *w.ExternalSource
	}
	if w.ExternalID != nil {
		o.ExternalID = *w.ExternalID
	}
	set := w.Consignments
	if set == nil {
		return o, false
	}
	for _, group := range [][]consignment{set.Shipping, set.Pickups, set.Downloads, set.Email.GiftCertificates} {
		for _, c := range group {
			o.LineItems = append(o.LineItems, c.LineItems...)
			partial = partial || len(c.Warning) > 0 || len(c.LineItems) >= inlinedLineItems
		}
	}
	if len(set.Shipping) > 0 {
		o.ShippingMethod, o.ShippingAddress = set.Shipping[0].ShippingMethod, set.Shipping[0].OrderAddress
	}
	return o, partial
}

// OrderQuery selects orders; the zero value reads them all, oldest change first. Archived orders are
// not listed.
type OrderQuery struct {
	ModifiedSince time.Time // min_date_modified (inclusive)
	ModifiedUntil time.Time // max_date_modified (inclusive)
	CreatedSince  time.Time // min_date_created
	MinID, MaxID  int
	CustomerID    int // 0: any
	StatusID      *int
	Email         string
	// ExternalOrderID is external_order_id, an exact match (see OrdersByExternalID).
	ExternalOrderID string
	// FirstPage is the page to start at (default 1), for a reader that has the pages before it.
	FirstPage int
}

func (q OrderQuery) values() url.Values {
	v := url.Values{}
	setRange(v, "min_date_modified", "max_date_modified", q.ModifiedSince, q.ModifiedUntil)
	if !q.CreatedSince.IsZero() {
		v.Set("min_date_created", FilterTime(q.CreatedSince))
	}
	setInt := func(name string, n int) {
		if n > 0 {
			v.Set(name, strconv.Itoa(n))
		}
	}
	setInt("min_id", q.MinID)
	setInt("max_id", q.MaxID)
	setInt("customer_id", q.CustomerID)
	if q.StatusID != nil {
		v.Set("status_id", strconv.Itoa(*q.StatusID))
	}
	if q.Email != "" {
		v.Set("email", q.Email)
	}
	if q.ExternalOrderID != "" {
		v.Set("external_order_id", q.ExternalOrderID)
	}
	return v
}

// orderIncludes puts the line items inside each order: one request per page, never one per order.
var orderIncludes = url.Values{"include": {"consignments.line_items"}, "consignment_structure": {"object"}}

// Orders reads orders page by page (250 each), sorted by date_modified ascending, each with all its
// line items. Line items come inline; only an order whose consignment holds more than BigCommerce
// inlines (50, flagged by __warning__) costs extra requests, for its /products.
func (c *Client) Orders(ctx context.Context, q OrderQuery) iter.Seq2[[]Order, error] {
	filters := q.values()
	_, counting := ctx.Value(progressKey{}).(func(Progress))
	return paginate(ctx, c, "orders", q.FirstPage, func(ctx context.Context, n int) ([]Order, int, int, error) {
		query := cloneValues(filters)
		for k, v := range orderIncludes {
			query[k] = v
		}
		query.Set("sort", "date_modified:asc")
		query.Set("page", strconv.Itoa(n))
		query.Set("limit", strconv.Itoa(c.pageSize))
		var wire []orderWire
		if _, err := c.do(ctx, call{method: http.MethodGet, path: "v2/orders", query: query}, &wire); err != nil {
			return nil, 0, 0, err
		}
		page := make([]Order, len(wire))
		for i := range wire {
			var err error
			if page[i], err = c.orderOf(ctx, &wire[i]); err != nil {
				return nil, 0, 0, err
			}
		}
		pages, total := -1, -1
		switch {
		case n != 1:
		case len(page) < c.pageSize:
			total = len(page) // the first page holds them all
		case counting || c.prefetch > 1 && c.limiter.spare() > 2:
			// v2 lists say nothing of their size; one count gives progress its total and lets the
			// rest be read ahead.
			count, err := c.countOrders(ctx, filters)
			if err != nil {
				return nil, 0, 0, err
			}
			pages, total = (count+c.pageSize-1)/c.pageSize, count
		}
		return page, pages, total, nil
	})
}

func (c *Client) countOrders(ctx context.Context, filters url.Values) (int, error) {
	var resp struct {
		Count int `json:"count"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v2/orders/count", query: filters}, &resp); err != nil {
		return 0, err
	}
	return resp.Count, nil
}

// orderOf makes the model of an order, reading its full /products when its consignments inlined only
// part of its line items. Coupon codes come from the line items' applied discounts: no request.
func (c *Client) orderOf(ctx context.Context, w *orderWire) (Order, error) {
	o, partial := w.model()
	if !partial {
		o.CouponCodes = couponCodes(o.LineItems)
		return o, nil
	}
	var all []LineItem
	for n := 1; ; n++ {
		var page []LineItem
		q := url.Values{"page": {strconv.Itoa(n)}, "limit": {strconv.Itoa(MaxPageSize)}}
		if _, err := c.do(ctx, call{method: http.MethodGet, path: fmt.Sprintf("v2/orders/%d/products", o.ID), query: q}, &page); err != nil {
			return o, err
		}
		all = append(all, page...)
		if len(page) < MaxPageSize {
			break
		}
	}
	o.LineItems = all
	o.CouponCodes = couponCodes(all)
	return o, nil
}

// Order reads one order with all its line items and coupon codes; an archived order is returned with
// IsDeleted.
func (c *Client) Order(ctx context.Context, id int) (*Order, error) {
	var w orderWire
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "v2/orders/" + strconv.Itoa(id), query: orderIncludes}, &w); err != nil {
		return nil, err
	}
	o, err := c.orderOf(ctx, &w)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// OrderStatus is one of the store's order statuses (0 Incomplete … 14 Partially Refunded).
type OrderStatus struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	SystemLabel string `json:"system_label"`
	CustomLabel string `json:"custom_label"`
	Description string `json:"system_description"`
}

// OrderStatuses reads the order statuses; they fit in one page.
func (c *Client) OrderStatuses(ctx context.Context) iter.Seq2[[]OrderStatus, error] {
	return func(yield func([]OrderStatus, error) bool) {
		var out []OrderStatus
		_, err := c.do(ctx, call{method: http.MethodGet, path: "v2/order_statuses"}, &out)
		yield(out, err)
	}
}

// OrderInput creates an order in products mode: a billing address and product lines (catalog products
// by ProductID, or custom lines with Name and both prices). Orders made through the API send no email.
type OrderInput struct {
	CustomerID        int                  `json:"customer_id,omitempty"` // 0: a guest
	StatusID          *int                 `json:"status_id,omitempty"`   // BigCommerce defaults to 1 (Pending)
	BillingAddress    OrderAddress         `json:"billing_address"`
	ShippingAddresses []OrderShippingInput `json:"shipping_addresses,omitempty"`
	Products          []OrderProductInput  `json:"products,omitempty"`
	// DateCreated, when set, back-dates an order migrated from elsewhere.
	DateCreated    time.Time `json:"-"`
	ExternalSource string    `json:"external_source,omitempty"` // "M-MIG" keeps migrated orders out of the store's figures
	// ExternalOrderID is the order's id in another system; bcsync puts its own key of the row here, so
	// that OrdersByExternalID finds an order whose creation had an unclear outcome. BigCommerce does
	// not make it unique. (external_id is read-only and cannot be written.)
	ExternalOrderID string        `json:"external_order_id,omitempty"`
	StaffNotes      string        `json:"staff_notes,omitempty"`
	CustomerMessage string        `json:"customer_message,omitempty"`
	PaymentMethod   string        `json:"payment_method,omitempty"`
	DiscountAmount  *money.Amount `json:"discount_amount,omitempty"`
	ShippingCost    *money.Amount `json:"shipping_cost_ex_tax,omitempty"`
}

func (in OrderInput) MarshalJSON() ([]byte, error) {
	type plain OrderInput
	w := struct {
		plain
		DateCreated string `json:"date_created,omitempty"`
	}{plain: plain(in)}
	if !in.DateCreated.IsZero() {
		w.DateCreated = in.DateCreated.UTC().Format(time.RFC1123Z)
	}
	return json.Marshal(w)
}

// OrderShippingInput is where an order ships to, and how.
type OrderShippingInput struct {
	OrderAddress
	ShippingMethod string `json:"shipping_method,omitempty"`
}

// OrderProductInput is a product line. On update, ID names an existing line (Quantity 0 removes it);
// without ID the line is added.
type OrderProductInput struct {
	ID          int           `json:"id,omitempty"`
	ProductID   int           `json:"product_id,omitempty"`
	VariantID   int           `json:"variant_id,omitempty"`
	Name        string        `json:"name,omitempty"`
	SKU         string        `json:"sku,omitempty"`
	Quantity    int           `json:"quantity"`
	PriceExTax  *money.Amount `json:"-"`
	PriceIncTax *money.Amount `json:"-"`
}

// MarshalJSON writes the prices as JSON numbers, which is what order lines take.
func (p OrderProductInput) MarshalJSON() ([]byte, error) {
	type plain OrderProductInput
	w := struct {
		plain
		PriceExTax  *json.Number `json:"price_ex_tax,omitempty"`
		PriceIncTax *json.Number `json:"price_inc_tax,omitempty"`
	}{plain: plain(p)}
	if p.PriceExTax != nil {
		n := p.PriceExTax.Number()
		w.PriceExTax = &n
	}
	if p.PriceIncTax != nil {
		n := p.PriceIncTax.Number()
		w.PriceIncTax = &n
	}
	return json.Marshal(w)
}

// OrderUpdate changes an order partially: nil and empty fields are left alone.
type OrderUpdate struct {
	StatusID        *int                `json:"status_id,omitempty"`
	CustomerID      *int                `json:"customer_id,omitempty"`
	BillingAddress  *OrderAddress       `json:"billing_address,omitempty"`
	Products        []OrderProductInput `json:"products,omitempty"`
	StaffNotes      *string             `json:"staff_notes,omitempty"`
	CustomerMessage *string             `json:"customer_message,omitempty"`
	ExternalOrderID *string             `json:"external_order_id,omitempty"`
	ExternalSource  *string             `json:"external_source,omitempty"`
	PaymentMethod   *string             `json:"payment_method,omitempty"`
	DiscountAmount  *money.Amount       `json:"discount_amount,omitempty"`
}

// CreateOrder creates an order and returns it with its line items. A POST is not repeated after an
// unclear failure: such failures return ErrMaybeApplied; find the order with OrdersByExternalID before
// creating it again. Invalid bodies are ErrInvalid (v2 answers 400 with messages), e.g. an order status
// the store does not have, a billing address without a zip, or a product that does not exist.
func (c *Client) CreateOrder(ctx context.Context, in OrderInput) (*Order, error) {
	var w orderWire
	if err := c.write(ctx, call{method: http.MethodPost, path: "v2/orders", query: orderIncludes, body: in}, &w); err != nil {
		return nil, err
	}
	o, err := c.orderOf(ctx, &w)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// UpdateOrder changes order id partially and returns it.
func (c *Client) UpdateOrder(ctx context.Context, id int, in OrderUpdate) (*Order, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: order id %d", ErrUnsafe, id)
	}
	var w orderWire
	if err := c.write(ctx, call{method: http.MethodPut, path: "v2/orders/" + strconv.Itoa(id), query: orderIncludes, body: in}, &w); err != nil {
		return nil, err
	}
	o, err := c.orderOf(ctx, &w)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// ArchiveOrder archives order id (BigCommerce's DELETE of one order). Archiving every order at once is
// deliberately impossible.
func (c *Client) ArchiveOrder(ctx context.Context, id int) error {
	if id <= 0 {
		return fmt.Errorf("%w: order id %d", ErrUnsafe, id)
	}
	return c.write(ctx, call{method: http.MethodDelete, path: "v2/orders/" + strconv.Itoa(id)}, nil)
}
