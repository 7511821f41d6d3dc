package bigcommerce

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/money"
)

// cart is a v3 cart (Cart_Full). BigCommerce has no cart listing: carts are read one by one, by the id a
// webhook names.
type cart struct {
	ID                   string     `json:"id"`
	CustomerID           int        `json:"customer_id"`
	ChannelID            int        `json:"channel_id"`
	Email                string     `json:"email"`
	Currency             currency   `json:"currency"`
	TaxIncluded          bool       `json:"tax_included"`
	BaseAmount           num        `json:"base_amount"`
	DiscountAmount       num        `json:"discount_amount"`
	ManualDiscountAmount num        `json:"manual_discount_amount"`
	CartAmount           num        `json:"cart_amount"`
	Coupons              []struct{} `json:"coupons"`
	Discounts            []struct{} `json:"discounts"`
	LineItems            cartItems  `json:"line_items"`
	CreatedTime          string     `json:"created_time"`
	UpdatedTime          string     `json:"updated_time"`
	Locale               string     `json:"locale"`
}

type currency struct {
	Code string `json:"code"`
}

type cartItems struct {
	PhysicalItems    []cartItem       `json:"physical_items"`
	DigitalItems     []cartItem       `json:"digital_items"`
	GiftCertificates []struct{}       `json:"gift_certificates"`
	CustomItems      []cartCustomItem `json:"custom_items"`
}

type cartItem struct {
	ID                string     `json:"id"`
	VariantID         int        `json:"variant_id"`
	ProductID         int        `json:"product_id"`
	SKU               string     `json:"sku"`
	Name              string     `json:"name"`
	URL               string     `json:"url"`
	Quantity          int        `json:"quantity"`
	Taxable           bool       `json:"taxable"`
	ImageURL          string     `json:"image_url"`
	Discounts         []struct{} `json:"discounts"`
	DiscountAmount    num        `json:"discount_amount"`
	CouponAmount      num        `json:"coupon_amount"`
	OriginalPrice     num        `json:"original_price"`
	ListPrice         num        `json:"list_price"`
	SalePrice         num        `json:"sale_price"`
	ExtendedListPrice num        `json:"extended_list_price"`
	ExtendedSalePrice num        `json:"extended_sale_price"`
	IsRequireShipping bool       `json:"is_require_shipping"`
	IsMutable         bool       `json:"is_mutable"`
}

type cartCustomItem struct {
	ID        string `json:"id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	ListPrice num    `json:"list_price"`
}

type cartIn struct {
	CustomerID int `json:"customer_id"`
	ChannelID  int `json:"channel_id"`
	// Email is not part of the create body: BigCommerce sets it at checkout. The emulator accepts it so
	// that tests can make a guest's cart that an abandoned-cart program can reach.
	Email     string `json:"email"`
	Locale    string `json:"locale"`
	LineItems []struct {
		ProductID int  `json:"product_id"`
		VariantID int  `json:"variant_id"`
		Quantity  int  `json:"quantity"`
		ListPrice *num `json:"list_price"`
	} `json:"line_items"`
	CustomItems []struct {
		SKU       string `json:"sku"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		ListPrice num    `json:"list_price"`
	} `json:"custom_items"`
	Currency *currency `json:"currency"`
}

type cartResponse struct {
	Data *cart    `json:"data"`
	Meta struct{} `json:"meta"`
}

// uuid makes a version-4 UUID from the emulator's random stream, so runs with a seed repeat.
func uuid(r *rng) string {
	a, b := r.next(), r.next()
	b = b&^(0xc<<60) | 0x8<<60
	a = a&^(0xf<<12) | 0x4<<12
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func (s *Server) createCart(w http.ResponseWriter, r *http.Request) {
	var in cartIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := map[string]string{}
	if len(in.LineItems) == 0 && len(in.CustomItems) == 0 {
		errs["line_items"] = "A cart needs at least one line item."
	}
	if in.CustomerID != 0 && !s.customers.exists(in.CustomerID) {
		errs["customer_id"] = fmt.Sprintf("Customer %d does not exist.", in.CustomerID)
	}
	for i, li := range in.LineItems {
		if !s.products.exists(li.ProductID) || li.Quantity < 1 {
			errs[fmt.Sprintf("line_items.%d", i)] = fmt.Sprintf("Product %d does not exist or the quantity is below 1.", li.ProductID)
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The cart could not be created.", errs)
		return
	}
	s.cartCounter++
	rg := newRNG(s.cfg.Seed, streamCart, s.cartCounter)
	now := v3Time(s.now())
	c := &cart{ID: uuid(&rg), CustomerID: in.CustomerID, ChannelID: max(in.ChannelID, 1), Email: in.Email,
		Currency: currency{"USD"}, Coupons: []struct{}{}, Discounts: []struct{}{}, CreatedTime: now, UpdatedTime: now, Locale: "en",
		LineItems: cartItems{PhysicalItems: []cartItem{}, DigitalItems: []cartItem{}, GiftCertificates: []struct{}{}, CustomItems: []cartCustomItem{}}}
	if in.Currency != nil && in.Currency.Code != "" {
		c.Currency = *in.Currency
	}
	if in.Locale != "" {
		c.Locale = in.Locale
	}
	if c.CustomerID != 0 && c.Email == "" {
		c.Email = s.customerRecord(c.CustomerID).Email
	}
	var total money.Amount
	for _, li := range in.LineItems {
		p := s.productRecord(li.ProductID)
		price := p.CalculatedPrice
		if li.ListPrice != nil {
			price = *li.ListPrice
		}
		vid := li.VariantID
		if vid == 0 {
			vid = variantID(p.ID, 0)
		}
		ext := price.MulInt(int64(li.Quantity))
		item := cartItem{ID: uuid(&rg), VariantID: vid, ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: li.Quantity,
			URL: "https://" + s.cfg.StoreHash + ".example.com" + p.CustomURL.URL, Taxable: true, Discounts: []struct{}{},
			OriginalPrice: price, ListPrice: price, SalePrice: price, ExtendedListPrice: amount(ext), ExtendedSalePrice: amount(ext),
			IsRequireShipping: p.Type == "physical", IsMutable: true}
		if len(p.Images) > 0 {
			item.ImageURL = p.Images[0].URLStandard
		}
		if p.Type == "digital" {
			c.LineItems.DigitalItems = append(c.LineItems.DigitalItems, item)
		} else {
			c.LineItems.PhysicalItems = append(c.LineItems.PhysicalItems, item)
		}
		total = total.Add(ext)
	}
	for _, ci := range in.CustomItems {
		c.LineItems.CustomItems = append(c.LineItems.CustomItems, cartCustomItem{ID: uuid(&rg), SKU: ci.SKU, Name: ci.Name, Quantity: ci.Quantity, ListPrice: ci.ListPrice})
		total = total.Add(ci.ListPrice.MulInt(int64(ci.Quantity)))
	}
	c.BaseAmount, c.CartAmount = amount(total), amount(total)
	s.carts[c.ID] = c
	s.emit("store/cart/created", map[string]any{"type": "cart", "id": c.ID})
	writeJSON(w, http.StatusCreated, cartResponse{Data: c})
}

func (s *Server) getCart(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.carts[r.PathValue("id")]
	if !ok {
		s.writeError(w, r, http.StatusNotFound, "Cart not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, cartResponse{Data: c})
}

func (s *Server) deleteCart(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := s.carts[id]; !ok {
		s.writeError(w, r, http.StatusNotFound, "Cart not found", nil)
		return
	}
	delete(s.carts, id)
	s.emit("store/cart/deleted", map[string]any{"type": "cart", "id": id})
	w.WriteHeader(http.StatusNoContent)
}

// abandonCart is the emulator's stand-in for an hour without activity: it gives the cart an
// abandoned-cart token and fires store/cart/abandoned with {type, id, token}.
func (s *Server) abandonCart(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := s.carts[id]; !ok {
		http.Error(w, "no cart "+id, http.StatusNotFound)
		return
	}
	s.cartCounter++
	rg := newRNG(s.cfg.Seed, streamCart, s.cartCounter)
	token := fmt.Sprintf("%016x%016x", rg.next(), rg.next())
	s.cartTokens[token] = id
	s.emit("store/cart/abandoned", map[string]any{"type": "cart", "id": id, "token": token})
	writeJSON(w, http.StatusOK, map[string]string{"cart_id": id, "token": token})
}

func (s *Server) getAbandonedCart(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.cartTokens[r.PathValue("token")]
	if !ok {
		s.writeError(w, r, http.StatusNotFound, "Abandoned cart not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"cart_id": id}, "meta": struct{}{}})
}
