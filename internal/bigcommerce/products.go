package bigcommerce

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

// Product is a catalog product with its variants, images and custom fields.
type Product struct {
	ID              int            `json:"id"`
	Name            string         `json:"name"`
	Type            string         `json:"type"` // physical or digital
	SKU             string         `json:"sku"`
	Price           money.Amount   `json:"price"`
	SalePrice       money.Amount   `json:"sale_price"`
	RetailPrice     money.Amount   `json:"retail_price"`
	CalculatedPrice money.Amount   `json:"calculated_price"` // the sale price if set, else the price
	IsVisible       bool           `json:"is_visible"`
	Availability    string         `json:"availability"`
	InventoryLevel  int            `json:"inventory_level"`
	Categories      []int          `json:"categories"`
	BrandID         int            `json:"brand_id"`
	CustomURL       CustomURL      `json:"custom_url"`
	DateCreated     time.Time      `json:"date_created"`
	DateModified    time.Time      `json:"date_modified"`
	Variants        []Variant      `json:"variants"`
	Images          []ProductImage `json:"images"`
	CustomFields    []CustomField  `json:"custom_fields"`
}

// CustomURL is a product's storefront path.
type CustomURL struct {
	URL          string `json:"url"`
	IsCustomized bool   `json:"is_customized"`
}

// Variant is a purchasable variation of a product. Price is zero when the variant takes the
// product's price.
type Variant struct {
	ID              int          `json:"id"`
	SKU             string       `json:"sku"`
	Price           money.Amount `json:"price"`
	CalculatedPrice money.Amount `json:"calculated_price"`
	InventoryLevel  int          `json:"inventory_level"`
	OptionValues    []struct {
		Label             string `json:"label"`
		OptionDisplayName string `json:"option_display_name"`
	} `json:"option_values"`
}

// ProductImage is a product image in the sizes the storefront serves.
type ProductImage struct {
	ID           int    `json:"id"`
	IsThumbnail  bool   `json:"is_thumbnail"`
	SortOrder    int    `json:"sort_order"`
	URLStandard  string `json:"url_standard"`
	URLThumbnail string `json:"url_thumbnail"`
	URLZoom      string `json:"url_zoom"`
}

// CustomField is a product's name/value pair.
type CustomField struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type productWire struct {
	Product
	DateCreated  v3Time `json:"date_created"`
	DateModified v3Time `json:"date_modified"`
}

func (w *productWire) model() Product {
	p := w.Product
	p.DateCreated, p.DateModified = w.DateCreated.t, w.DateModified.t
	return p
}

// ProductQuery selects products; the zero value reads them all, oldest change first.
type ProductQuery struct {
	ModifiedSince time.Time // date_modified:min (always sent with a time: a bare date gets the current time appended)
	ModifiedUntil time.Time // date_modified:max (inclusive)
	Visible       *bool     // is_visible; nil: visible and hidden
	IDs           []int     // id:in
	// FirstPage is the page to start at (default 1), for a reader that has the pages before it.
	FirstPage int
}

// filters are the query's date range and visibility (ids go by chunks).
func (q ProductQuery) filters() url.Values {
	v := url.Values{}
	setRange(v, "date_modified:min", "date_modified:max", q.ModifiedSince, q.ModifiedUntil)
	if q.Visible != nil {
		v.Set("is_visible", strconv.FormatBool(*q.Visible))
	}
	return v
}

// Products reads products page by page (250 each) with their variants, images and custom fields.
func (c *Client) Products(ctx context.Context, q ProductQuery) iter.Seq2[[]Product, error] {
	base := q.filters()
	base.Set("include", "variants,images,custom_fields")
	base.Set("sort", "date_modified")
	base.Set("direction", "asc")
	return byChunks(ctx, q.IDs, nil, func(ids []int, _ []string) iter.Seq2[[]Product, error] {
		query := cloneValues(base)
		if ids != nil {
			query.Set("id:in", joinInts(ids))
		}
		return v3Pages(ctx, c, "products", "v3/catalog/products", query, q.FirstPage, (*productWire).model)
	})
}

// ProductIDs reads the ids of every product, visible or not, 250 a page: a cheap scan to find products
// deleted from the catalog, which BigCommerce reports only by webhook. It asks for one small field
// (include_fields=is_visible; the id always comes, and the description does not list "id" itself).
func (c *Client) ProductIDs(ctx context.Context) iter.Seq2[[]int, error] {
	query := url.Values{"include_fields": {"is_visible"}, "sort": {"id"}}
	return v3Pages(ctx, c, "product ids", "v3/catalog/products", query, 1, func(w *struct {
		ID int `json:"id"`
	}) int {
		return w.ID
	})
}
