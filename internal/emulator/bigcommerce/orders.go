package bigcommerce

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/money"
)

// order is a v2 order as stored; money is exact and written as BigCommerce writes it, a string with four
// decimals. Its line items and shipping consignment are kept beside it and rendered on request.
type order struct {
	ID                     int            `json:"id"`
	CustomerID             int            `json:"customer_id"`
	DateCreated            string         `json:"date_created"`
	DateModified           string         `json:"date_modified"`
	DateShipped            string         `json:"date_shipped"`
	StatusID               int            `json:"status_id"`
	Status                 string         `json:"status"`
	SubtotalExTax          string         `json:"subtotal_ex_tax"`
	SubtotalIncTax         string         `json:"subtotal_inc_tax"`
	SubtotalTax            string         `json:"subtotal_tax"`
	BaseShippingCost       string         `json:"base_shipping_cost"`
	ShippingCostExTax      string         `json:"shipping_cost_ex_tax"`
	ShippingCostIncTax     string         `json:"shipping_cost_inc_tax"`
	ShippingCostTax        string         `json:"shipping_cost_tax"`
	ShippingCostTaxClassID int            `json:"shipping_cost_tax_class_id"`
	BaseHandlingCost       string         `json:"base_handling_cost"`
	HandlingCostExTax      string         `json:"handling_cost_ex_tax"`
	HandlingCostIncTax     string         `json:"handling_cost_inc_tax"`
	HandlingCostTax        string         `json:"handling_cost_tax"`
	BaseWrappingCost       string         `json:"base_wrapping_cost"`
	WrappingCostExTax      string         `json:"wrapping_cost_ex_tax"`
	WrappingCostIncTax     string         `json:"wrapping_cost_inc_tax"`
	WrappingCostTax        string         `json:"wrapping_cost_tax"`
	TotalExTax             string         `json:"total_ex_tax"`
	TotalIncTax            string         `json:"total_inc_tax"`
	TotalTax               string         `json:"total_tax"`
	ItemsTotal             int            `json:"items_total"`
	ItemsShipped           int            `json:"items_shipped"`
	PaymentMethod          string         `json:"payment_method"`
	PaymentProviderID      string         `json:"payment_provider_id"`
	PaymentStatus          string         `json:"payment_status"`
	RefundedAmount         string         `json:"refunded_amount"`
	OrderIsDigital         bool           `json:"order_is_digital"`
	StoreCreditAmount      string         `json:"store_credit_amount"`
	GiftCertificateAmount  string         `json:"gift_certificate_amount"`
	IPAddress              string         `json:"ip_address"`
	IPAddressV6            string         `json:"ip_address_v6"`
	GeoipCountry           string         `json:"geoip_country"`
	GeoipCountryISO2       string         `json:"geoip_country_iso2"`
	CurrencyID             int            `json:"currency_id"`
	CurrencyCode           string         `json:"currency_code"`
	CurrencyExchangeRate   string         `json:"currency_exchange_rate"`
	DefaultCurrencyID      int            `json:"default_currency_id"`
	DefaultCurrencyCode    string         `json:"default_currency_code"`
	StaffNotes             string         `json:"staff_notes"`
	CustomerMessage        string         `json:"customer_message"`
	DiscountAmount         string         `json:"discount_amount"`
	CouponDiscount         string         `json:"coupon_discount"`
	ShippingAddressCount   int            `json:"shipping_address_count"`
	IsDeleted              bool           `json:"is_deleted"`
	IsEmailOptIn           bool           `json:"is_email_opt_in"`
	IsTaxInclusivePricing  bool           `json:"is_tax_inclusive_pricing"`
	OrderSource            string         `json:"order_source"`
	ChannelID              int            `json:"channel_id"`
	ExternalSource         *string        `json:"external_source"`
	ExternalID             *string        `json:"external_id"`
	ExternalOrderID        string         `json:"external_order_id"`
	TaxProviderID          string         `json:"tax_provider_id"`
	CustomerLocale         string         `json:"customer_locale"`
	CartID                 string         `json:"cart_id"`
	BillingAddress         billingAddress `json:"billing_address"`
	Products               resourceLink   `json:"products"`
	ShippingAddresses      resourceLink   `json:"shipping_addresses"`
	Coupons                resourceLink   `json:"coupons"`
	Consignments           any            `json:"consignments,omitempty"`

	items    []orderProduct
	coupons  []orderCoupon
	shipping shippingConsignment // address and costs; line items are added when rendered
	shipTo   *billingAddress     // the shipping address when it differs from the billing address
}

type billingAddress struct {
	FirstName   string      `json:"first_name"`
	LastName    string      `json:"last_name"`
	Company     string      `json:"company"`
	Street1     string      `json:"street_1"`
	Street2     string      `json:"street_2"`
	City        string      `json:"city"`
	State       string      `json:"state"`
	Zip         string      `json:"zip"`
	Country     string      `json:"country"`
	CountryISO2 string      `json:"country_iso2"`
	Phone       string      `json:"phone"`
	Email       string      `json:"email"`
	FormFields  []formField `json:"form_fields"`
}

// orderCoupon is a coupon applied to an order (GET /v2/orders/{id}/coupons).
type orderCoupon struct {
	ID       int    `json:"id"`
	CouponID int    `json:"coupon_id"`
	OrderID  int    `json:"order_id"`
	Code     string `json:"code"`
	Amount   string `json:"amount"`
	Type     int    `json:"type"`
	Discount num    `json:"discount"`
}

var couponCodes = []string{"WELCOME10", "SOMMER24", "VIP-ÉTÉ", "FREESHIP", "BLACKFRIDAY"}

type resourceLink struct {
	URL      string `json:"url"`
	Resource string `json:"resource"`
}

// orderProduct is a line item (orderProducts; the description allows no other properties).
type orderProduct struct {
	ID                    int               `json:"id"`
	OrderID               int               `json:"order_id"`
	ProductID             int               `json:"product_id"`
	VariantID             int               `json:"variant_id"`
	OrderAddressID        int               `json:"order_address_id"`
	Name                  string            `json:"name"`
	NameCustomer          string            `json:"name_customer"`
	NameMerchant          string            `json:"name_merchant"`
	SKU                   string            `json:"sku"`
	UPC                   string            `json:"upc"`
	Type                  string            `json:"type"`
	BasePrice             string            `json:"base_price"`
	PriceExTax            string            `json:"price_ex_tax"`
	PriceIncTax           string            `json:"price_inc_tax"`
	PriceTax              string            `json:"price_tax"`
	BaseTotal             string            `json:"base_total"`
	TotalExTax            string            `json:"total_ex_tax"`
	TotalIncTax           string            `json:"total_inc_tax"`
	TotalTax              string            `json:"total_tax"`
	Weight                string            `json:"weight"`
	Quantity              int               `json:"quantity"`
	BaseCostPrice         string            `json:"base_cost_price"`
	CostPriceIncTax       string            `json:"cost_price_inc_tax"`
	CostPriceExTax        string            `json:"cost_price_ex_tax"`
	CostPriceTax          string            `json:"cost_price_tax"`
	IsRefunded            bool              `json:"is_refunded"`
	QuantityRefunded      int               `json:"quantity_refunded"`
	RefundAmount          string            `json:"refund_amount"`
	ReturnID              int               `json:"return_id"`
	WrappingName          *string           `json:"wrapping_name"`
	BaseWrappingCost      string            `json:"base_wrapping_cost"`
	WrappingCostExTax     string            `json:"wrapping_cost_ex_tax"`
	WrappingCostIncTax    string            `json:"wrapping_cost_inc_tax"`
	WrappingCostTax       string            `json:"wrapping_cost_tax"`
	WrappingMessage       string            `json:"wrapping_message"`
	QuantityShipped       int               `json:"quantity_shipped"`
	EventName             *string           `json:"event_name"`
	EventDate             *string           `json:"event_date"`
	FixedShippingCost     string            `json:"fixed_shipping_cost"`
	EbayItemID            string            `json:"ebay_item_id"`
	EbayTransactionID     string            `json:"ebay_transaction_id"`
	OptionSetID           *int              `json:"option_set_id"`
	ParentOrderProductID  *int              `json:"parent_order_product_id"`
	IsBundledProduct      bool              `json:"is_bundled_product"`
	BinPickingNumber      string            `json:"bin_picking_number"`
	ExternalID            *string           `json:"external_id"`
	Brand                 string            `json:"brand"`
	AppliedDiscounts      []appliedDiscount `json:"applied_discounts"`
	ProductOptions        []productOption   `json:"product_options"`
	ConfigurableFields    []struct{}        `json:"configurable_fields"`
	GiftCertificateID     *int              `json:"gift_certificate_id"`
	DiscountedTotalIncTax string            `json:"discounted_total_inc_tax"`
}

type productOption struct {
	ID              int    `json:"id"`
	OptionID        int    `json:"option_id"`
	OrderProductID  int    `json:"order_product_id"`
	ProductOptionID int    `json:"product_option_id"`
	DisplayName     string `json:"display_name"`
	DisplayValue    string `json:"display_value"`
	Value           string `json:"value"`
	Type            string `json:"type"`
	Name            string `json:"name"`
	DisplayStyle    string `json:"display_style"`
}

// shippingConsignment is one shipping consignment of include=consignments (object structure).
type shippingConsignment struct {
	ID                     int          `json:"id"`
	FirstName              string       `json:"first_name"`
	LastName               string       `json:"last_name"`
	Company                string       `json:"company"`
	Street1                string       `json:"street_1"`
	Street2                string       `json:"street_2"`
	City                   string       `json:"city"`
	Zip                    string       `json:"zip"`
	Country                string       `json:"country"`
	CountryISO2            string       `json:"country_iso2"`
	State                  string       `json:"state"`
	Email                  string       `json:"email"`
	Phone                  string       `json:"phone"`
	FormFields             []formField  `json:"form_fields"`
	LineItems              any          `json:"line_items"` // []orderProduct, or links without the include
	ItemsTotal             int          `json:"items_total"`
	ItemsShipped           int          `json:"items_shipped"`
	ShippingMethod         string       `json:"shipping_method"`
	BaseCost               num          `json:"base_cost"`
	CostExTax              num          `json:"cost_ex_tax"`
	CostIncTax             num          `json:"cost_inc_tax"`
	CostTax                num          `json:"cost_tax"`
	CostTaxClassID         int          `json:"cost_tax_class_id"`
	BaseHandlingCost       num          `json:"base_handling_cost"`
	HandlingCostExTax      num          `json:"handling_cost_ex_tax"`
	HandlingCostIncTax     num          `json:"handling_cost_inc_tax"`
	HandlingCostTax        num          `json:"handling_cost_tax"`
	HandlingCostTaxClassID int          `json:"handling_cost_tax_class_id"`
	ShippingZoneID         int          `json:"shipping_zone_id"`
	ShippingZoneName       string       `json:"shipping_zone_name"`
	ShippingQuotes         resourceLink `json:"shipping_quotes"`
	Warning                *warning     `json:"__warning__,omitempty"`
}

type warning struct {
	Message string `json:"message"`
}

type consignments struct {
	Pickups   []struct{}            `json:"pickups"`
	Shipping  []shippingConsignment `json:"shipping"`
	Downloads []struct{}            `json:"downloads"`
	Email     struct {
		GiftCertificates []struct{} `json:"gift_certificates"`
	} `json:"email"`
}

// consignmentLineItems is how many line items a consignment inlines; BigCommerce documents nothing,
// but answers with a __warning__ past 50 (bigcommerce/docs#960).
const consignmentLineItems = 50

var orderStatuses = []string{
	"Incomplete", "Pending", "Shipped", "Partially Shipped", "Refunded", "Cancelled", "Declined",
	"Awaiting Payment", "Awaiting Pickup", "Awaiting Shipment", "Completed", "Awaiting Fulfillment",
	"Manual Verification Required", "Disputed", "Partially Refunded",
}

var paymentStatusOf = map[int]string{0: "", 1: "pending", 4: "refunded", 5: "void", 6: "declined", 7: "pending", 13: "captured", 14: "partially refunded"}

func money4(a money.Amount) string { return a.Fixed(4) }

// orderHead is the cheap part of a generated order, enough for list filters.
type orderHead struct {
	customerID int
	statusID   int
	first      name
	last       name
	email      string
}

// genOrderHead decides who placed generated order id: seven in ten a customer, the rest guests, a
// third of whom used an email that is on the newsletter list. The first fifteen orders take each status
// in turn, so that every status appears in any store of fifteen orders or more.
func (s *Server) genOrderHead(id int) orderHead {
	r := newRNG(s.cfg.Seed, streamOrder, id)
	h := orderHead{}
	switch {
	case id <= len(orderStatuses):
		h.statusID = id - 1
	default:
		weights := []int{10, 10, 10, 11, 11, 2, 2, 9, 1, 5, 7, 0, 3, 4, 12, 13, 14, 6, 8}
		h.statusID = pick(&r, weights)
	}
	if s.cfg.Customers > 0 && r.chance(70) {
		h.customerID = r.between(1, s.cfg.Customers)
		h.first, h.last, h.email = s.genCustomerPerson(h.customerID)
		return h
	}
	if s.cfg.Subscribers > 0 && r.chance(33) {
		p := s.genSubscriberPerson(r.between(1, s.cfg.Subscribers))
		h.first, h.last, h.email = p.first, p.last, p.email
		return h
	}
	h.first, h.last = pick(&r, firstNames), pick(&r, lastNames)
	h.email = emailFor(&r, h.first.ascii+"."+h.last.ascii, id, ".guest")
	return h
}

// bigOrder marks the few orders with more line items than a consignment inlines: two in a store of
// two thousand, one in five thousand beyond.
func bigOrder(id int) bool { return id%5000 == 17 || id == 1517 }

func (s *Server) genOrder(id int) *order {
	h := s.genOrderHead(id)
	r := newRNG(s.cfg.Seed, streamOrderItems, id)
	p := pick(&r, places)
	o := &order{
		ID: id, CustomerID: h.customerID, StatusID: h.statusID,
		PaymentMethod: pick(&r, paymentMethods), CurrencyID: 1, CurrencyCode: "USD", CurrencyExchangeRate: "1.0000000000",
		DefaultCurrencyID: 1, DefaultCurrencyCode: "USD", OrderSource: "www", ChannelID: 1,
		IPAddress: fmt.Sprintf("198.51.100.%d", r.intn(255)), GeoipCountry: p.country, GeoipCountryISO2: p.iso2,
		IsEmailOptIn: r.chance(40), TaxProviderID: "BasicTaxProvider", CustomerLocale: "en",
		BillingAddress: billingAddress{
			FirstName: h.first.text, LastName: h.last.text, Street1: fmt.Sprintf("%s %d", pick(&r, streets), r.between(1, 200)),
			City: p.city, State: p.state, Zip: p.postal, Country: p.country, CountryISO2: p.iso2,
			Phone: fmt.Sprintf("+%d %04d %04d", r.between(1, 99), r.intn(10000), r.intn(10000)), Email: h.email,
		},
	}
	switch r.intn(10) {
	case 0:
		o.CurrencyCode, o.CurrencyExchangeRate, o.CurrencyID = "EUR", "0.9200000000", 2
	case 1:
		o.CurrencyCode, o.CurrencyExchangeRate, o.CurrencyID = "GBP", "0.7900000000", 3
	}
	if r.chance(8) {
		o.CustomerMessage = "Bitte klingeln — 2. Stock"
	}
	n := r.between(1, 6)
	if bigOrder(id) {
		n = r.between(consignmentLineItems+1, 120)
	}
	for k := range n {
		o.items = append(o.items, s.genLineItem(&r, id, k))
	}
	o.shipping = shippingConsignment{ShippingMethod: pick(&r, shippingMethods)}
	shipping := money.Amount{}
	if o.shipping.ShippingMethod != "Free Shipping" {
		shipping = r.cents(4, 15)
	}
	var coupon money.Amount
	if r.chance(20) {
		subtotal := sumItems(o.items, func(li orderProduct) string { return li.TotalExTax })
		coupon = subtotal.DivInt(10, 2)
		k := r.intn(len(couponCodes))
		o.coupons = []orderCoupon{{ID: id, CouponID: k + 1, OrderID: id, Code: couponCodes[k], Amount: money4(coupon), Type: 1, Discount: amount(coupon)}}
		// As BigCommerce does, an order-level coupon shows on each line item in proportion to its price.
		for i := range o.items {
			share := money.MustParse(o.items[i].TotalExTax).DivInt(10, 4)
			o.items[i].AppliedDiscounts = []appliedDiscount{{ID: "coupon", Amount: money4(share), Name: couponCodes[k], Code: &couponCodes[k], Target: "order"}}
		}
	}
	s.finishOrder(o, shipping, coupon)
	return o
}

// taxRates are the rates generated prices carry.
var taxRates = []money.Amount{money.MustParse("0"), money.MustParse("0.1"), money.MustParse("0.2")}

func (s *Server) genLineItem(r *rng, orderID, k int) orderProduct {
	qty := r.between(1, 3)
	rate := pick(r, taxRates)
	li := orderProduct{ID: orderID*1000 + k + 1, OrderID: orderID, Quantity: qty, Type: "physical"}
	if s.cfg.Products == 0 {
		li.Name, li.SKU = "Custom engraving", ""
		return priceLine(li, r.cents(5, 40), rate)
	}
	pid := r.between(1, s.cfg.Products)
	b := s.genProductBasics(pid)
	li.ProductID, li.VariantID, li.Name, li.SKU = pid, variantID(pid, r.intn(b.variants)), b.name, b.sku
	if b.digital {
		li.Type = "digital"
	}
	if b.variants > 1 {
		size := sizes[li.VariantID-variantID(pid, 0)]
		li.ProductOptions = []productOption{{ID: li.ID, OptionID: 7, OrderProductID: li.ID, ProductOptionID: 7,
			DisplayName: "Größe", DisplayValue: size, Value: size, Type: "Multiple choice", Name: "Größe", DisplayStyle: "Rectangle"}}
	}
	return priceLine(li, b.price, rate)
}

// priceLine fills a line item's money from its unit price before tax.
func priceLine(li orderProduct, price, rate money.Amount) orderProduct {
	tax := price.Mul(rate).Round(2)
	inc := price.Add(tax)
	q := int64(li.Quantity)
	li.NameCustomer, li.NameMerchant = li.Name, li.Name
	li.BasePrice, li.PriceExTax, li.PriceIncTax, li.PriceTax = money4(price), money4(price), money4(inc), money4(tax)
	li.BaseTotal, li.TotalExTax, li.TotalIncTax, li.TotalTax = money4(price.MulInt(q)), money4(price.MulInt(q)), money4(inc.MulInt(q)), money4(tax.MulInt(q))
	li.DiscountedTotalIncTax = li.TotalIncTax
	zero := money4(money.Amount{})
	li.BaseCostPrice, li.CostPriceIncTax, li.CostPriceExTax, li.CostPriceTax = zero, zero, zero, zero
	li.RefundAmount, li.BaseWrappingCost, li.WrappingCostExTax, li.WrappingCostIncTax, li.WrappingCostTax = zero, zero, zero, zero, zero
	li.FixedShippingCost, li.Weight = zero, "0.5000"
	li.AppliedDiscounts, li.ConfigurableFields = []appliedDiscount{}, []struct{}{}
	if li.ProductOptions == nil {
		li.ProductOptions = []productOption{}
	}
	return li
}

// appliedDiscount is a discount on a line item: a coupon (with its code) or a manual discount (none).
type appliedDiscount struct {
	ID     string  `json:"id"`
	Amount string  `json:"amount"`
	Name   string  `json:"name"`
	Code   *string `json:"code"`
	Target string  `json:"target"`
}

func sumItems(items []orderProduct, field func(orderProduct) string) money.Amount {
	var total money.Amount
	for _, li := range items {
		total = total.Add(money.MustParse(field(li)))
	}
	return total
}

// finishOrder derives an order's totals from its line items, shipping and discounts, exactly.
func (s *Server) finishOrder(o *order, shipping, coupon money.Amount) {
	subEx := sumItems(o.items, func(li orderProduct) string { return li.TotalExTax })
	subInc := sumItems(o.items, func(li orderProduct) string { return li.TotalIncTax })
	discount, _ := money.Parse(o.DiscountAmount)
	zero := money.Amount{}
	o.SubtotalExTax, o.SubtotalIncTax, o.SubtotalTax = money4(subEx), money4(subInc), money4(subInc.Sub(subEx))
	o.BaseShippingCost, o.ShippingCostExTax, o.ShippingCostIncTax, o.ShippingCostTax = money4(shipping), money4(shipping), money4(shipping), money4(zero)
	o.BaseHandlingCost, o.HandlingCostExTax, o.HandlingCostIncTax, o.HandlingCostTax = money4(zero), money4(zero), money4(zero), money4(zero)
	o.BaseWrappingCost, o.WrappingCostExTax, o.WrappingCostIncTax, o.WrappingCostTax = money4(zero), money4(zero), money4(zero), money4(zero)
	o.CouponDiscount, o.DiscountAmount = money4(coupon), money4(discount)
	totalEx := subEx.Add(shipping).Sub(coupon).Sub(discount)
	totalInc := subInc.Add(shipping).Sub(coupon).Sub(discount)
	o.TotalExTax, o.TotalIncTax, o.TotalTax = money4(totalEx), money4(totalInc), money4(totalInc.Sub(totalEx))
	o.RefundedAmount, o.StoreCreditAmount, o.GiftCertificateAmount = money4(zero), money4(zero), money4(zero)
	if o.StatusID == 4 {
		o.RefundedAmount = o.TotalIncTax
	}
	o.ItemsTotal = 0
	digital := true
	for _, li := range o.items {
		o.ItemsTotal += li.Quantity
		digital = digital && li.Type == "digital"
	}
	o.OrderIsDigital = digital && len(o.items) > 0
	o.Status = orderStatuses[o.StatusID]
	o.PaymentStatus = paymentStatusOf[o.StatusID]
	if _, ok := paymentStatusOf[o.StatusID]; !ok {
		o.PaymentStatus = "captured"
	}
	switch o.StatusID {
	case 2, 10:
		o.ItemsShipped = o.ItemsTotal
	case 3:
		o.ItemsShipped = o.ItemsTotal / 2
	default:
		o.ItemsShipped = 0
	}
	o.ShippingAddressCount = 1
	b := o.BillingAddress
	if o.shipTo != nil {
		b = *o.shipTo
	}
	sh := &o.shipping
	sh.FirstName, sh.LastName, sh.Company, sh.Street1, sh.Street2 = b.FirstName, b.LastName, b.Company, b.Street1, b.Street2
	sh.City, sh.Zip, sh.Country, sh.CountryISO2, sh.State, sh.Email, sh.Phone = b.City, b.Zip, b.Country, b.CountryISO2, b.State, b.Email, b.Phone
	sh.ItemsTotal, sh.ItemsShipped = o.ItemsTotal, o.ItemsShipped
	sh.BaseCost, sh.CostExTax, sh.CostIncTax, sh.CostTax = amount(shipping), amount(shipping), amount(shipping), amount(zero)
	sh.BaseHandlingCost, sh.HandlingCostExTax, sh.HandlingCostIncTax, sh.HandlingCostTax = amount(zero), amount(zero), amount(zero), amount(zero)
	sh.ShippingZoneID, sh.ShippingZoneName = 1, b.Country
}

func (s *Server) orderRecord(id int) *order {
	if o, ok := s.orderOver[id]; ok {
		return o
	}
	return s.genOrder(id)
}

// renderOrder gives the wire form of o: dates as RFC-2822, sub-resource links, and consignments
// when included.
func (s *Server) renderOrder(o *order, r *http.Request) order {
	out := *o
	i := o.ID - 1
	out.DateCreated, out.DateModified = v2Time(s.orders.created[i]), v2Time(s.orders.mod[i])
	if o.ItemsShipped > 0 {
		out.DateShipped = v2Time(s.orders.mod[i])
	}
	if out.BillingAddress.FormFields == nil {
		out.BillingAddress.FormFields = []formField{}
	}
	base := s.APIPath("https://api.bigcommerce.com") + "v2"
	link := func(sub string) resourceLink {
		res := fmt.Sprintf("/orders/%d/%s", o.ID, sub)
		return resourceLink{URL: base + res, Resource: res}
	}
	out.Products, out.ShippingAddresses, out.Coupons = link("products"), link("shipping_addresses"), link("coupons")
	include := stringList(r.URL.Query(), "include")
	if slices.Contains(include, "consignments") || slices.Contains(include, "consignments.line_items") {
		sh := o.shipping
		sh.ID = o.ID
		sh.FormFields = []formField{}
		sh.ShippingQuotes = link(fmt.Sprintf("consignments/shipping/%d/shipping_quotes", o.ID))
		if slices.Contains(include, "consignments.line_items") {
			sh.LineItems = o.items
			if len(o.items) > consignmentLineItems {
				sh.LineItems = o.items[:consignmentLineItems]
				sh.Warning = &warning{Message: "Not all line items of this consignment are returned with this response, only 50 are included. Please use the `/v2/orders/{order_id}/products` endpoint to fetch all line items."}
			}
		} else {
			refs := make([]resourceLink, len(o.items))
			for k, li := range o.items {
				refs[k] = link(fmt.Sprintf("products/%d", li.ID))
			}
			sh.LineItems = refs
		}
		c := consignments{Pickups: []struct{}{}, Shipping: []shippingConsignment{sh}, Downloads: []struct{}{}}
		c.Email.GiftCertificates = []struct{}{}
		if r.URL.Query().Get("consignment_structure") == "object" {
			out.Consignments = c
		} else {
			out.Consignments = []consignments{c} // the legacy array structure
		}
	}
	return out
}

// orderQuery reads the filters shared by the list and the count.
func (s *Server) orderQuery(w http.ResponseWriter, r *http.Request, q *query) bool {
	values := r.URL.Query()
	if !s.timeFilters(w, r, q, map[string]*int64{
		"min_date_modified": &q.modMin, "max_date_modified": &q.modMax,
		"min_date_created": &q.createdMin, "max_date_created": &q.createdMax,
	}, false) {
		return false
	}
	ints := map[string]*int{"min_id": &q.idMin, "max_id": &q.idMax}
	var customerID, statusID = -1, -1
	ints["customer_id"], ints["status_id"] = &customerID, &statusID
	for name, dst := range ints {
		if v := values.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				s.invalidParam(w, r, name, name+" must be an integer")
				return false
			}
			*dst = n
		}
	}
	email, external := values.Get("email"), values.Get("external_order_id")
	if customerID >= 0 || statusID >= 0 || email != "" || external != "" {
		q.keep = func(id int) bool {
			var cust, status int
			var mail, ext string
			if o, ok := s.orderOver[id]; ok {
				cust, status, mail, ext = o.CustomerID, o.StatusID, o.BillingAddress.Email, o.ExternalOrderID
			} else {
				h := s.genOrderHead(id)
				cust, status, mail = h.customerID, h.statusID, h.email
			}
			return (customerID < 0 || cust == customerID) && (statusID < 0 || status == statusID) &&
				(email == "" || strings.EqualFold(mail, email)) && (external == "" || ext == external)
		}
	}
	return true
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	q := query{offset: (page - 1) * limit, limit: limit}
	field, dir, _ := strings.Cut(r.URL.Query().Get("sort"), ":")
	switch field {
	case "date_modified":
		q.byMod = true
	case "", "id", "date_created":
		// Creation order is id order.
	default:
		// Other sorts are not emulated: id order.
	}
	q.desc = dir == "desc"
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.orderQuery(w, r, &q) {
		return
	}
	ids, _ := s.orders.run(q)
	if len(ids) == 0 {
		// v2 answers an empty page with 204 and no body.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	out := make([]order, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.renderOrder(s.orderRecord(id), r))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) countOrders(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q := query{limit: 0}
	if !s.orderQuery(w, r, &q) {
		return
	}
	type statusCount struct {
		ID                int    `json:"id"`
		Name              string `json:"name"`
		SystemLabel       string `json:"system_label"`
		CustomLabel       string `json:"custom_label"`
		SystemDescription string `json:"system_description"`
		Count             int    `json:"count"`
		SortOrder         int    `json:"sort_order"`
	}
	counts := make([]int, len(orderStatuses))
	keep := q.keep
	q.keep = func(id int) bool {
		if keep != nil && !keep(id) {
			return false
		}
		if o, ok := s.orderOver[id]; ok {
			counts[o.StatusID]++
		} else {
			counts[s.genOrderHead(id).statusID]++
		}
		return true
	}
	_, total := s.orders.run(q)
	out := struct {
		Statuses []statusCount `json:"statuses"`
		Count    int           `json:"count"`
	}{Count: total}
	for id, name := range orderStatuses {
		out.Statuses = append(out.Statuses, statusCount{ID: id, Name: name, SystemLabel: name, CustomLabel: name,
			SystemDescription: name, Count: counts[id], SortOrder: id})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := pathID(r)
	if !ok || !s.orders.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
		return
	}
	writeJSON(w, http.StatusOK, s.renderOrder(s.orderRecord(id), r))
}

// listOrderPart serves a v2 list that belongs to one order (its products, its coupons), a page at a
// time, with 204 past the end as v2 answers.
func listOrderPart[T any](s *Server, part func(*order) []T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, limit, ok := s.paging(w, r)
		if !ok {
			return
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		id, ok := pathID(r)
		if !ok || !s.orders.exists(id) {
			s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
			return
		}
		all := part(s.orderRecord(id))
		from := min((page-1)*limit, len(all))
		to := min(from+limit, len(all))
		if from == to {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, all[from:to])
	}
}

func (s *Server) listOrderStatuses(w http.ResponseWriter, r *http.Request) {
	type status struct {
		ID                int    `json:"id"`
		Name              string `json:"name"`
		SystemLabel       string `json:"system_label"`
		CustomLabel       string `json:"custom_label"`
		SystemDescription string `json:"system_description"`
		Order             int    `json:"order"`
	}
	out := make([]status, len(orderStatuses))
	for id, name := range orderStatuses {
		out[id] = status{ID: id, Name: name, SystemLabel: name, CustomLabel: name, SystemDescription: name, Order: id}
	}
	writeJSON(w, http.StatusOK, out)
}
