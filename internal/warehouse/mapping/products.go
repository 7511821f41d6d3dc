package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// ProductKeys are the keys a product line of the products field takes.
var ProductKeys = []string{"id", "product_id", "variant_id", "name", "sku", "quantity", "price_ex_tax", "price_inc_tax"}

// maxProductName is orderCustomProduct_Post.name's maxLength.
const maxProductName = 250

// parseProducts reads the products field: a JSON array of lines, each an object.
//
//   - A catalog product: {"product_id": 12, "variant_id": 34, "quantity": 2}; variant_id is optional, and
//     prices may override the catalog's, both or neither ("price_ex_tax", "price_inc_tax").
//   - A custom product (no product_id): {"name": "Gift wrap", "sku": "GW-1", "quantity": 1,
//     "price_ex_tax": 4.5, "price_inc_tax": 5.4}; name, quantity and both prices are required.
//   - In update mode, lines name the order's existing lines by their "id" (quantity 0 removes one). A line
//     without an id would be added to the order again at every change of the row, so update mode refuses
//     it; insert mode refuses ids.
//
// Ids and quantities are whole JSON numbers; prices JSON numbers or decimal strings, never negative.
// Unknown keys are refused rather than dropped. Errors are clauses with a subject ("line 2 has no
// quantity").
func parseProducts(s string, create bool) ([]bigcommerce.OrderProductInput, error) {
	var raw []json.RawMessage
	text := bytes.TrimSpace([]byte(s))
	if len(text) == 0 || text[0] != '[' {
		return nil, errors.New("the JSON is not an array of product lines")
	}
	if err := json.Unmarshal(text, &raw); err != nil {
		return nil, errors.New("the JSON is not valid")
	}
	if len(raw) == 0 {
		return nil, errors.New("the list has no product lines")
	}
	out := make([]bigcommerce.OrderProductInput, 0, len(raw))
	for i, r := range raw {
		p, err := parseLine(r, create)
		if err != nil {
			return nil, fmt.Errorf("line %d %s", i+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseLine reads one line; its errors are predicates ("has no quantity").
func parseLine(r json.RawMessage, create bool) (bigcommerce.OrderProductInput, error) {
	var p bigcommerce.OrderProductInput
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
		return p, errors.New("is not an object")
	}
	keys := make([]string, 0, len(obj))
	for k, v := range obj {
		if string(v) == "null" {
			delete(obj, k) // null is as good as absent
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(ProductKeys, k) {
			return p, fmt.Errorf("has an unknown key %q (a line takes %s)", k, strings.Join(ProductKeys, ", "))
		}
	}
	var err error
	get := func(key string, parse func(json.RawMessage) (any, error)) any {
		v, ok := obj[key]
		if !ok || err != nil {
			return nil
		}
		x, e := parse(v)
		if e != nil {
			err = fmt.Errorf("has %s %s", key, e)
		}
		return x
	}
	id, product, variant := get("id", positiveID), get("product_id", positiveID), get("variant_id", positiveID)
	quantity := get("quantity", wholeNumber)
	name, sku := get("name", jsonString), get("sku", jsonString)
	exTax, incTax := get("price_ex_tax", price), get("price_inc_tax", price)
	if err != nil {
		return p, err
	}
	if quantity == nil {
		return p, errors.New("has no quantity")
	}
	p.Quantity = quantity.(int)
	if id != nil {
		p.ID = id.(int)
	}
	if product != nil {
		p.ProductID = product.(int)
	}
	if variant != nil {
		p.VariantID = variant.(int)
	}
	if name != nil {
		p.Name = name.(string)
		if strings.TrimSpace(p.Name) == "" {
			return p, errors.New("has an empty name")
		}
		if utf8.RuneCountInString(p.Name) > maxProductName {
			return p, fmt.Errorf("has a name longer than %d characters", maxProductName)
		}
	}
	if sku != nil {
		p.SKU = sku.(string)
	}
	if exTax != nil {
		a := exTax.(money.Amount)
		p.PriceExTax = &a
	}
	if incTax != nil {
		a := incTax.(money.Amount)
		p.PriceIncTax = &a
	}
	switch {
	case p.ID != 0 && create:
		return p, errors.New("has an id, which names a line of an existing order: a new order's lines have none")
	case p.ID != 0:
		if p.Quantity < 0 {
			return p, fmt.Errorf("has quantity %d: 0 removes the line, more changes it", p.Quantity)
		}
		return p, nil
	case !create:
		return p, errors.New("has no id: in update mode every line names one of the order's lines by its id (a line without one would be added again at every change of the row)")
	case p.Quantity < 1:
		return p, fmt.Errorf("has quantity %d: a line needs at least 1", p.Quantity)
	case p.VariantID != 0 && p.ProductID == 0:
		return p, errors.New("has a variant_id but no product_id")
	case p.ProductID == 0 && (p.Name == "" || p.PriceExTax == nil || p.PriceIncTax == nil):
		return p, errors.New("is a custom product (no product_id): it needs a name, price_ex_tax and price_inc_tax")
	case (p.PriceExTax == nil) != (p.PriceIncTax == nil):
		return p, errors.New("overrides one price: give both price_ex_tax and price_inc_tax, or neither")
	}
	return p, nil
}

// wholeNumber reads a JSON number without a fraction (1 and 1.00, not 1.5 nor "1").
func wholeNumber(v json.RawMessage) (any, error) {
	s := string(v)
	if !isJSONNumber(v) {
		return nil, fmt.Errorf("%s, not a whole number", truncate(s))
	}
	a, err := money.Parse(s)
	if err != nil || !a.Equal(a.Round(0)) {
		return nil, fmt.Errorf("%s, not a whole number", truncate(s))
	}
	n := a.Minor(0)
	if n > math.MaxInt32 || n < math.MinInt32 {
		return nil, fmt.Errorf("%s, out of range", truncate(s))
	}
	return int(n), nil
}

func positiveID(v json.RawMessage) (any, error) {
	n, err := wholeNumber(v)
	if err != nil {
		return nil, err
	}
	if n.(int) <= 0 {
		return nil, fmt.Errorf("%s, not an id (a whole number from 1)", string(v))
	}
	return n, nil
}

func jsonString(v json.RawMessage) (any, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("%s, not a string", truncate(string(v)))
	}
	return s, nil
}

// price reads a JSON number or a string holding a plain decimal, not negative.
func price(v json.RawMessage) (any, error) {
	s := string(v)
	if !isJSONNumber(v) {
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%s, not a number", truncate(string(v)))
		}
		s = strings.TrimSpace(s)
	}
	a, err := money.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s, not a number", truncate(string(v)))
	}
	if a.Sign() < 0 {
		return nil, fmt.Errorf("%s, a negative price", truncate(string(v)))
	}
	return a, nil
}

// isJSONNumber reports whether v is a JSON number without an exponent.
func isJSONNumber(v json.RawMessage) bool {
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return false
	}
	return !bytes.ContainsAny(v, "eE")
}

// truncate shortens a value quoted in a message.
func truncate(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
