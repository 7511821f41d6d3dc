package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every text input of the API has a longest value; a longer one is refused with a 422 naming the field,
// before anything is checked or saved. (A 500 KB token name once made the tokens page 1 MB.)
func TestTextLongerThanItsFieldTakesIsRefused(t *testing.T) {
	c := newClient(t)
	id := c.connect()
	in := c.env.ConnectInput()
	long := func(n int) string { return strings.Repeat("x", n) }
	connect := func(field, value string) map[string]any {
		b := map[string]any{"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
			"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint}
		b[field] = value
		return b
	}
	addStore := func(field, value string) map[string]any {
		b := map[string]any{"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken}
		b[field] = value
		return b
	}
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", "/api/v1/tokens", map[string]any{"name": long(500 << 10)}, "name"},
		{"POST", "/api/v1/tokens", map[string]any{"name": long(101)}, "name"},
		{"POST", "/api/v1/tokens", map[string]any{"name": strings.Repeat("é", 101)}, "name"},
		{"POST", "/api/v1/connections", connect("name", long(101)), "name"},
		{"POST", "/api/v1/connections", connect("bigcommerce_api_path", in.BigCommerce.APIPath+long(300)), "bigcommerce_api_path"},
		{"POST", "/api/v1/connections", connect("bigcommerce_client_id", long(101)), "bigcommerce_client_id"},
		{"POST", "/api/v1/connections", connect("bigcommerce_access_token", long(201)), "bigcommerce_access_token"},
		{"POST", "/api/v1/connections", connect("bigcommerce_base_url", "http://127.0.0.1/"+long(300)), "bigcommerce_base_url"},
		{"POST", "/api/v1/connections", connect("dotdigital_username", long(255)), "dotdigital_username"},
		{"POST", "/api/v1/connections", connect("dotdigital_password", long(201)), "dotdigital_password"},
		{"POST", "/api/v1/connections", connect("dotdigital_endpoint", "http://127.0.0.1/"+long(300)), "dotdigital_endpoint"},
		{"POST", "/api/v1/stores", addStore("name", long(101)), "name"},
		{"POST", "/api/v1/stores", addStore("bigcommerce_access_token", long(201)), "bigcommerce_access_token"},
		{"PATCH", fmt.Sprintf("/api/v1/connections/%d/settings", id), map[string]any{"subscriber_list": long(256)}, "subscriber_list"},
		{"PATCH", fmt.Sprintf("/api/v1/connections/%d/settings", id), map[string]any{"customer_list": long(256)}, "customer_list"},
		{"PUT", fmt.Sprintf("/api/v1/connections/%d/mapping", id), map[string]any{"mappings": []map[string]string{{"source": "first_name", "data_field": long(101)}}}, "data_field"},
		{"PUT", fmt.Sprintf("/api/v1/connections/%d/mapping", id), map[string]any{"mappings": []map[string]string{{"source": "form_field:" + long(300), "data_field": "FIRSTNAME"}}}, "source"},
		{"GET", fmt.Sprintf("/api/v1/connections/%d/rejected?q=%s", id, url.QueryEscape(long(321))), nil, "q"},
		{"POST", "/api/v1/warehouse/sources", map[string]any{"name": long(101), "url": "sqlite:/tmp/x.db"}, "name"},
		{"POST", "/api/v1/warehouse/sources", map[string]any{"name": "dwh", "url": "sqlite:/" + long(2000)}, "url"},
		{"POST", "/api/v1/warehouse/models", map[string]any{"name": "m", "source_id": 1, "query": "SELECT " + long(100_000), "primary_key": "id"}, "query"},
		{"POST", "/api/v1/warehouse/syncs", map[string]any{"name": "s", "mappings": []map[string]any{{"field": "notes", "template": long(2001)}}}, "template"},
		{"POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "type": "slack", "url": "https://hooks.slack.com/" + long(2000)}, "url"},
	} {
		status, out, _ := c.call(tc.method, tc.path, tc.body)
		msg, _ := out["error"].(string)
		if status != http.StatusUnprocessableEntity || out["code"] != "too_long" || out["field"] != tc.field || !strings.Contains(msg, "at most") {
			t.Errorf("%s %s with a long %s: %d %.200v", tc.method, tc.path, tc.field, status, out)
		}
	}
	// Nothing was saved: one store, one connection, no token but the tests' own.
	for path, key := range map[string]string{"/api/v1/tokens": "tokens", "/api/v1/stores": "stores", "/api/v1/connections": "connections"} {
		if n := len(c.must(http.StatusOK, "GET", path, nil)[key].([]any)); n != 1 {
			t.Errorf("%s: %d", path, n)
		}
	}
	// The longest value a field takes is accepted.
	c.must(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": strings.Repeat("é", 100)})
}
