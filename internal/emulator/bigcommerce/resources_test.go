package bigcommerce

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPageLimits(t *testing.T) {
	h := start(t, Config{Customers: 3, Orders: 3})
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"v3/customers?limit=250", 200},
		{"v3/customers?limit=251", 413},
		{"v3/customers/subscribers?limit=1000", 413},
		{"v3/catalog/products?limit=251", 413}, // the catalog's description itself says limit ≤ 250
		{"v2/orders?limit=251", 413},
		{"v3/customers?page=0", 422},
		{"v2/orders?limit=0", 400},
	} {
		do := h.do
		if strings.Contains(tc.path, "catalog") || strings.Contains(tc.path, "v2/orders?limit=0") {
			do = h.raw // requests the descriptions forbid, or answers (400) they do not describe
		}
		if resp, b := do("GET", tc.path, nil); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.path, resp.StatusCode, b)
		}
	}
}

func TestCustomerValidation(t *testing.T) {
	h := start(t, Config{Customers: 3, Seed: 2})
	var first struct {
		Data []customer `json:"data"`
	}
	h.json("GET", "v3/customers?id:in=1", nil, &first)
	taken := strings.ToUpper(first.Data[0].Email)
	valid := func(i int) map[string]any {
		return map[string]any{"email": fmt.Sprintf("n%d@example.com", i), "first_name": "Ana", "last_name": "Lima"}
	}
	eleven := make([]map[string]any, 11)
	for i := range eleven {
		eleven[i] = valid(i)
	}
	for _, tc := range []struct {
		name   string
		method string
		body   any
		status int
		field  string
	}{
		{"eleven customers", "POST", eleven, 413, ""},
		// Clashes with the store or the batch: the answer says what, not which record.
		{"an email in use, in another case", "POST", []any{valid(1), map[string]any{"email": taken, "first_name": "A", "last_name": "B"}}, 422, "email"},
		{"one email twice", "POST", []any{valid(2), valid(2)}, 422, "email"},
		{"an update of an unknown customer", "PUT", []any{map[string]any{"id": 99}}, 422, "id"},
		{"an update to a taken email", "PUT", []any{map[string]any{"id": 2, "email": taken}}, 422, "email"},
		// Records invalid on their own are named by their index.
		{"not an email", "POST", []any{map[string]any{"email": "nope", "first_name": "A", "last_name": "B"}}, 422, "0.email"},
		{"a second record without a last name (raw)", "POST", []any{valid(3), map[string]any{"email": "y@example.com", "first_name": "A"}}, 422, "1.last_name"},
		{"an address without a city", "POST", []any{map[string]any{"email": "x@example.com", "first_name": "A", "last_name": "B",
			"addresses": []map[string]string{{"first_name": "A", "last_name": "B", "address1": "x", "city": "", "country_code": "DE"}}}}, 422, "0.addresses.0.city"},
		{"an unknown attribute", "POST", []any{map[string]any{"email": "z@example.com", "first_name": "A", "last_name": "B",
			"attributes": []map[string]any{{"attribute_id": 77, "attribute_value": "x"}}}}, 422, "0.attributes.0.attribute_value"},
		{"a number attribute given a word", "POST", []any{map[string]any{"email": "z@example.com", "first_name": "A", "last_name": "B",
			"attributes": []map[string]any{{"attribute_id": 2, "attribute_value": "large"}}}}, 422, "0.attributes.0.attribute_value"},
		{"a form field the signup form lacks", "PUT", []any{map[string]any{"id": 1, "form_fields": []map[string]any{{"name": "Shoe colour", "value": "red"}}}}, 422, "0.form_fields.0.value"},
		{"a checkbox field given a string", "PUT", []any{map[string]any{"id": 1, "form_fields": []map[string]any{{"name": "Interests", "value": "tea"}}}}, 422, "0.form_fields.0.value"},
		{"an update without id (raw)", "PUT", []any{map[string]any{"id": 1}, map[string]any{"notes": "x"}}, 422, "1.id"},
	} {
		var e v3Error
		do := h.do
		if strings.HasSuffix(tc.name, "(raw)") {
			do = h.raw // the description forbids these bodies (a required field is missing)
		}
		resp, b := do(tc.method, "v3/customers", tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
			continue
		}
		if tc.field != "" {
			if jsonInto(b, &e) != nil || e.Errors[tc.field] == "" {
				t.Errorf("%s: no error on %s: %s", tc.name, tc.field, b)
			}
		}
	}
	var list struct {
		Meta listMeta `json:"meta"`
	}
	h.json("GET", "v3/customers", nil, &list)
	if list.Meta.Pagination.Total != 3 {
		t.Fatalf("refused batches changed the store: %d customers", list.Meta.Pagination.Total)
	}
	// Without id:in (which the description requires), a DELETE answers 204 and deletes nothing.
	if resp, _ := h.raw("DELETE", "v3/customers", nil); resp.StatusCode != 204 {
		t.Fatalf("delete without ids: %d", resp.StatusCode)
	}
	h.json("GET", "v3/customers", nil, &list)
	if list.Meta.Pagination.Total != 3 {
		t.Fatal("a DELETE without ids deleted customers")
	}
}

// date_modified moves on every change, and the change is found by date_modified:min.
func TestDateModifiedMovesOnEveryChange(t *testing.T) {
	clock := &clock{t: fixedNow()}
	h := start(t, Config{Customers: 20, Subscribers: 20, Orders: 20, Products: 20, Seed: 5, Now: clock.now})
	clock.add(time.Hour)
	since := "2026-03-01T13:00:00Z"
	changes := []struct{ method, path, list string }{
		{"PUT", "v3/customers", "v3/customers?date_modified:min=" + since},
		{"PUT", "v3/customers/subscribers/4", "v3/customers/subscribers?date_modified:min=" + since},
		{"PUT", "v3/catalog/products/4", "v3/catalog/products?date_modified:min=" + since},
	}
	bodies := []any{[]map[string]any{{"id": 4, "notes": "changed"}}, map[string]any{"first_name": "Changed"}, map[string]any{"is_visible": false}}
	for i, c := range changes {
		if resp, b := h.do(c.method, c.path, bodies[i]); resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, resp.StatusCode, b)
		}
		var list struct {
			Data []struct {
				ID           int    `json:"id"`
				DateModified string `json:"date_modified"`
			} `json:"data"`
		}
		h.json("GET", c.list, nil, &list)
		if len(list.Data) != 1 || list.Data[0].ID != 4 || !strings.HasPrefix(list.Data[0].DateModified, "2026-03-01T13:00:00") {
			t.Fatalf("%s: %+v", c.list, list.Data)
		}
	}
	if resp, _ := h.do("PUT", "v2/orders/4", map[string]any{"status_id": 10}); resp.StatusCode != 200 {
		t.Fatalf("order update: %d", resp.StatusCode)
	}
	var orders []order
	h.json("GET", "v2/orders?min_date_modified="+url.QueryEscape("Sun, 01 Mar 2026 13:00:00 +0000"), nil, &orders)
	if len(orders) != 1 || orders[0].ID != 4 || orders[0].DateModified != "Sun, 01 Mar 2026 13:00:00 +0000" || orders[0].Status != "Completed" {
		t.Fatalf("orders %+v", orders)
	}
}

func TestSubscriberRules(t *testing.T) {
	h := start(t, Config{Subscribers: 10, Seed: 4})
	var created subscriberResponse
	if status := h.json("POST", "v3/customers/subscribers", map[string]any{"email": "Ana@example.com", "consents": []string{"marketing_newsletter"}}, &created); status != 200 || created.Data.Source != "custom" {
		t.Fatalf("create: %d %+v", status, created)
	}
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "v3/customers/subscribers", map[string]any{"email": "ana@EXAMPLE.com"}, 409},
		{"POST", "v3/customers/subscribers", map[string]any{"first_name": "no email"}, 422},
		{"PUT", fmt.Sprintf("v3/customers/subscribers/%d", created.Data.ID-1), map[string]any{"email": "ANA@example.com"}, 409},
		{"PUT", "v3/customers/subscribers/999", map[string]any{"first_name": "x"}, 404},
		{"GET", "v3/customers/subscribers/999", nil, 404},
	} {
		if resp, b := h.do(tc.method, tc.path, tc.body); resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, b)
		}
	}
	if resp, _ := h.raw("POST", "v3/customers/subscribers", map[string]any{"email": "b@example.com", "consents": []string{"sms"}}); resp.StatusCode != 422 {
		t.Errorf("an unknown consent: %d", resp.StatusCode)
	}
	var found struct {
		Data []subscriber `json:"data"`
	}
	h.json("GET", "v3/customers/subscribers?email=ANA@example.com", nil, &found)
	if len(found.Data) != 1 || found.Data[0].ID != created.Data.ID {
		t.Fatalf("by email: %+v", found.Data)
	}
	// As in production, a DELETE with a filter deletes what matches, and without one deletes everything.
	if resp, _ := h.do("DELETE", "v3/customers/subscribers?email=ana@example.com", nil); resp.StatusCode != 204 {
		t.Fatal("filtered delete")
	}
	var list struct {
		Meta listMeta `json:"meta"`
	}
	h.json("GET", "v3/customers/subscribers", nil, &list)
	if list.Meta.Pagination.Total != 10 {
		t.Fatalf("%d subscribers after the filtered delete", list.Meta.Pagination.Total)
	}
	h.do("DELETE", "v3/customers/subscribers", nil)
	h.json("GET", "v3/customers/subscribers", nil, &list)
	if list.Meta.Pagination.Total != 0 {
		t.Fatalf("%d subscribers after the unfiltered delete", list.Meta.Pagination.Total)
	}
}

func TestOrderConsignmentsAndProducts(t *testing.T) {
	h := start(t, Config{Customers: 5, Orders: 20, Products: 5, Seed: 6})
	var list []map[string]any
	h.json("GET", "v2/orders?min_id=17&max_id=17&include=consignments.line_items&consignment_structure=object", nil, &list)
	shipping := list[0]["consignments"].(map[string]any)["shipping"].([]any)[0].(map[string]any)
	inline := shipping["line_items"].([]any)
	if len(inline) != 50 || shipping["__warning__"] == nil || shipping["shipping_method"] == "" {
		t.Fatalf("big order: %d items inline, warning %v", len(inline), shipping["__warning__"])
	}
	total := 0
	for page := 1; ; page++ {
		var items []orderProduct
		status := h.json("GET", fmt.Sprintf("v2/orders/17/products?limit=50&page=%d", page), nil, &items)
		if status == 204 {
			break
		}
		total += len(items)
	}
	var o order
	h.json("GET", "v2/orders/17", nil, &o)
	if total <= 50 || total != len(h.s.genOrder(17).items) || o.Consignments != nil {
		t.Fatalf("/products gave %d items; consignments without include: %v", total, o.Consignments)
	}
	// The legacy array structure, without consignment_structure=object (not in the description).
	_, b := h.raw("GET", "v2/orders?min_id=1&max_id=1&include=consignments.line_items", nil)
	jsonInto(b, &list)
	if _, ok := list[0]["consignments"].([]any); !ok {
		t.Fatalf("legacy consignments: %T", list[0]["consignments"])
	}
	var count struct {
		Count    int `json:"count"`
		Statuses []struct {
			Count int `json:"count"`
		} `json:"statuses"`
	}
	h.json("GET", "v2/orders/count?min_id=3", nil, &count)
	sum := 0
	for _, s := range count.Statuses {
		sum += s.Count
	}
	if count.Count != 18 || sum != 18 || len(count.Statuses) != 15 {
		t.Fatalf("count %+v", count)
	}
	if resp, _ := h.do("GET", "v2/orders/99/products", nil); resp.StatusCode != 404 {
		t.Fatalf("products of an unknown order: %d", resp.StatusCode)
	}
}

func TestOrderWritesAndArchive(t *testing.T) {
	h := start(t, Config{Customers: 2, Orders: 3, Products: 2, Seed: 7})
	billing := map[string]string{"first_name": "Jürgen", "last_name": "Groß", "street_1": "Hauptstraße 5", "city": "Berlin", "zip": "10115",
		"country": "Germany", "country_iso2": "DE", "email": "jurgen@example.com"}
	var o order
	status := h.json("POST", "v2/orders", map[string]any{"billing_address": billing, "customer_id": 1,
		"products": []map[string]any{{"product_id": 2, "quantity": 3}, {"name": "Geschenkpapier", "quantity": 1, "price_ex_tax": 2.5, "price_inc_tax": 2.975}}}, &o)
	if status != 200 || o.ID != 4 || o.StatusID != 1 || o.Status != "Pending" || o.ItemsTotal != 4 || o.TotalIncTax == "" {
		t.Fatalf("create: %d %+v", status, o)
	}
	for _, bad := range []map[string]any{
		{"products": []map[string]any{{"name": "x", "quantity": 1, "price_ex_tax": 1, "price_inc_tax": 1}}},
		{"billing_address": billing},
		{"billing_address": billing, "products": []map[string]any{{"product_id": 99, "quantity": 1}}},
		{"billing_address": billing, "status_id": 15, "products": []map[string]any{{"product_id": 1, "quantity": 1}}},
	} {
		var e v2Error
		resp, b := h.do("POST", "v2/orders", bad)
		if resp.StatusCode != 400 || jsonInto(b, &e) != nil || len(e) == 0 || e[0].Message == "" {
			t.Errorf("%v: %d %s", bad, resp.StatusCode, b)
		}
	}
	lineID := 4*1000 + 1
	var updated order
	h.json("PUT", "v2/orders/4", map[string]any{"status_id": 11, "products": []map[string]any{{"id": lineID, "quantity": 0}}}, &updated)
	if updated.StatusID != 11 || updated.ItemsTotal != 1 || updated.BillingAddress.City != "Berlin" {
		t.Fatalf("update %+v", updated)
	}
	if resp, _ := h.do("DELETE", "v2/orders/4", nil); resp.StatusCode != 204 {
		t.Fatal("archive")
	}
	var archived order
	h.json("GET", "v2/orders/4", nil, &archived)
	var listed []order
	h.json("GET", "v2/orders", nil, &listed)
	if !archived.IsDeleted || len(listed) != 3 {
		t.Fatalf("archived %v, listed %d", archived.IsDeleted, len(listed))
	}
	if resp, _ := h.do("PUT", "v2/orders/99", map[string]any{"status_id": 1}); resp.StatusCode != 404 {
		t.Fatal("update of an unknown order")
	}
}

func TestProductFiltersAndWrites(t *testing.T) {
	clock := &clock{t: fixedNow()}
	h := start(t, Config{Products: 60, Seed: 8, Now: clock.now})
	var created productResponse
	if status := h.json("POST", "v3/catalog/products", map[string]any{"name": "Café Crème Mug", "type": "physical", "weight": 0.4, "price": 12.5}, &created); status != 200 || !created.Data.IsVisible {
		t.Fatalf("create %d %+v", status, created)
	}
	if resp, _ := h.raw("POST", "v3/catalog/products", map[string]any{"name": "No price", "type": "physical", "weight": 1}); resp.StatusCode != 422 {
		t.Fatal("a product without a price was created")
	}
	var hidden productResponse
	h.json("PUT", fmt.Sprintf("v3/catalog/products/%d", created.Data.ID), map[string]any{"is_visible": false, "sale_price": 9.99}, &hidden)
	if hidden.Data.IsVisible || hidden.Data.CalculatedPrice.String() != "9.99" {
		t.Fatalf("update %+v", hidden.Data)
	}
	count := func(path string) int {
		var list struct {
			Meta listMeta `json:"meta"`
		}
		h.json("GET", path, nil, &list)
		return list.Meta.Pagination.Total
	}
	all, visible, invisible := count("v3/catalog/products"), count("v3/catalog/products?is_visible=true"), count("v3/catalog/products?is_visible=false")
	if all != 61 || visible+invisible != all || invisible < 2 {
		t.Fatalf("all %d visible %d hidden %d", all, visible, invisible)
	}
	// A bare date in date_modified:min takes the current time of day, as BigCommerce documents: the
	// product changed "today" at 12:00 is found with a full timestamp but not with the date alone.
	if n := count("v3/catalog/products?date_modified:min=2026-03-01T00:00:00Z"); n != 1 {
		t.Fatalf("since midnight: %d", n)
	}
	clock.add(time.Hour)
	if n := count("v3/catalog/products?date_modified:min=2026-03-01"); n != 0 {
		t.Fatalf("since the bare date: %d", n)
	}
	if resp, _ := h.do("DELETE", fmt.Sprintf("v3/catalog/products/%d", created.Data.ID), nil); resp.StatusCode != 204 {
		t.Fatal("delete")
	}
	if resp, _ := h.do("GET", fmt.Sprintf("v3/catalog/products/%d", created.Data.ID), nil); resp.StatusCode != 404 {
		t.Fatal("a deleted product was found")
	}
}
