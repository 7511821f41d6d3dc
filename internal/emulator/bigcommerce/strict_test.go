package bigcommerce

import (
	"encoding/json"
	"strings"
	"testing"
)

// Write bodies are held to the properties the descriptions give each operation and to their types:
// v3 answers 422 "JSON data is missing or invalid" naming the path, v2 400 naming the field, and
// nothing is written.
func TestWriteBodiesTheAPIWouldRefuseAreRefused(t *testing.T) {
	h := start(t, Config{Seed: 1, Customers: 3, Subscribers: 3, Orders: 3, Products: 3})
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		field        string
	}{
		{"POST", "v3/customers", []map[string]any{{"email": "a@example.com", "first_name": "A", "last_name": "B", "nickname": "ab"}}, 422, "0.nickname"},
		{"PUT", "v3/customers", []map[string]any{{"id": 1, "addresses": []any{}}}, 422, "0.addresses"},
		{"POST", "v3/customers", []map[string]any{{"email": 7, "first_name": "A", "last_name": "B"}}, 422, "email"},
		{"POST", "v3/customers/subscribers", map[string]any{"email": "s@example.com", "consent": []string{"marketing_newsletter"}}, 422, "consent"},
		{"PUT", "v3/hooks/1", map[string]any{"active": true}, 422, "active"},
		{"PUT", "v2/orders/1", map[string]any{"status": 2}, 400, "status"},
	} {
		resp, body := h.raw(c.method, c.path, c.body)
		var v3 struct{ Errors map[string]string }
		var v2 []struct{ Message string }
		ok := resp.StatusCode == c.status
		if c.status == 422 {
			ok = ok && json.Unmarshal(body, &v3) == nil && v3.Errors[c.field] != ""
		} else {
			ok = ok && json.Unmarshal(body, &v2) == nil && len(v2) == 1 && strings.Contains(v2[0].Message, "'"+c.field+"'")
		}
		if !ok {
			t.Errorf("%s %s %v: %d %s", c.method, c.path, c.body, resp.StatusCode, body)
		}
	}
	var subs struct{ Data []struct{ Email string } }
	h.json("GET", "v3/customers/subscribers?email=s@example.com", nil, &subs)
	if len(subs.Data) != 0 {
		t.Fatalf("a refused subscriber was written: %+v", subs.Data)
	}
}
