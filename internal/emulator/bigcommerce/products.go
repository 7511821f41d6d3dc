package bigcommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/money"
)

// num is an exact amount written as a JSON number, as the catalog and cart APIs write money.
type num struct{ money.Amount }

func (n num) MarshalJSON() ([]byte, error)  { return []byte(n.Amount.String()), nil }
func (n *num) UnmarshalJSON(b []byte) error { return n.Amount.UnmarshalJSON(b) }
func amount(a money.Amount) num             { return num{a} }
func optionalAmount(a money.Amount) *num    { n := num{a}; return &n }

// product is a v3 catalog product (product_Full) with the sub-resources bcsync includes.
type product struct {
	ID                int           `json:"id"`
	Name              string        `json:"name"`
	Type              string        `json:"type"`
	SKU               string        `json:"sku"`
	Description       string        `json:"description"`
	Weight            num           `json:"weight"`
	Price             num           `json:"price"`
	CostPrice         num           `json:"cost_price"`
	RetailPrice       num           `json:"retail_price"`
	SalePrice         num           `json:"sale_price"`
	MapPrice          num           `json:"map_price"`
	CalculatedPrice   num           `json:"calculated_price"`
	Categories        []int         `json:"categories"`
	BrandID           int           `json:"brand_id"`
	InventoryLevel    int           `json:"inventory_level"`
	InventoryTracking string        `json:"inventory_tracking"`
	IsVisible         bool          `json:"is_visible"`
	IsFeatured        bool          `json:"is_featured"`
	Availability      string        `json:"availability"`
	CustomURL         customURL     `json:"custom_url"`
	UPC               string        `json:"upc"`
	MPN               string        `json:"mpn"`
	GTIN              string        `json:"gtin"`
	TotalSold         int           `json:"total_sold"`
	BaseVariantID     int           `json:"base_variant_id,omitempty"`
	DateCreated       string        `json:"date_created"`
	DateModified      string        `json:"date_modified"`
	Variants          []variant     `json:"variants,omitzero"`
	Images            []image       `json:"images,omitzero"`
	CustomFields      []customField `json:"custom_fields,omitzero"`
	PrimaryImage      *image        `json:"primary_image,omitempty"`
}

type customURL struct {
	URL          string `json:"url"`
	IsCustomized bool   `json:"is_customized"`
}

type variant struct {
	ID              int           `json:"id"`
	ProductID       int           `json:"product_id"`
	SKU             string        `json:"sku"`
	Price           *num          `json:"price"`
	SalePrice       *num          `json:"sale_price"`
	CalculatedPrice num           `json:"calculated_price"`
	InventoryLevel  int           `json:"inventory_level"`
	UPC             string        `json:"upc"`
	OptionValues    []optionValue `json:"option_values"`
}

type optionValue struct {
	ID                int    `json:"id"`
	Label             string `json:"label"`
	OptionID          int    `json:"option_id"`
	OptionDisplayName string `json:"option_display_name"`
}

type image struct {
	ID           int    `json:"id"`
	ProductID    int    `json:"product_id"`
	IsThumbnail  bool   `json:"is_thumbnail"`
	SortOrder    int    `json:"sort_order"`
	Description  string `json:"description"`
	URLZoom      string `json:"url_zoom"`
	URLStandard  string `json:"url_standard"`
	URLThumbnail string `json:"url_thumbnail"`
	URLTiny      string `json:"url_tiny"`
	DateModified string `json:"date_modified"`
}

type customField struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// productBasics is the cheap part of a generated product, enough for order line items and filters.
type productBasics struct {
	name, sku string
	price     money.Amount
	visible   bool
	digital   bool
	variants  int
}

func (s *Server) genProductBasics(id int) productBasics {
	r := newRNG(s.cfg.Seed, streamProduct, id)
	noun := pick(&r, productNouns)
	return productBasics{
		name:     pick(&r, productAdjectives) + " " + noun,
		sku:      fmt.Sprintf("BC-%05d", id),
		price:    r.cents(3, 250),
		visible:  !r.chance(12),
		digital:  noun == "Gift Card",
		variants: r.between(1, 3),
	}
}

// variantID numbers a product's variants without a table: product p's k-th variant (k from 0).
func variantID(productID, k int) int { return productID*4 + k }

var sizes = []string{"S", "M", "L", "XL"}

func (s *Server) genProduct(id int) *product {
	b := s.genProductBasics(id)
	r := newRNG(s.cfg.Seed, streamProductDetail, id)
	p := &product{
		ID: id, Name: b.name, SKU: b.sku, Type: "physical", Price: amount(b.price), IsVisible: b.visible,
		Description:       "<p>" + b.name + " — made with care.</p>",
		Weight:            amount(money.FromMinor(int64(r.between(1, 5000)), 3)),
		CostPrice:         amount(b.price.DivInt(2, 2)),
		RetailPrice:       amount(b.price.MulInt(12).DivInt(10, 2)),
		Categories:        []int{r.between(18, 30)},
		BrandID:           r.intn(6),
		InventoryLevel:    r.intn(500),
		InventoryTracking: "product",
		IsFeatured:        r.chance(10),
		Availability:      "available",
		CustomURL:         customURL{URL: fmt.Sprintf("/%s-%d/", slug(b.name), id)},
		UPC:               fmt.Sprintf("0%011d", r.intn(1e11)),
		TotalSold:         r.intn(2000),
	}
	if b.digital {
		p.Type, p.Weight, p.InventoryTracking = "digital", amount(money.Amount{}), "none"
	}
	p.CalculatedPrice = p.Price
	if r.chance(25) {
		p.SalePrice = amount(b.price.MulInt(8).DivInt(10, 2))
		p.CalculatedPrice = p.SalePrice
	}
	if r.chance(10) {
		p.Availability = "preorder"
	}
	for k := range b.variants {
		v := variant{ID: variantID(id, k), ProductID: id, SKU: fmt.Sprintf("%s-%d", b.sku, k+1),
			CalculatedPrice: p.CalculatedPrice, InventoryLevel: r.intn(100), OptionValues: []optionValue{}}
		if b.variants > 1 {
			v.OptionValues = append(v.OptionValues, optionValue{ID: 60 + k, Label: sizes[k], OptionID: 7, OptionDisplayName: "Größe"})
		}
		if k > 0 && r.chance(30) {
			pr := b.price.Add(money.FromMinor(int64(k)*200, 2))
			v.Price, v.CalculatedPrice = optionalAmount(pr), amount(pr)
		}
		p.Variants = append(p.Variants, v)
	}
	if b.variants == 1 {
		p.BaseVariantID = variantID(id, 0)
	}
	mod := productTime(s.products.mod[id-1])
	for k := range r.between(1, 2) {
		base := fmt.Sprintf("https://cdn11.bigcommerce.com/s-%s/images/stencil/%%s/products/%d/%d/image.jpg", s.cfg.StoreHash, id, id*10+k)
		p.Images = append(p.Images, image{ID: id*10 + k, ProductID: id, IsThumbnail: k == 0, SortOrder: k,
			URLZoom: fmt.Sprintf(base, "1280x1280"), URLStandard: fmt.Sprintf(base, "500x659"),
			URLThumbnail: fmt.Sprintf(base, "100x100"), URLTiny: fmt.Sprintf(base, "44x44"), DateModified: mod})
	}
	if r.chance(40) {
		p.CustomFields = append(p.CustomFields, customField{ID: id * 10, Name: "Material", Value: pick(&r, []string{"Baumwolle", "Céramique", "Bamboo"})})
	}
	return p
}

// slug makes a URL path segment of a name: lower case ASCII letters and digits joined by dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (s *Server) productRecord(id int) *product {
	if p, ok := s.prodOver[id]; ok {
		return p
	}
	return s.genProduct(id)
}

func (s *Server) productVisible(id int) bool {
	if p, ok := s.prodOver[id]; ok {
		return p.IsVisible
	}
	return s.genProductBasics(id).visible
}

func (s *Server) renderProduct(p *product, include []string) product {
	out := *p
	out.DateCreated = productTime(s.products.created[p.ID-1])
	out.DateModified = productTime(s.products.mod[p.ID-1])
	keep := func(name string) bool { return slices.Contains(include, name) }
	out.Variants = nonNilIf(keep("variants"), p.Variants)
	out.Images = nonNilIf(keep("images"), p.Images)
	out.CustomFields = nonNilIf(keep("custom_fields"), p.CustomFields)
	out.PrimaryImage = nil
	if keep("primary_image") && len(p.Images) > 0 {
		img := p.Images[0]
		out.PrimaryImage = &img
	}
	if out.Categories == nil {
		out.Categories = []int{}
	}
	return out
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	q := query{offset: (page - 1) * limit, limit: limit}
	switch values.Get("sort") {
	case "date_modified":
		q.byMod = true
	case "", "id":
	default:
		// Other sorts (name, price, …) are not emulated: id order.
	}
	q.desc = values.Get("direction") == "desc"
	if !s.timeFilters(w, r, &q, map[string]*int64{"date_modified:min": &q.modMin, "date_modified:max": &q.modMax}, true) {
		return
	}
	var exact int64
	if !s.timeFilters(w, r, &q, map[string]*int64{"date_modified": &exact}, true) {
		return
	}
	if exact != 0 {
		q.modMin, q.modMax = exact, exact
	}
	ids, err := intList(values, "id:in")
	if err != nil {
		s.invalidParam(w, r, "id:in", err.Error())
		return
	}
	if v := values.Get("id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.invalidParam(w, r, "id", "id must be an integer")
			return
		}
		ids = append(ids, n)
	}
	q.ids = ids
	for name, dst := range map[string]*int{"id:min": &q.idMin, "id:max": &q.idMax} {
		if v := values.Get(name); v != "" {
			if *dst, err = strconv.Atoi(v); err != nil {
				s.invalidParam(w, r, name, name+" must be an integer")
				return
			}
		}
	}
	if v := values.Get("id:greater"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.invalidParam(w, r, "id:greater", "id:greater must be an integer")
			return
		}
		q.idMin = n + 1
	}
	notIn, err := intList(values, "id:not_in")
	if err != nil {
		s.invalidParam(w, r, "id:not_in", err.Error())
		return
	}
	visible := values.Get("is_visible")
	kind := values.Get("type")
	if visible != "" || kind != "" || len(notIn) > 0 {
		wantVisible := visible == "true" || visible == "1"
		q.keep = func(id int) bool {
			if visible != "" && s.productVisible(id) != wantVisible {
				return false
			}
			if kind != "" && s.productRecord(id).Type != kind {
				return false
			}
			return !slices.Contains(notIn, id)
		}
	}
	include := stringList(values, "include")

	fields := stringList(values, "include_fields")

	s.mu.RLock()
	defer s.mu.RUnlock()
	page0, total := s.products.run(q)
	out := struct {
		Data []any    `json:"data"`
		Meta listMeta `json:"meta"`
	}{Data: make([]any, 0, len(page0))}
	for _, id := range page0 {
		if len(fields) > 0 {
			out.Data = append(out.Data, s.productFields(id, fields, include))
			continue
		}
		out.Data = append(out.Data, s.renderProduct(s.productRecord(id), include))
	}
	out.Meta.Pagination = newPagination(r, total, len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// productFields is a product cut down to include_fields (the id always stays). A scan of ids and
// visibility, the way to find deleted or hidden products, does not even build the products.
func (s *Server) productFields(id int, fields, include []string) map[string]any {
	out := map[string]any{"id": id}
	cheap := len(include) == 0
	for _, f := range fields {
		cheap = cheap && (f == "id" || f == "is_visible")
	}
	if cheap {
		if slices.Contains(fields, "is_visible") {
			out["is_visible"] = s.productVisible(id)
		}
		return out
	}
	full := s.renderProduct(s.productRecord(id), include)
	b, _ := json.Marshal(full)
	var all map[string]any
	json.Unmarshal(b, &all)
	for _, f := range append(fields, include...) {
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out
}

type productResponse struct {
	Data product  `json:"data"`
	Meta struct{} `json:"meta"`
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := pathID(r)
	if !ok || !s.products.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested product was not found.", nil)
		return
	}
	writeJSON(w, http.StatusOK, productResponse{Data: s.renderProduct(s.productRecord(id), stringList(r.URL.Query(), "include"))})
}

// productIn is the part of a product POST or PUT body the emulator applies.
type productIn struct {
	Name           *string    `json:"name"`
	Type           *string    `json:"type"`
	SKU            *string    `json:"sku"`
	Description    *string    `json:"description"`
	Weight         *num       `json:"weight"`
	Price          *num       `json:"price"`
	SalePrice      *num       `json:"sale_price"`
	RetailPrice    *num       `json:"retail_price"`
	CostPrice      *num       `json:"cost_price"`
	Categories     []int      `json:"categories"`
	BrandID        *int       `json:"brand_id"`
	InventoryLevel *int       `json:"inventory_level"`
	IsVisible      *bool      `json:"is_visible"`
	IsFeatured     *bool      `json:"is_featured"`
	Availability   *string    `json:"availability"`
	CustomURL      *customURL `json:"custom_url"`
}

func (s *Server) checkProduct(w http.ResponseWriter, r *http.Request, in productIn, create bool) bool {
	errs := map[string]string{}
	if create {
		if in.Name == nil {
			errs["name"] = "error.path.missing"
		}
		if in.Type == nil {
			errs["type"] = "error.path.missing"
		}
		if in.Weight == nil {
			errs["weight"] = "error.path.missing"
		}
		if in.Price == nil {
			errs["price"] = "error.path.missing"
		}
	}
	if in.Name != nil && (strings.TrimSpace(*in.Name) == "" || len(*in.Name) > 250) {
		errs["name"] = "name must be 1 to 250 characters"
	}
	if in.Type != nil && *in.Type != "physical" && *in.Type != "digital" {
		errs["type"] = "type must be physical or digital"
	}
	if in.Price != nil && in.Price.Sign() < 0 {
		errs["price"] = "price cannot be negative"
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The request payload is invalid.", errs)
		return false
	}
	return true
}

func applyProduct(p *product, in productIn) {
	setS := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setN := func(dst *num, v *num) {
		if v != nil {
			*dst = *v
		}
	}
	setS(&p.Name, in.Name)
	setS(&p.Type, in.Type)
	setS(&p.SKU, in.SKU)
	setS(&p.Description, in.Description)
	setS(&p.Availability, in.Availability)
	setN(&p.Weight, in.Weight)
	setN(&p.Price, in.Price)
	setN(&p.SalePrice, in.SalePrice)
	setN(&p.RetailPrice, in.RetailPrice)
	setN(&p.CostPrice, in.CostPrice)
	if in.Categories != nil {
		p.Categories = in.Categories
	}
	if in.BrandID != nil {
		p.BrandID = *in.BrandID
	}
	if in.InventoryLevel != nil {
		p.InventoryLevel = *in.InventoryLevel
	}
	if in.IsVisible != nil {
		p.IsVisible = *in.IsVisible
	}
	if in.IsFeatured != nil {
		p.IsFeatured = *in.IsFeatured
	}
	if in.CustomURL != nil {
		p.CustomURL = *in.CustomURL
	}
	p.CalculatedPrice = p.Price
	if p.SalePrice.Sign() > 0 {
		p.CalculatedPrice = p.SalePrice
	}
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) {
	var in productIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	if !s.checkProduct(w, r, in, true) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	id := s.products.add(now, now)
	p := &product{ID: id, IsVisible: true, Availability: "available", InventoryTracking: "none", Categories: []int{}}
	applyProduct(p, in)
	if p.CustomURL.URL == "" {
		p.CustomURL.URL = fmt.Sprintf("/%s-%d/", slug(p.Name), id)
	}
	p.Variants = []variant{{ID: variantID(id, 0), ProductID: id, SKU: p.SKU, CalculatedPrice: p.CalculatedPrice, OptionValues: []optionValue{}}}
	p.BaseVariantID = variantID(id, 0)
	s.prodOver[id] = p
	s.emit("store/product/created", dataInt("product", id))
	writeJSON(w, http.StatusOK, productResponse{Data: s.renderProduct(p, nil)})
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request) {
	var in productIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.products.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested product was not found.", nil)
		return
	}
	if !s.checkProduct(w, r, in, false) {
		return
	}
	p := *s.productRecord(id)
	applyProduct(&p, in)
	s.prodOver[id] = &p
	s.products.touch(id, s.now())
	s.emit("store/product/updated", dataInt("product", id))
	writeJSON(w, http.StatusOK, productResponse{Data: s.renderProduct(&p, stringList(r.URL.Query(), "include"))})
}

func (s *Server) deleteProduct(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.products.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "The requested product was not found.", nil)
		return
	}
	s.products.remove(id)
	delete(s.prodOver, id)
	s.emit("store/product/deleted", dataInt("product", id))
	w.WriteHeader(http.StatusNoContent)
}
