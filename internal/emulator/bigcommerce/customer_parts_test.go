package bigcommerce

import (
	"fmt"
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
