package bigcommerce

import (
	"fmt"
	"strings"
	"testing"
)

type attributeValues struct {
	Data []attributeValue `json:"data"`
	Meta listMeta         `json:"meta"`
}

func TestAttributeRules(t *testing.T) {
	h := start(t, Config{Customers: 20, Seed: 9})
	var defs struct {
		Data []attributeDef `json:"data"`
	}
	if status := h.json("GET", "v3/customers/attributes?type=number", nil, &defs); status != 200 || len(defs.Data) != 1 || defs.Data[0].Name != "Shoe size" {
		t.Fatalf("number attributes: %d %+v", status, defs.Data)
	}
	if status := h.json("POST", "v3/customers/attributes", []map[string]string{{"name": "Joined", "type": "date"}}, &defs); status != 200 || defs.Data[0].ID != 4 {
		t.Fatalf("create: %d %+v", status, defs.Data)
	}
	var e v3Error
	resp, b := h.raw("POST", "v3/customers/attributes", []map[string]string{{"name": "Ok", "type": "string"}, {"name": "Flag", "type": "boolean"}})
	if resp.StatusCode != 422 || jsonInto(b, &e) != nil || e.Errors["1.type"] == "" {
		t.Fatalf("a boolean attribute: %d %s", resp.StatusCode, b)
	}
	more := make([]map[string]string, 46)
	for i := range more {
		more[i] = map[string]string{"name": fmt.Sprintf("Field %d", i), "type": "string"}
	}
	if status := h.json("POST", "v3/customers/attributes", more, nil); status != 200 {
		t.Fatalf("up to 50 attributes: %d", status)
	}
	if status := h.json("POST", "v3/customers/attributes", []map[string]string{{"name": "Fifty-first", "type": "string"}}, nil); status != 422 {
		t.Fatalf("a 51st attribute: %d", status)
	}

	eleven := []map[string]any{}
	for id := 1; id <= 11; id++ {
		eleven = append(eleven, map[string]any{"customer_id": id, "attribute_id": 1, "value": "Gold"})
	}
	if status := h.json("PUT", "v3/customers/attribute-values", eleven, nil); status != 413 {
		t.Fatalf("11 customers: %d", status)
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"a date attribute given another format", map[string]any{"customer_id": 1, "attribute_id": 4, "value": "14/05/2024"}, "1.value"},
		{"a number attribute given a word", map[string]any{"customer_id": 1, "attribute_id": 2, "value": "large"}, "1.value"},
		{"an unknown attribute", map[string]any{"customer_id": 1, "attribute_id": 99, "value": "x"}, "1.value"},
		{"an unknown customer", map[string]any{"customer_id": 999, "attribute_id": 1, "value": "x"}, "1.customer_id"},
		{"another value's id", map[string]any{"id": 123456, "customer_id": 2, "attribute_id": 1, "value": "x"}, "1.id"},
	} {
		body := []map[string]any{{"customer_id": 3, "attribute_id": 4, "value": "2024-05-14"}, tc.body}
		var e v3Error
		resp, b := h.do("PUT", "v3/customers/attribute-values", body)
		if resp.StatusCode != 422 || jsonInto(b, &e) != nil || e.Errors[tc.field] == "" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	var list attributeValues
	h.json("GET", "v3/customers/attribute-values?customer_id:in=3&name=Joined", nil, &list)
	if len(list.Data) != 0 {
		t.Fatalf("a refused batch wrote %+v", list.Data)
	}
	var written attributeValues
	h.json("PUT", "v3/customers/attribute-values", []map[string]any{{"customer_id": 3, "attribute_id": 4, "value": "2024-05-14"}, {"customer_id": 3, "attribute_id": 2, "value": "41.5"}}, &written)
	h.json("GET", "v3/customers/attribute-values?customer_id:in=3,4&attribute_id:in=2,4", nil, &list)
	if len(written.Data) != 2 || written.Data[0].ID == 0 || len(list.Data) < 2 || list.Meta.Pagination.Total != len(list.Data) {
		t.Fatalf("written %+v, listed %+v", written.Data, list.Data)
	}
	if resp, _ := h.raw("DELETE", "v3/customers/attribute-values", nil); resp.StatusCode != 422 {
		t.Fatalf("a DELETE without id:in: %d", resp.StatusCode)
	}
	if resp, _ := h.do("DELETE", fmt.Sprintf("v3/customers/attribute-values?id:in=%d,999999", written.Data[0].ID), nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	h.json("GET", "v3/customers/attribute-values?customer_id:in=3&attribute_id:in=4", nil, &list)
	if len(list.Data) != 0 {
		t.Fatalf("a deleted value is listed: %+v", list.Data)
	}
}

func TestFormFieldValueRules(t *testing.T) {
	h := start(t, Config{Customers: 20, Seed: 9})
	eleven := []map[string]any{}
	for id := 1; id <= 11; id++ {
		eleven = append(eleven, map[string]any{"customer_id": id, "name": "Birthday month", "value": "Mai"})
	}
	if status := h.json("PUT", "v3/customers/form-field-values", eleven, nil); status != 413 {
		t.Fatalf("11 customers: %d", status)
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"a field the signup form lacks", map[string]any{"customer_id": 1, "name": "Favourite colour", "value": "red"}, "1.value"},
		{"a checkbox field given a string", map[string]any{"customer_id": 1, "name": "Interests", "value": "tea"}, "1.value"},
		{"a numbers field given a word", map[string]any{"customer_id": 1, "name": "Loyalty number", "value": "twelve"}, "1.value"},
		{"an unknown customer", map[string]any{"customer_id": 999, "name": "Birthday month", "value": "Mai"}, "1.customer_id"},
		{"an address field", map[string]any{"address_id": 11, "name": "Birthday month", "value": "Mai"}, "1.address_id"},
	} {
		body := []map[string]any{{"customer_id": 2, "name": "Birthday month", "value": "Juni"}, tc.body}
		var e v3Error
		resp, b := h.do("PUT", "v3/customers/form-field-values", body)
		if resp.StatusCode != 422 || jsonInto(b, &e) != nil || e.Errors[tc.field] == "" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	var list struct {
		Data []formFieldValue `json:"data"`
		Meta listMeta         `json:"meta"`
	}
	if status := h.json("PUT", "v3/customers/form-field-values", []map[string]any{{"customer_id": 2, "name": "Interests", "value": []string{"tea"}},
		{"customer_id": 2, "name": "Loyalty number", "value": 7}}, &list); status != 200 || len(list.Data) != 2 {
		t.Fatalf("upsert: %d %+v", status, list.Data)
	}
	h.json("GET", "v3/customers/form-field-values?customer_id=2&field_type=checkboxes", nil, &list)
	if len(list.Data) != 1 || string(list.Data[0].Value) != `["tea"]` || list.Data[0].CustomerID != 2 {
		t.Fatalf("checkboxes of customer 2: %+v", list.Data)
	}
}

type metafieldsWrite struct {
	Data   []metafield `json:"data"`
	Errors []v3Error   `json:"errors"`
	Meta   struct {
		Total, Success, Failed int
	} `json:"meta"`
}

func TestMetafieldRules(t *testing.T) {
	h := start(t, Config{Customers: 5, Seed: 9})
	mf := func(key string) map[string]any {
		return map[string]any{"namespace": "ns", "key": key, "value": "v", "permission_set": "read"}
	}
	var created metafieldsWrite
	if status := h.json("POST", "v3/customers/1/metafields", mf("a"), &created); status != 200 || len(created.Data) != 1 || created.Data[0].ResourceID != 1 {
		t.Fatalf("create: %d %+v", status, created)
	}
	id := created.Data[0].ID
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"a taken namespace and key", "POST", "v3/customers/1/metafields", mf("a"), 409, "key"},
		{"an unknown customer", "POST", "v3/customers/99/metafields", mf("b"), 404, ""},
		{"no value (raw)", "POST", "v3/customers/1/metafields", map[string]any{"namespace": "ns", "key": "c", "permission_set": "read"}, 422, "value"},
		{"an unknown permission set (raw)", "POST", "v3/customers/1/metafields", map[string]any{"namespace": "ns", "key": "c", "value": "v", "permission_set": "everyone"}, 422, "permission_set"},
		{"a key of 65 characters (raw)", "POST", "v3/customers/1/metafields", mf(strings.Repeat("k", 65)), 422, "key"},
		{"another customer's metafield", "GET", fmt.Sprintf("v3/customers/2/metafields/%d", id), nil, 404, ""},
		{"a body id that is not the path's", "PUT", fmt.Sprintf("v3/customers/1/metafields/%d", id), map[string]any{"id": id + 1, "value": "w"}, 422, "id"},
		{"an unknown metafield", "DELETE", "v3/customers/1/metafields/999", nil, 404, ""},
	} {
		do := h.do
		if strings.HasSuffix(tc.name, "(raw)") {
			do = h.raw // the description forbids these bodies
		}
		var e v3Error
		resp, b := do(tc.method, tc.path, tc.body)
		if resp.StatusCode != tc.status || tc.field != "" && (jsonInto(b, &e) != nil || e.Errors[tc.field] == "") {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	var one struct {
		Data metafield `json:"data"`
	}
	if status := h.json("GET", fmt.Sprintf("v3/customers/1/metafields/%d", id), nil, &one); status != 200 || one.Data.Key != "a" {
		t.Fatalf("get: %d %+v", status, one.Data)
	}

	eleven := []map[string]any{}
	for i := range 11 {
		m := mf(fmt.Sprintf("k%d", i))
		m["resource_id"] = 2
		eleven = append(eleven, m)
	}
	if status := h.json("POST", "v3/customers/metafields", eleven, nil); status != 413 {
		t.Fatalf("11 metafields: %d", status)
	}
	// A batch writes what it can: 422 with the written ones, the refused ones keyed by their index.
	var partial metafieldsWrite
	batch := []map[string]any{eleven[0], eleven[1], {"namespace": "ns", "key": "a", "value": "v", "permission_set": "read", "resource_id": 1}}
	if status := h.json("POST", "v3/customers/metafields", batch, &partial); status != 422 || len(partial.Data) != 2 || partial.Meta.Failed != 1 ||
		partial.Meta.Success != 2 || len(partial.Errors) != 1 || partial.Errors[0].Errors["2"] == "" {
		t.Fatalf("partial create: %d %+v", status, partial)
	}
	var list struct {
		Data []metafield `json:"data"`
		Meta listMeta    `json:"meta"`
	}
	h.json("GET", "v3/customers/metafields?namespace=ns&direction=desc", nil, &list)
	if len(list.Data) != 3 || list.Data[0].ID < list.Data[2].ID {
		t.Fatalf("listed %+v", list.Data)
	}
	if resp, _ := h.do("DELETE", "v3/customers/metafields", nil); resp.StatusCode != 400 {
		t.Fatalf("a DELETE without ids: %d", resp.StatusCode)
	}
	var deleted struct {
		Data []int `json:"data"`
	}
	if status := h.json("DELETE", "v3/customers/metafields", []int{partial.Data[0].ID, 777}, &deleted); status != 422 || len(deleted.Data) != 1 {
		t.Fatalf("partial delete: %d %+v", status, deleted)
	}
	// Deleting the customer deletes its metafields.
	h.do("DELETE", "v3/customers?id:in=2", nil)
	h.json("GET", "v3/customers/metafields", nil, &list)
	if len(list.Data) != 1 || list.Data[0].ResourceID != 1 {
		t.Fatalf("after deleting customer 2: %+v", list.Data)
	}
}
