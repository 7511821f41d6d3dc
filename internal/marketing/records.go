package marketing

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// Insight collections bcsync writes (see docs/records.md for the record shapes).
const (
	collectionOrders  = "Orders"
	collectionCatalog = "Catalog_Default"
	collectionCarts   = "CartInsight"
)

// Every field keeps one JSON type in every record (Dotdigital refuses a collection whose field types
// change): money is always a number, dates are always ISO 8601 text, absent text is "".

type orderRecord struct {
	ID              int               `json:"id"`
	Email           string            `json:"email"`
	PurchaseDate    string            `json:"purchaseDate"`
	ModifiedDate    string            `json:"modifiedDate"`
	Status          string            `json:"status"`
	StatusID        int               `json:"statusId"`
	Currency        string            `json:"currency"`
	OrderSubtotal   json.Number       `json:"orderSubtotal"`
	ShippingTotal   json.Number       `json:"shippingTotal"`
	TaxTotal        json.Number       `json:"taxTotal"`
	DiscountAmount  json.Number       `json:"discountAmount"`
	CouponDiscount  json.Number       `json:"couponDiscount"`
	OrderTotal      json.Number       `json:"orderTotal"`
	OrderTotalExTax json.Number       `json:"orderTotalExTax"`
	CouponCode      string            `json:"couponCode"`
	PaymentMethod   string            `json:"paymentMethod"`
	DeliveryMethod  string            `json:"deliveryMethod"`
	CustomerID      int               `json:"customerId"`
	IsGuest         bool              `json:"isGuest"`
	BillingAddress  addressRecord     `json:"billingAddress"`
	DeliveryAddress addressRecord     `json:"deliveryAddress"`
	Products        []orderLineRecord `json:"products"`
}

type addressRecord struct {
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Company     string `json:"company"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Postcode    string `json:"postcode"`
	Country     string `json:"country"`
	CountryCode string `json:"countryCode"`
	Phone       string `json:"phone"`
}

type orderLineRecord struct {
	ProductID  int         `json:"productId"`
	VariantID  int         `json:"variantId"`
	Name       string      `json:"name"`
	SKU        string      `json:"sku"`
	Quantity   int         `json:"qty"`
	Price      json.Number `json:"price"`
	PriceExTax json.Number `json:"priceExTax"`
	Total      json.Number `json:"total"`
	Type       string      `json:"type"`
	Brand      string      `json:"brand"`
	Options    string      `json:"options"`
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func num(a money.Amount) json.Number { return a.Number() }

func orderAddress(a bigcommerce.OrderAddress) addressRecord {
	return addressRecord{FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Street1, Address2: a.Street2,
		City: a.City, State: a.State, Postcode: a.Zip, Country: a.Country, CountryCode: a.CountryISO2, Phone: a.Phone}
}

// newOrderRecord is an order as it is stored in the contact's Insight collection Orders.
func newOrderRecord(o *bigcommerce.Order) orderRecord {
	r := orderRecord{
		ID: o.ID, Email: normEmail(o.BillingAddress.Email), PurchaseDate: isoTime(o.DateCreated), ModifiedDate: isoTime(o.DateModified),
		Status: o.Status, StatusID: o.StatusID, Currency: o.CurrencyCode,
		OrderSubtotal: num(o.SubtotalIncTax), ShippingTotal: num(o.ShippingCostIncTax), TaxTotal: num(o.TotalTax),
		DiscountAmount: num(o.DiscountAmount), CouponDiscount: num(o.CouponDiscount),
		OrderTotal: num(o.TotalIncTax), OrderTotalExTax: num(o.TotalExTax), CouponCode: strings.Join(o.CouponCodes, ","),
		PaymentMethod: o.PaymentMethod, DeliveryMethod: o.ShippingMethod, CustomerID: o.CustomerID, IsGuest: o.CustomerID == 0,
		BillingAddress: orderAddress(o.BillingAddress), DeliveryAddress: orderAddress(o.ShippingAddress),
		Products: make([]orderLineRecord, 0, len(o.LineItems)),
	}
	if r.Currency == "" {
		r.Currency = o.DefaultCurrencyCode
	}
	for _, li := range o.LineItems {
		opts := make([]string, 0, len(li.Options))
		for _, op := range li.Options {
			opts = append(opts, op.DisplayName+": "+op.DisplayValue)
		}
		r.Products = append(r.Products, orderLineRecord{
			ProductID: li.ProductID, VariantID: li.VariantID, Name: li.Name, SKU: li.SKU, Quantity: li.Quantity,
			Price: num(li.PriceIncTax), PriceExTax: num(li.PriceExTax), Total: num(li.TotalIncTax), Type: li.Type, Brand: li.Brand,
			Options: strings.Join(opts, "; "),
		})
	}
	return r
}

type productRecord struct {
	ID              int             `json:"id"`
	Name            string          `json:"name"`
	SKU             string          `json:"sku"`
	Type            string          `json:"type"`
	Price           json.Number     `json:"price"`
	SalePrice       json.Number     `json:"salePrice"`
	RetailPrice     json.Number     `json:"retailPrice"`
	CalculatedPrice json.Number     `json:"calculatedPrice"`
	URL             string          `json:"url"`
	ImageURL        string          `json:"imageUrl"`
	ThumbnailURL    string          `json:"thumbnailUrl"`
	Categories      []int           `json:"categories"`
	BrandID         int             `json:"brandId"`
	Stock           int             `json:"stock"`
	Availability    string          `json:"availability"`
	CreatedDate     string          `json:"createdDate"`
	ModifiedDate    string          `json:"modifiedDate"`
	Variants        []variantRecord `json:"variants"`
}

type variantRecord struct {
	ID    int         `json:"id"`
	SKU   string      `json:"sku"`
	Price json.Number `json:"price"`
	Stock int         `json:"stock"`
}

// newProductRecord is a visible product as it is stored in the account's Insight collection
// Catalog_Default. storeURL makes the product's path a link.
func newProductRecord(p *bigcommerce.Product, storeURL string) productRecord {
	r := productRecord{
		ID: p.ID, Name: p.Name, SKU: p.SKU, Type: p.Type, Price: num(p.Price), SalePrice: num(p.SalePrice), RetailPrice: num(p.RetailPrice),
		CalculatedPrice: num(p.CalculatedPrice), URL: joinURL(storeURL, p.CustomURL.URL), Categories: append([]int{}, p.Categories...),
		BrandID: p.BrandID, Stock: p.InventoryLevel, Availability: p.Availability, CreatedDate: isoTime(p.DateCreated),
		ModifiedDate: isoTime(p.DateModified), Variants: make([]variantRecord, 0, len(p.Variants)),
	}
	sort.Ints(r.Categories)
	if img := mainImage(p.Images); img != nil {
		r.ImageURL, r.ThumbnailURL = img.URLStandard, img.URLThumbnail
	}
	for _, v := range p.Variants {
		r.Variants = append(r.Variants, variantRecord{ID: v.ID, SKU: v.SKU, Price: num(v.CalculatedPrice), Stock: v.InventoryLevel})
	}
	return r
}

func mainImage(images []bigcommerce.ProductImage) *bigcommerce.ProductImage {
	var best *bigcommerce.ProductImage
	for i := range images {
		im := &images[i]
		if best == nil || (im.IsThumbnail && !best.IsThumbnail) || (im.IsThumbnail == best.IsThumbnail && im.SortOrder < best.SortOrder) {
			best = im
		}
	}
	return best
}

func joinURL(base, path string) string {
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}
