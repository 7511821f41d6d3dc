package bigcommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// writeProps are the properties the official descriptions give each write body (hand-coded: the
// descriptions stay outside the repository), by route. A body with a property its operation does not
// have is refused before anything is written: v3 422 "JSON data is missing or invalid" naming it
// ("0.nickname": "error.path.unknown"), v2 400 [{status, message}]. Read-only properties the
// descriptions list stay here; the handlers refuse those BigCommerce refuses (external_id).
var writeProps = map[string][]string{
	"POST /v3/customers": {"accepts_product_review_abandoned_cart_emails", "addresses", "attributes", "authentication", "channel_ids",
		"company", "customer_group_id", "email", "first_name", "form_fields", "last_name", "notes", "origin_channel_id", "phone",
		"store_credit_amounts", "tax_exempt_category", "trigger_account_created_notification"},
	"PUT /v3/customers": {"accepts_product_review_abandoned_cart_emails", "authentication", "channel_ids", "company", "customer_group_id",
		"email", "first_name", "form_fields", "id", "last_name", "notes", "origin_channel_id", "phone", "registration_ip_address",
		"store_credit_amounts", "tax_exempt_category"},
	"POST /v3/customers/attributes":             {"name", "type"},
	"PUT /v3/customers/attribute-values":        {"attribute_id", "customer_id", "id", "value"},
	"PUT /v3/customers/form-field-values":       {"address_id", "customer_id", "name", "value"},
	"POST /v3/customers/metafields":             {"description", "key", "namespace", "permission_set", "resource_id", "value"},
	"PUT /v3/customers/metafields":              {"description", "id", "key", "namespace", "permission_set", "value"},
	"POST /v3/customers/{customerId}/{part...}": {"description", "key", "namespace", "permission_set", "value"},
	"PUT /v3/customers/{customerId}/{part...}":  {"description", "id", "key", "namespace", "permission_set", "value"},
	"POST /v3/customers/subscribers":            {"channel_id", "consents", "email", "first_name", "last_name", "order_id", "source"},
	"PUT /v3/customers/subscribers/{id}":        {"channel_id", "consents", "email", "first_name", "last_name", "order_id", "source"},
	"POST /v2/orders":                           orderProps,
	"PUT /v2/orders/{id}":                       orderProps,
	// email is the emulator's extension (see carts.go).
	"POST /v3/carts":                {"channel_id", "currency", "custom_items", "customer_id", "gift_certificates", "line_items", "locale", "email"},
	"POST /v3/hooks":                {"destination", "headers", "is_active", "scope"},
	"PUT /v3/hooks/{id}":            {"destination", "headers", "is_active", "scope"},
	"POST /v3/catalog/products":     productProps,
	"PUT /v3/catalog/products/{id}": productProps,
}

var orderProps = []string{"base_handling_cost", "base_shipping_cost", "base_wrapping_cost", "billing_address", "channel_id", "consignments",
	"customer_id", "customer_locale", "customer_message", "date_created", "default_currency_code", "discount_amount", "ebay_order_id",
	"external_id", "external_merchant_id", "external_order_id", "external_source", "fees", "geoip_country", "geoip_country_iso2",
	"handling_cost_ex_tax", "handling_cost_inc_tax", "ip_address", "ip_address_v6", "items_shipped", "items_total", "order_is_digital",
	"order_source", "payment_method", "payment_provider_id", "products", "refunded_amount", "shipping_addresses", "shipping_cost_ex_tax",
	"shipping_cost_inc_tax", "staff_notes", "status_id", "subtotal_ex_tax", "subtotal_inc_tax", "tax_provider_id", "total_ex_tax",
	"total_inc_tax", "wrapping_cost_ex_tax", "wrapping_cost_inc_tax"}

var productProps = []string{"availability", "availability_description", "bin_picking_number", "brand_id", "brand_name",
	"bulk_pricing_rules", "categories", "condition", "cost_price", "custom_fields", "custom_url", "date_last_imported", "depth",
	"description", "fixed_cost_shipping_price", "gift_wrapping_options_list", "gift_wrapping_options_type", "gtin", "height", "id",
	"images", "inventory_level", "inventory_tracking", "inventory_warning_level", "is_condition_shown", "is_featured",
	"is_free_shipping", "is_preorder_only", "is_price_hidden", "is_visible", "layout_file", "map_price", "meta_description",
	"meta_keywords", "mpn", "name", "open_graph_description", "open_graph_title", "open_graph_type", "open_graph_use_image",
	"open_graph_use_meta_description", "open_graph_use_product_name", "order_quantity_maximum", "order_quantity_minimum",
	"page_title", "preorder_message", "preorder_release_date", "price", "price_hidden_label", "product_tax_code",
	"related_products", "retail_price", "reviews_count", "reviews_rating_sum", "sale_price", "search_keywords", "sku", "sort_order",
	"tax_class_id", "total_sold", "type", "upc", "variants", "videos", "view_count", "warranty", "weight", "width"}

// routeOf is the route a request matched, without the store prefix: "POST /v3/customers".
func routeOf(r *http.Request) string {
	method, path, _ := strings.Cut(r.Pattern, " ")
	return method + " " + strings.TrimPrefix(path, "/stores/{store_hash}")
}

// unknownProps names the properties of a body (an object, or an array of objects: "3.nickname") that
// allowed does not hold.
func unknownProps(body []byte, allowed []string) map[string]string {
	out := map[string]string{}
	check := func(prefix string, raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return // not an object: the decoder names the type
		}
		for k := range obj {
			if !slices.Contains(allowed, k) {
				out[prefix+k] = "error.path.unknown"
			}
		}
	}
	var items []json.RawMessage
	if json.Unmarshal(body, &items) == nil {
		for i, it := range items {
			check(fmt.Sprintf("%d.", i), it)
		}
		return out
	}
	check("", body)
	return out
}

// refuseShape answers a body not of its operation's shape: unknown properties or values of the wrong
// type. v3 says 422 "JSON data is missing or invalid" with the paths, as BigCommerce does for invalid
// JSON; v2 400 with one message per property.
func (s *Server) refuseShape(w http.ResponseWriter, r *http.Request, fields map[string]string) {
	if isV2(r) {
		msgs := make(map[string]string, len(fields))
		for k, v := range fields {
			if v == "error.path.unknown" {
				v = fmt.Sprintf("The field '%s' is not a property of this request.", k)
			}
			msgs[k] = v
		}
		s.writeError(w, r, http.StatusBadRequest, "The request body is invalid.", msgs)
		return
	}
	s.writeError(w, r, http.StatusUnprocessableEntity, "JSON data is missing or invalid", fields)
}

// typeProblem names the property a decoding error is about, when it is a value of the wrong type.
func typeProblem(err error) (map[string]string, bool) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return nil, false
	}
	field := te.Field
	if field == "" {
		field = "body"
	}
	return map[string]string{field: "error.type.invalid: expected " + te.Type.String() + ", got " + te.Value}, true
}
