package bigcommerce

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

// orderIn is a v2 order POST or PUT body: products mode (shipping_addresses + products). Pickup
// consignments are not emulated.
type orderIn struct {
	BillingAddress    *billingAddressIn   `json:"billing_address"`
	Products          []orderProductIn    `json:"products"`
	ShippingAddresses []shippingAddressIn `json:"shipping_addresses"`
	Consignments      any                 `json:"consignments"`
	CustomerID        *int                `json:"customer_id"`
	StatusID          *int                `json:"status_id"`
	DateCreated       *string             `json:"date_created"`
	StaffNotes        *string             `json:"staff_notes"`
	CustomerMessage   *string             `json:"customer_message"`
	ExternalSource    *string             `json:"external_source"`
	ExternalID        any                 `json:"external_id"`          // read-only: refused
	ExternalMerchant  any                 `json:"external_merchant_id"` // set on create only
	ExternalOrderID   *string             `json:"external_order_id"`
	PaymentMethod     *string             `json:"payment_method"`
	DiscountAmount    *num                `json:"discount_amount"`
	ShippingCostExTax *num                `json:"shipping_cost_ex_tax"`
	CurrencyCode      *string             `json:"default_currency_code"`
}

type billingAddressIn struct {
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	Company     *string `json:"company"`
	Street1     *string `json:"street_1"`
	Street2     *string `json:"street_2"`
	City        *string `json:"city"`
	State       *string `json:"state"`
	Zip         *string `json:"zip"`
	Country     *string `json:"country"`
	CountryISO2 *string `json:"country_iso2"`
	Phone       *string `json:"phone"`
	Email       *string `json:"email"`
}

type shippingAddressIn struct {
	billingAddressIn
	ShippingMethod string `json:"shipping_method"`
}

type orderProductIn struct {
	ID          *int    `json:"id"` // PUT: the line to change; quantity 0 removes it
	ProductID   *int    `json:"product_id"`
	VariantID   *int    `json:"variant_id"`
	Name        *string `json:"name"`
	SKU         *string `json:"sku"`
	Quantity    *int    `json:"quantity"`
	PriceExTax  *num    `json:"price_ex_tax"`
	PriceIncTax *num    `json:"price_inc_tax"`
}

func (b *billingAddressIn) apply(dst *billingAddress) {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&dst.FirstName, b.FirstName}, {&dst.LastName, b.LastName}, {&dst.Company, b.Company}, {&dst.Street1, b.Street1},
		{&dst.Street2, b.Street2}, {&dst.City, b.City}, {&dst.State, b.State}, {&dst.Zip, b.Zip}, {&dst.Country, b.Country},
		{&dst.CountryISO2, b.CountryISO2}, {&dst.Phone, b.Phone}, {&dst.Email, b.Email}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
}

// checkOrder validates a POST (create) or PUT body, answering 400 with v2 messages.
func (s *Server) checkOrder(w http.ResponseWriter, r *http.Request, in orderIn, create bool) bool {
	errs := map[string]string{}
	if create {
		if in.BillingAddress == nil {
			errs["billing_address"] = "The required field 'billing_address' was not supplied."
		}
		if len(in.Products) == 0 {
			errs["products"] = "The required field 'products' was not supplied."
		}
	}
	if in.Consignments != nil {
		errs["consignments"] = "Consignments are not supported by the emulator; use products and shipping_addresses."
	}
	if in.BillingAddress != nil && (create || in.BillingAddress.Zip != nil) && (in.BillingAddress.Zip == nil || len(strings.TrimSpace(*in.BillingAddress.Zip)) < 2) {
		errs["billing_address.zip"] = "The billing address must include the ZIP code. The ZIP code must be two or more characters."
	}
	if in.ExternalID != nil {
		errs["external_id"] = "The field 'external_id' cannot be written to. Please remove it from your request before trying again."
	}
	if in.ExternalMerchant != nil && !create {
		errs["external_merchant_id"] = "The field 'external_merchant_id' cannot be written to. Please remove it from your request before trying again."
	}
	if in.StatusID != nil && (*in.StatusID < 0 || *in.StatusID >= len(orderStatuses)) {
		errs["status_id"] = fmt.Sprintf("The field 'status_id' is invalid: no order status %d.", *in.StatusID)
	}
	if in.CustomerID != nil && *in.CustomerID != 0 && !s.customers.exists(*in.CustomerID) {
		errs["customer_id"] = fmt.Sprintf("The field 'customer_id' is invalid: no customer %d.", *in.CustomerID)
	}
	if in.DateCreated != nil {
		if _, err := time.Parse(time.RFC1123Z, *in.DateCreated); err != nil {
			errs["date_created"] = "The field 'date_created' must be an RFC-2822 date."
		}
	}
	for i, p := range in.Products {
		key := fmt.Sprintf("products.%d", i)
		switch {
		case p.ID != nil:
			if create {
				errs[key] = "The field 'id' cannot be written to on a new order."
			}
		case p.Quantity == nil || *p.Quantity < 1:
			errs[key] = "The field 'quantity' is required and must be at least 1."
		case p.ProductID != nil:
			if !s.products.exists(*p.ProductID) {
				errs[key] = fmt.Sprintf("The product %d does not exist.", *p.ProductID)
			}
		case p.Name == nil || strings.TrimSpace(*p.Name) == "" || p.PriceExTax == nil || p.PriceIncTax == nil:
			errs[key] = "A custom product needs name, quantity, price_ex_tax and price_inc_tax."
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusBadRequest, "The request is invalid.", errs)
		return false
	}
	return true
}

// lineFor builds a new line item of an order from its request.
func (s *Server) lineFor(orderID, k int, p orderProductIn) orderProduct {
	li := orderProduct{ID: orderID*1000 + k + 1, OrderID: orderID, Quantity: *p.Quantity, Type: "physical"}
	var price, inc money.Amount
	if p.ProductID != nil {
		prod := s.productRecord(*p.ProductID)
		li.ProductID, li.Name, li.SKU = prod.ID, prod.Name, prod.SKU
		li.VariantID = variantID(prod.ID, 0)
		if p.VariantID != nil {
			li.VariantID = *p.VariantID
		}
		price, inc = prod.CalculatedPrice.Amount, prod.CalculatedPrice.Amount
		if prod.Type == "digital" {
			li.Type = "digital"
		}
	}
	if p.Name != nil {
		li.Name = *p.Name
	}
	if p.SKU != nil {
		li.SKU = *p.SKU
	}
	if p.PriceExTax != nil {
		price = p.PriceExTax.Amount
		inc = price
	}
	if p.PriceIncTax != nil {
		inc = p.PriceIncTax.Amount
	}
	li = priceLine(li, price, money.Amount{})
	tax := inc.Sub(price)
	q := int64(li.Quantity)
	li.PriceIncTax, li.PriceTax = money4(inc), money4(tax)
	li.TotalIncTax, li.TotalTax, li.DiscountedTotalIncTax = money4(inc.MulInt(q)), money4(tax.MulInt(q)), money4(inc.MulInt(q))
	return li
}

func orderShipping(o *order) money.Amount { return o.shipping.CostExTax.Amount }

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	var in orderIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkOrder(w, r, in, true) {
		return
	}
	now := s.now()
	created := now
	if in.DateCreated != nil {
		t, _ := time.Parse(time.RFC1123Z, *in.DateCreated)
		created = t.Unix()
	}
	id := s.orders.add(created, now)
	o := &order{ID: id, StatusID: 1, CurrencyID: 1, CurrencyCode: "USD", CurrencyExchangeRate: "1.0000000000",
		DefaultCurrencyID: 1, DefaultCurrencyCode: "USD", OrderSource: "external", ChannelID: 1, PaymentMethod: "Manual",
		TaxProviderID: "BasicTaxProvider", CustomerLocale: "en", DiscountAmount: "0"}
	in.BillingAddress.apply(&o.BillingAddress)
	for k, p := range in.Products {
		o.items = append(o.items, s.lineFor(id, k, p))
	}
	o.shipping.ShippingMethod = "Flat Rate"
	if len(in.ShippingAddresses) > 0 {
		to := in.ShippingAddresses[0]
		o.shipTo = &billingAddress{}
		to.apply(o.shipTo)
		if to.ShippingMethod != "" {
			o.shipping.ShippingMethod = to.ShippingMethod
		}
	}
	s.applyOrder(o, in)
	var shipping money.Amount
	if in.ShippingCostExTax != nil {
		shipping = in.ShippingCostExTax.Amount
	}
	s.finishOrder(o, shipping, money.Amount{})
	s.orderOver[id] = o
	s.emit("store/order/created", dataInt("order", id))
	writeJSON(w, http.StatusOK, s.renderOrder(o, r))
}

// applyOrder writes the scalar fields of a POST or PUT body onto o.
func (s *Server) applyOrder(o *order, in orderIn) {
	if in.CustomerID != nil {
		o.CustomerID = *in.CustomerID
	}
	if in.StatusID != nil {
		o.StatusID = *in.StatusID
	}
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&o.StaffNotes, in.StaffNotes}, {&o.CustomerMessage, in.CustomerMessage}, {&o.ExternalOrderID, in.ExternalOrderID},
		{&o.PaymentMethod, in.PaymentMethod}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if in.ExternalSource != nil {
		v := *in.ExternalSource
		o.ExternalSource = &v
	}
	if in.DiscountAmount != nil {
		o.DiscountAmount = money4(in.DiscountAmount.Amount)
	}
	if in.CurrencyCode != nil {
		o.CurrencyCode, o.DefaultCurrencyCode = *in.CurrencyCode, *in.CurrencyCode
	}
}

// updateOrder is a partial update: omitted fields keep their values; product lines with an id are
// changed (quantity 0 removes them), lines without one are added.
func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request) {
	var in orderIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.orders.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	if !s.checkOrder(w, r, in, false) {
		return
	}
	old := s.orderRecord(id)
	o := *old
	o.items = append([]orderProduct(nil), old.items...)
	o.coupons = append([]orderCoupon(nil), old.coupons...)
	coupon, _ := money.Parse(old.CouponDiscount)
	if in.BillingAddress != nil {
		in.BillingAddress.apply(&o.BillingAddress)
	}
	next := 0
	for _, li := range o.items {
		next = max(next, li.ID-id*1000)
	}
	for _, p := range in.Products {
		if p.ID == nil {
			o.items = append(o.items, s.lineFor(id, next, p))
			next++
			continue
		}
		for k := range o.items {
			if o.items[k].ID != *p.ID {
				continue
			}
			if p.Quantity != nil && *p.Quantity == 0 {
				o.items = append(o.items[:k], o.items[k+1:]...)
				break
			}
			li := o.items[k]
			if p.Quantity != nil {
				li.Quantity = *p.Quantity
			}
			price, _ := money.Parse(li.PriceExTax)
			if p.PriceExTax != nil {
				price = p.PriceExTax.Amount
			}
			o.items[k] = priceLine(li, price, money.Amount{})
			break
		}
	}
	previous := o.StatusID
	s.applyOrder(&o, in)
	s.finishOrder(&o, orderShipping(old), coupon)
	s.orderOver[id] = &o
	s.orders.touch(id, s.now())
	s.emit("store/order/updated", dataInt("order", id))
	if o.StatusID != previous {
		s.emit("store/order/statusUpdated", map[string]any{"type": "order", "id": id,
			"status": map[string]int{"previous_status_id": previous, "new_status_id": o.StatusID}})
	}
	writeJSON(w, http.StatusOK, s.renderOrder(&o, r))
}

// archive marks an order deleted: it leaves lists but stays readable by id with is_deleted true.
func (s *Server) archive(id int) {
	o := *s.orderRecord(id)
	o.IsDeleted = true
	s.orderOver[id] = &o
	s.orders.touch(id, s.now())
	s.orders.unlist(id)
	s.emit("store/order/archived", dataInt("order", id))
}

func (s *Server) archiveOrder(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.orders.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	s.archive(id)
	w.WriteHeader(http.StatusNoContent)
}

// archiveAllOrders is DELETE /v2/orders, which archives every order, as in production.
func (s *Server) archiveAllOrders(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, _ := s.orders.run(query{limit: len(s.orders.state)})
	for _, id := range ids {
		s.archive(id)
	}
	w.WriteHeader(http.StatusNoContent)
}
