package mapping

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/bcsync/bcsync/internal/spectest"
)

// skipped are the writable properties of the descriptions' write schemas that the catalogue leaves
// out, each with why. A property neither here nor in the catalogue fails TestCatalogueCoversEveryWritableProperty.
var skipped = map[Object]map[string]string{
	Customers: {
		"id":                                   "the record's id: the match (--match COLUMN=id), not a field written",
		"tax_exempt_category":                  "bigcommerce.CustomerInput has no field for it",
		"registration_ip_address":              "PUT only, and bigcommerce.CustomerInput has no field for it",
		"authentication.force_password_reset":  "bigcommerce.CustomerInput has no authentication",
		"authentication.new_password":          "a password is no model data; bigcommerce.CustomerInput has no authentication",
		"origin_channel_id":                    "the store's channel set-up, not row data; bigcommerce.CustomerInput has no field for it",
		"channel_ids":                          "a list of channels: the store's set-up (sent by no one: the customer is global)",
		"trigger_account_created_notification": "a request option, not a customer field; bigcommerce.CustomerInput has no field for it",
		"address.form_fields":                  "bigcommerce.AddressInput has no form fields",
	},
	Orders: {
		"external_order_id":            "bcsync's own key of the row (OrderInput.ExternalOrderID, OrdersByExternalID): the engine sets it",
		"external_merchant_id":         "set once by marketplaces; bigcommerce.OrderInput has no field for it",
		"consignments":                 "pickup mode; bcsync writes products mode (products and shipping_addresses)",
		"fees":                         "bigcommerce.OrderInput has no fees",
		"default_currency_code":        "multi-currency stores only; bigcommerce.OrderInput has no field for it",
		"channel_id":                   "bigcommerce.OrderInput has no field for it",
		"customer_locale":              "bigcommerce.OrderInput has no field for it",
		"ip_address":                   "bigcommerce.OrderInput has no field for it",
		"ip_address_v6":                "bigcommerce.OrderInput has no field for it",
		"geoip_country":                "bigcommerce.OrderInput has no field for it",
		"geoip_country_iso2":           "bigcommerce.OrderInput has no field for it",
		"base_handling_cost":           "a cost override; bigcommerce.OrderInput has no field for it",
		"base_shipping_cost":           "a cost override; bigcommerce.OrderInput has no field for it",
		"base_wrapping_cost":           "a cost override; bigcommerce.OrderInput has no field for it",
		"handling_cost_ex_tax":         "a cost override; bigcommerce.OrderInput has no field for it",
		"handling_cost_inc_tax":        "a cost override; bigcommerce.OrderInput has no field for it",
		"wrapping_cost_ex_tax":         "a cost override; bigcommerce.OrderInput has no field for it",
		"wrapping_cost_inc_tax":        "a cost override; bigcommerce.OrderInput has no field for it",
		"shipping_cost_inc_tax":        "bigcommerce.OrderInput takes the shipping cost excluding tax only",
		"subtotal_ex_tax":              "a total override (with its pair); bigcommerce.OrderInput has no field for it",
		"subtotal_inc_tax":             "a total override (with its pair); bigcommerce.OrderInput has no field for it",
		"total_ex_tax":                 "a total override (with its pair); bigcommerce.OrderInput has no field for it",
		"total_inc_tax":                "a total override (with its pair); bigcommerce.OrderInput has no field for it",
		"items_total":                  "counted by BigCommerce from the lines",
		"items_shipped":                "counted by BigCommerce from the shipments",
		"order_is_digital":             "bigcommerce.OrderInput has no field for it",
		"payment_provider_id":          "bigcommerce.OrderInput has no field for it",
		"refunded_amount":              `"always returns 0"`,
		"ebay_order_id":                "set by eBay orders",
		"order_source":                 "set by BigCommerce (the API, the storefront…)",
		"tax_provider_id":              `described as "Read-only" in its text`,
		"billing_address.form_fields":  "bigcommerce.OrderAddress has no form fields",
		"shipping_address.form_fields": "bigcommerce.OrderAddress has no form fields",
		"shipping_address.id":          "PUT only: shipping addresses are written on create",
	},
}

// skippedLineKeys are the product line properties the products field does not take.
var skippedLineKeys = map[string]string{
	"name_customer":         "an alias of name",
	"name_merchant":         "bigcommerce.OrderProductInput has no field for it",
	"product_options":       "bigcommerce.OrderProductInput has no options: give the variant_id",
	"upc":                   "bigcommerce.OrderProductInput has no field for it",
	"wrapping_id":           "bigcommerce.OrderProductInput has no gift wrapping",
	"wrapping_name":         "bigcommerce.OrderProductInput has no gift wrapping",
	"wrapping_message":      "bigcommerce.OrderProductInput has no gift wrapping",
	"wrapping_cost_ex_tax":  "bigcommerce.OrderProductInput has no gift wrapping",
	"wrapping_cost_inc_tax": "bigcommerce.OrderProductInput has no gift wrapping",
}

// describedAs is the property of the descriptions a catalogue key writes, where their names differ.
var describedAs = map[string]string{
	"store_credit": "store_credit_amounts",
	"status":       "status_id",
}

// limitsInText are the catalogue's length limits that the descriptions state in words, not in a
// maxLength.
var limitsInText = map[string]string{
	"billing_address.country_iso2":  `billingAddress_Base: "US"; shippingAddress_Base: "2-letter ISO Alpha-2 code"`,
	"shipping_address.country_iso2": `shippingAddress_Base: "2-letter ISO Alpha-2 code for the country"`,
}

// storeProperties are written through the store's own fields (attribute:…, form_field:…).
var storeProperties = map[string]Origin{"attributes": Attribute, "form_fields": FormField}

// described is what the descriptions say of one writable property.
type described struct {
	maxLen   int // the smallest maxLength given, 0 for none
	required bool
}

var (
	specOnce sync.Map // directory → *openapi3.T per file
)

func loadSpec(t *testing.T, file string) *openapi3.T {
	t.Helper()
	path := filepath.Join(spectest.Dir(t, "bigcommerce"), file)
	if doc, ok := specOnce.Load(path); ok {
		return doc.(*openapi3.T)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		t.Fatalf("loading %s: %v", file, err)
	}
	specOnce.Store(path, doc)
	return doc
}

// properties collects a schema's properties, through allOf and anyOf.
func properties(s *openapi3.Schema, out map[string]*openapi3.Schema) {
	for name, p := range s.Properties {
		if p.Value != nil {
			out[name] = p.Value
		}
	}
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			if sub.Value != nil {
				properties(sub.Value, out)
			}
		}
	}
}

// writable flattens the writable properties of write schemas into catalogue-like keys: nested objects
// and arrays of objects named in nested get their prefix ("addresses" → "address.first_name").
func writable(t *testing.T, doc *openapi3.T, schemas []string, nested map[string]string) map[string]described {
	t.Helper()
	out := map[string]described{}
	var walk func(s *openapi3.Schema, prefix string)
	walk = func(s *openapi3.Schema, prefix string) {
		props := map[string]*openapi3.Schema{}
		properties(s, props)
		for name, p := range props {
			if p.ReadOnly {
				continue
			}
			key := prefix + name
			if sub, ok := nested[key]; ok {
				inner := p
				if inner.Items != nil && inner.Items.Value != nil {
					inner = inner.Items.Value
				}
				walk(inner, sub)
				continue
			}
			d := out[key]
			if p.MaxLength != nil && (d.maxLen == 0 || int(*p.MaxLength) < d.maxLen) {
				d.maxLen = int(*p.MaxLength)
			}
			out[key] = d
		}
	}
	for _, name := range schemas {
		ref, ok := doc.Components.Schemas[name]
		if !ok || ref.Value == nil {
			t.Fatalf("the description has no schema %s", name)
		}
		walk(ref.Value, "")
	}
	return out
}

func required(t *testing.T, doc *openapi3.T, schema string) []string {
	t.Helper()
	ref, ok := doc.Components.Schemas[schema]
	if !ok {
		t.Fatalf("the description has no schema %s", schema)
	}
	return ref.Value.Required
}

func describedFields(t *testing.T, o Object) map[string]described {
	switch o {
	case Customers:
		doc := loadSpec(t, "customers.v3.yml")
		props := writable(t, doc, []string{"customer_Post", "customer_Put"},
			map[string]string{"addresses": "address.", "authentication": "authentication."})
		for _, r := range required(t, doc, "customer_Post") {
			d := props[r]
			d.required = true
			props[r] = d
		}
		return props
	default:
		doc := loadSpec(t, "orders.v2.oas2.yml")
		props := writable(t, doc, []string{"order_Post", "order_Put"},
			map[string]string{"billing_address": "billing_address.", "shipping_addresses": "shipping_address."})
		for _, r := range required(t, doc, "billingAddress_Base") {
			d := props["billing_address."+r]
			d.required = true
			props["billing_address."+r] = d
		}
		return props
	}
}

func TestCatalogueCoversEveryWritablePropertyOfTheDescriptions(t *testing.T) {
	for _, o := range Objects {
		props := describedFields(t, o)
		var missing []string
		for name := range props {
			if _, skip := skipped[o][name]; skip {
				continue
			}
			if _, ok := storeProperties[name]; ok {
				continue
			}
			if _, ok := lookupDescribed(o, name); !ok {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		for _, name := range missing {
			t.Errorf("%s: the writable property %s is neither in the catalogue nor in the skip list", o, name)
		}
		for name := range skipped[o] {
			if _, ok := props[name]; !ok {
				t.Errorf("%s: the skip list names %s, which the descriptions do not write (remove it)", o, name)
			}
			if _, ok := lookupDescribed(o, name); ok {
				t.Errorf("%s: %s is both in the catalogue and in the skip list", o, name)
			}
		}
	}
}

func TestCatalogueWritesOnlyDescribedPropertiesWithTheirLimits(t *testing.T) {
	for _, o := range Objects {
		props := describedFields(t, o)
		for _, f := range nativeFields(o) {
			name := f.Key
			if d, ok := describedAs[name]; ok {
				name = d
			}
			d, ok := props[name]
			if !ok {
				t.Errorf("%s: %s is not a writable property of the descriptions", o, f.Key)
				continue
			}
			if text, ok := limitsInText[f.Key]; ok {
				if d.maxLen != 0 {
					t.Errorf("%s: the descriptions now give %s a maxLength of %d (%s)", o, f.Key, d.maxLen, text)
				}
			} else if d.maxLen != f.MaxLen {
				t.Errorf("%s: %s has MaxLen %d, the descriptions %d", o, f.Key, f.MaxLen, d.maxLen)
			}
			if d.required && !f.Required {
				t.Errorf("%s: the descriptions require %s to create, the catalogue does not", o, f.Key)
			}
		}
	}
}

// lookupDescribed finds the catalogue field writing a property of the descriptions.
func lookupDescribed(o Object, name string) (Field, bool) {
	for key, d := range describedAs {
		if d == name {
			name = key
		}
	}
	for _, f := range nativeFields(o) {
		if f.Key == name {
			return f, true
		}
	}
	return Field{}, false
}

func TestAnAddressNeedsThePartsTheDescriptionRequires(t *testing.T) {
	doc := loadSpec(t, "customers.v3.yml")
	want := slices.Clone(required(t, doc, "customerAddresses_CustomerPost"))
	for i := range want {
		want[i] = "address." + want[i]
	}
	var got []string
	for _, f := range customerFields {
		if f.RequiredWith == "address." {
			got = append(got, f.Key)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("address parts required: %v, the description %v", got, want)
	}
}

func TestProductLinesTakeEveryDescribedLinePropertyOrSayWhyNot(t *testing.T) {
	doc := loadSpec(t, "orders.v2.oas2.yml")
	props := writable(t, doc, []string{"orderCatalogProduct_Post", "orderCustomProduct_Post", "orderCatalogProduct_Put",
		"orderCustomProduct_Put", "orderRemoveProduct_Put"}, nil)
	for name := range props {
		_, skip := skippedLineKeys[name]
		if taken := slices.Contains(ProductKeys, name); taken == skip {
			t.Errorf("the line property %s: taken %v, skipped %v (exactly one)", name, taken, skip)
		}
	}
	for _, k := range ProductKeys {
		if _, ok := props[k]; !ok {
			t.Errorf("the line key %s is not a described property of a line", k)
		}
	}
	custom := required(t, doc, "orderCustomProduct_Post")
	slices.Sort(custom)
	if want := []string{"name", "price_ex_tax", "price_inc_tax", "quantity"}; !slices.Equal(custom, want) {
		t.Errorf("a custom line requires %v in the description; parseLine requires %v", custom, want)
	}
}

func TestCatalogueListsNativeFieldsByGroupThenTheStoresOwnSortedByName(t *testing.T) {
	cat := Catalogue(Customers, testStore)
	var groups []string
	for _, f := range cat {
		if len(groups) == 0 || groups[len(groups)-1] != f.Group {
			groups = append(groups, f.Group)
		}
	}
	want := []string{GroupCustomer, GroupAddress, GroupAttributes, GroupFormFields, GroupMetafields}
	if !slices.Equal(groups, want) {
		t.Errorf("groups %v, want %v", groups, want)
	}
	var custom []string
	for _, f := range cat {
		if f.Origin != Native {
			custom = append(custom, f.Key)
		}
	}
	wantCustom := []string{"attribute:Joined", "attribute:Loyalty tier", "attribute:Shoe size",
		"form_field:Birthday month", "form_field:How did you hear about us?", "metafield:bcsync.segment"}
	if !slices.Equal(custom, wantCustom) {
		t.Errorf("store fields %v, want %v", custom, wantCustom)
	}
	var orderGroups []string
	for _, f := range Catalogue(Orders, testStore) {
		if len(orderGroups) == 0 || orderGroups[len(orderGroups)-1] != f.Group {
			orderGroups = append(orderGroups, f.Group)
		}
		if f.Origin != Native {
			t.Errorf("orders have no store fields: %s", f.Key)
		}
	}
	if want := []string{GroupOrder, GroupBillingAddress, GroupShippingAddress}; !slices.Equal(orderGroups, want) {
		t.Errorf("order groups %v, want %v", orderGroups, want)
	}
	for _, fs := range [][]Field{customerFields, orderFields} {
		seen := map[string]bool{}
		for _, f := range fs {
			if seen[f.Key] {
				t.Errorf("the catalogue has %s twice", f.Key)
			}
			seen[f.Key] = true
			if f.Label == "" || f.Type == "" || f.Group == "" {
				t.Errorf("%s lacks a label, a type or a group: %+v", f.Key, f)
			}
			if f.Required && f.Clearable {
				t.Errorf("%s is required and clearable", f.Key)
			}
			if f.RequiredWith != "" && (!slices.Contains(requiredGroups, f.RequiredWith) || !strings.HasPrefix(f.Key, f.RequiredWith)) {
				t.Errorf("%s is required with %q, which is not one of requiredGroups %v", f.Key, f.RequiredWith, requiredGroups)
			}
		}
	}
}

func TestStoreFieldsAreTypedByTheStore(t *testing.T) {
	for key, want := range map[string]Field{
		"attribute:Loyalty tier":    {Type: TypeText, Origin: Attribute, AttributeID: 1, MaxLen: 255, Clearable: true},
		"attribute:Shoe size":       {Type: TypeDecimal, Origin: Attribute, AttributeID: 2, Clearable: true},
		"attribute:Joined":          {Type: TypeDate, Origin: Attribute, AttributeID: 4, Clearable: true},
		"form_field:Birthday month": {Type: TypeText, Origin: FormField, Clearable: true},
		"metafield:bcsync.segment":  {Type: TypeText, Origin: Metafield, MaxLen: 65535, Clearable: true},
		// Any metafield can be written: writing creates it. The namespace ends at the first dot.
		"metafield:crm.score.v2": {Type: TypeText, Origin: Metafield, MaxLen: 65535, Clearable: true},
	} {
		f, err := Lookup(Customers, key, testStore)
		if err != nil {
			t.Errorf("Lookup(%s): %v", key, err)
			continue
		}
		if f.Type != want.Type || f.Origin != want.Origin || f.AttributeID != want.AttributeID || f.MaxLen != want.MaxLen || f.Clearable != want.Clearable {
			t.Errorf("Lookup(%s) = %+v, want %+v", key, f, want)
		}
	}
	f, _ := Lookup(Customers, "metafield:crm.score.v2", testStore)
	if f.Namespace != "crm" || f.Name != "score.v2" {
		t.Errorf("metafield:crm.score.v2 is namespace %q key %q", f.Namespace, f.Name)
	}
}

func TestLookupNamesCloseKeysOfAnUnknownField(t *testing.T) {
	for _, c := range []struct {
		object Object
		key    string
		want   string
	}{
		{Customers, "frist_name", `customers have no field "frist_name": did you mean first_name?`},
		{Customers, "Store Credit", `customers have no field "Store Credit": did you mean store_credit?`},
		{Customers, "zz", `customers have no field "zz"`},
		{Customers, "attribute:Loyalty Tier", `the store has no customer attribute "Loyalty Tier": did you mean attribute:Loyalty tier?`},
		{Customers, "loyalty_tier", `customers have no field "loyalty_tier": did you mean attribute:Loyalty tier?`},
		{Customers, "form_field:Birthday", `the store's signup form has no field "Birthday": did you mean form_field:Birthday month?`},
		{Customers, "metafield:nodot", `"metafield:nodot" is not a metafield: write metafield:NAMESPACE.KEY`},
		{Customers, "metafield:" + strings.Repeat("n", 65) + ".k", `"metafield:` + strings.Repeat("n", 65) + `.k" is not a metafield: its namespace and key are 64 characters at most`},
		{Orders, "billing_address.zipcode", `orders have no field "billing_address.zipcode": did you mean billing_address.zip?`},
		{Orders, "status_id", `orders have no field "status_id": did you mean status?`},
		{Orders, "attribute:Loyalty tier", `orders have no field "attribute:Loyalty tier": attributes, form fields and metafields are customers'`},
	} {
		_, err := Lookup(c.object, c.key, testStore)
		if err == nil || err.Error() != c.want {
			t.Errorf("Lookup(%s, %q) = %v, want %s", c.object, c.key, err, c.want)
		}
	}
}
