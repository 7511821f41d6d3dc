package bigcommerce

import (
	"testing"
)

func TestOrderWriteRules(t *testing.T) {
	h := start(t, Config{Orders: 3, Products: 2, Seed: 7})
	billing := map[string]string{"first_name": "Ana", "last_name": "Lima", "street_1": "Rua 1", "city": "Porto", "zip": "4000-001", "country_iso2": "PT", "email": "ana@example.com"}
	newOrder := func(extra map[string]any) map[string]any {
		o := map[string]any{"billing_address": billing, "products": []map[string]any{{"product_id": 1, "quantity": 1}}}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
	}{
		{"external_id, read-only", "POST", "v2/orders", newOrder(map[string]any{"external_id": "AMZ-1"})},
		{"a one-character zip", "POST", "v2/orders", newOrder(map[string]any{"billing_address": map[string]string{"zip": "1", "email": "a@example.com"}})},
		{"external_merchant_id on update", "PUT", "v2/orders/1", map[string]any{"external_merchant_id": "m-1"}},
		{"a zip emptied on update", "PUT", "v2/orders/1", map[string]any{"billing_address": map[string]string{"zip": ""}}},
	} {
		var e v2Error
		resp, b := h.raw(tc.method, tc.path, tc.body)
		if resp.StatusCode != 400 || jsonInto(b, &e) != nil || len(e) == 0 {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	var created order
	if status := h.json("POST", "v2/orders", newOrder(map[string]any{"external_order_id": "row-1", "external_source": "bcsync"}), &created); status != 200 ||
		created.ExternalOrderID != "row-1" || created.ExternalID != nil || *created.ExternalSource != "bcsync" {
		t.Fatalf("create: %d %+v", status, created)
	}
	var found []order
	if status := h.json("GET", "v2/orders?external_order_id=row-1", nil, &found); status != 200 || len(found) != 1 || found[0].ID != created.ID {
		t.Fatalf("by external order id: %d %+v", status, found)
	}
	var count struct {
		Count int `json:"count"`
	}
	h.json("GET", "v2/orders/count?external_order_id=row-1", nil, &count)
	if count.Count != 1 {
		t.Fatalf("count %d", count.Count)
	}
	// Archived orders leave lists, filtered ones included; they stay readable by id.
	h.do("DELETE", "v2/orders/4", nil)
	if resp, _ := h.do("GET", "v2/orders?external_order_id=row-1", nil); resp.StatusCode != 204 {
		t.Fatalf("an archived order is found by its external order id: %d", resp.StatusCode)
	}
	h.json("GET", "v2/orders/count?external_order_id=row-1", nil, &count)
	if count.Count != 0 {
		t.Fatalf("an archived order is counted: %d", count.Count)
	}
}
