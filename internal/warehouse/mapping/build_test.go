package mapping

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// everyCustomerField maps every customer field and one of each store field.
var everyCustomerField = Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "email", Field: MatchEmail}, Mappings: []Mapping{
	{Field: "first_name", Column: "fname"},
	{Field: "last_name", Column: "lname"},
	{Field: "company", Column: "company"},
	{Field: "phone", Column: "phone"},
	{Field: "notes", Template: "Joined {joined}"},
	{Field: "customer_group_id", Constant: constant("2")},
	{Field: "accepts_product_review_abandoned_cart_emails", Column: "opt_in"},
	{Field: "store_credit", Column: "credit"},
	{Field: "address.first_name", Column: "fname"},
	{Field: "address.last_name", Column: "lname"},
	{Field: "address.address1", Column: "street"},
	{Field: "address.city", Column: "city"},
	{Field: "address.country_code", Constant: constant("US")},
	{Field: "address.address_type", Constant: constant("residential")},
	{Field: "attribute:Loyalty tier", Column: "tier"},
	{Field: "attribute:Shoe size", Column: "size"},
	{Field: "attribute:Joined", Column: "joined"},
	{Field: "form_field:Birthday month", Column: "month"},
	{Field: "metafield:crm.segment", Column: "segment"},
}}

var everyCustomerColumn = columns("email", "fname", "lname", "company", "phone", "joined:date", "opt_in:integer", "credit:decimal",
	"street", "city", "tier", "size:float", "month", "segment")

func everyCustomerRow(tier any) []any {
	return []any{"Jane@Example.com", "Jane", "Doe", "Acme", nil, time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC), int64(1),
		source.Decimal("12.50"), "1 Main St", "Austin", tier, 38.5, "May", "vip"}
}

func TestCustomerCreateTakesNativeFieldsAnAddressAttributesFormFieldsAndStoreCredit(t *testing.T) {
	c := mustCompile(t, everyCustomerField, everyCustomerColumn)
	v, err := c.Apply(everyCustomerRow("Gold"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := v.CustomerCreate()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"email":"Jane@Example.com","first_name":"Jane","last_name":"Doe","company":"Acme","notes":"Joined 2021-03-04",` +
		`"customer_group_id":2,"accepts_product_review_abandoned_cart_emails":true,` +
		`"addresses":[{"first_name":"Jane","last_name":"Doe","address1":"1 Main St","city":"Austin","country_code":"US","address_type":"residential"}],` +
		`"attributes":[{"attribute_id":4,"attribute_value":"2021-03-04"},{"attribute_id":1,"attribute_value":"Gold"},{"attribute_id":2,"attribute_value":"38.5"}],` +
		`"form_fields":[{"name":"Birthday month","value":"May"}],"store_credit_amounts":[{"amount":12.5}]}`
	if got := jsonOf(t, in); got != want {
		t.Errorf("CustomerCreate:\n got %s\nwant %s", got, want)
	}
	// The metafield is written once the customer exists.
	w := v.Metafields(501, nil, "")
	if len(w.Create) != 1 || w.Create[0] != (bigcommerce.MetafieldInput{ResourceID: 501, Namespace: "crm", Key: "segment", Value: "vip", PermissionSet: bigcommerce.MetafieldAppOnly}) ||
		len(w.Update)+len(w.Delete) != 0 {
		t.Errorf("Metafields of a new customer: %+v", w)
	}
	if !c.Uses(Attribute) || !c.Uses(FormField) || !c.Uses(Metafield) {
		t.Error("Uses: the sync writes attributes, form fields and metafields")
	}
}

func TestCustomerUpdateClearsOptionalFieldsAndLeavesAddressesToCreates(t *testing.T) {
	c := mustCompile(t, everyCustomerField, everyCustomerColumn)
	v, err := c.Apply(everyCustomerRow(nil))
	if err != nil {
		t.Fatal(err)
	}
	in, err := v.CustomerUpdate(77)
	if err != nil {
		t.Fatal(err)
	}
	// The email matched: not sent. The phone is NULL: cleared. The address: create only. Attributes and
	// metafields: their own calls.
	want := `{"id":77,"first_name":"Jane","last_name":"Doe","company":"Acme","phone":"","notes":"Joined 2021-03-04",` +
		`"customer_group_id":2,"accepts_product_review_abandoned_cart_emails":true,` +
		`"form_fields":[{"name":"Birthday month","value":"May"}],"store_credit_amounts":[{"amount":12.5}]}`
	if got := jsonOf(t, in); got != want {
		t.Errorf("CustomerUpdate:\n got %s\nwant %s", got, want)
	}
	current := []bigcommerce.Attribute{{ID: 9001, AttributeID: 1, Value: "Silver"}, {ID: 9002, AttributeID: 2, Value: "37"}}
	if got := v.AttributeValues(77); !slices.Equal(got, []bigcommerce.AttributeValueInput{
		{CustomerID: 77, AttributeID: 4, Value: "2021-03-04"}, {CustomerID: 77, AttributeID: 2, Value: "38.5"}}) {
		t.Errorf("AttributeValues: %+v", got)
	}
	if got := v.AttributeValueDeletes(current); !slices.Equal(got, []int{9001}) {
		t.Errorf("AttributeValueDeletes (the tier is NULL): %v", got)
	}
}

func TestMetafieldsAreCreatedUpdatedOnlyWhenTheyDifferAndDeletedForNull(t *testing.T) {
	spec := Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{
		{Field: "metafield:crm.segment", Column: "a"}, {Field: "metafield:crm.score", Column: "b"},
		{Field: "metafield:crm.note", Column: "c"}, {Field: "metafield:crm.new", Column: "d"}, {Field: "metafield:crm.gone", Column: "e"}}}
	v, err := mustCompile(t, spec, columns("id:integer", "a", "b", "c", "d", "e")).Apply([]any{int64(5), "vip", "10", nil, "hello", nil})
	if err != nil {
		t.Fatal(err)
	}
	current := []bigcommerce.Metafield{
		{ID: 1, Namespace: "crm", Key: "segment", Value: "vip"}, // unchanged
		{ID: 2, Namespace: "crm", Key: "score", Value: "9"},     // changed
		{ID: 3, Namespace: "crm", Key: "note", Value: "x"},      // NULL: deleted
		{ID: 4, Namespace: "other", Key: "new", Value: "x"},     // another namespace
	}
	w := v.Metafields(5, current, bigcommerce.MetafieldRead)
	want := MetafieldWrites{
		Create: []bigcommerce.MetafieldInput{{ResourceID: 5, Namespace: "crm", Key: "new", Value: "hello", PermissionSet: bigcommerce.MetafieldRead}},
		Update: []bigcommerce.MetafieldInput{{ID: 2, Value: "10"}},
		Delete: []int{3},
	}
	if jsonOf(t, w) != jsonOf(t, want) {
		t.Errorf("Metafields:\n got %+v\nwant %+v", w, want)
	}
}

func TestOrderCreateTakesTheBillingAddressProductsAndEveryOrderField(t *testing.T) {
	spec := orderInsert(
		Mapping{Field: "status", Column: "st"},
		Mapping{Field: "customer_id", Column: "cust"},
		Mapping{Field: "date_created", Column: "placed"},
		Mapping{Field: "payment_method", Constant: constant("Manual")},
		Mapping{Field: "discount_amount", Column: "discount"},
		Mapping{Field: "shipping_cost_ex_tax", Column: "ship"},
		Mapping{Field: "staff_notes", Column: "notes"},
		Mapping{Field: "customer_message", Column: "msg"},
		Mapping{Field: "external_source", Constant: constant("M-MIG")},
		Mapping{Field: "billing_address.phone", Column: "phone"},
		Mapping{Field: "shipping_address.city", Column: "ship_city"},
		Mapping{Field: "shipping_address.shipping_method", Constant: constant("Free Shipping")},
	)
	cols := orderColumns("st", "cust:integer", "placed:timestamp", "discount:decimal", "ship:float", "notes", "msg", "phone", "ship_city")
	c := mustCompile(t, spec, cols)
	placed := time.Date(2012, 11, 20, 10, 0, 0, 0, time.UTC)
	v, err := c.Apply(orderRow("Awaiting Fulfillment", int64(0), placed, source.Decimal("5.00"), 7.5, nil, "Thanks", "555", nil))
	if err != nil {
		t.Fatal(err)
	}
	in, err := v.OrderCreate()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status_id":11,"billing_address":{"first_name":"Jane","last_name":"Doe","street_1":"123 Main Street","city":"Austin","state":"Texas","zip":"78751","country":"United States","country_iso2":"US","phone":"555","email":"jane@example.com"},` +
		`"shipping_addresses":[{"shipping_method":"Free Shipping"}],` +
		`"products":[{"name":"Mug","quantity":1,"price_ex_tax":45,"price_inc_tax":50}],"external_source":"M-MIG","customer_message":"Thanks","payment_method":"Manual",` +
		`"discount_amount":"5","shipping_cost_ex_tax":"7.5","date_created":"Tue, 20 Nov 2012 10:00:00 +0000"}`
	if got := jsonOf(t, in); got != want {
		t.Errorf("OrderCreate:\n got %s\nwant %s", got, want)
	}
	// A NULL required part, an invalid zip: the row is not sent.
	row := orderRow("Shipped", int64(0), placed, source.Decimal("0"), 0.0, nil, nil, nil, nil)
	row[5] = "7"
	row[0] = nil
	_, err = c.Apply(row)
	want2 := []string{`billing_address.zip: "7" in column b_zip is shorter than 2 characters`,
		`billing_address.first_name: column b_first_name is NULL, and an order cannot be created without it`}
	if got := rowProblems(t, err); !slices.Equal(got, want2) {
		t.Errorf("bad billing address: %q", got)
	}
}

func TestOrderUpdateWritesStatusByNameOrIdAndClearsNotes(t *testing.T) {
	spec := Spec{Object: Orders, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{
		{Field: "status", Column: "st"}, {Field: "staff_notes", Column: "notes"}, {Field: "customer_message", Column: "msg", SkipNulls: true},
		{Field: "billing_address.zip", Column: "zip", SkipNulls: true}, {Field: "customer_id", Column: "cust", SkipNulls: true},
		{Field: "products", Column: "lines", SkipNulls: true},
	}}
	c := mustCompile(t, spec, columns("id:integer", "st:unknown", "notes", "msg", "zip", "cust:integer", "lines:json"))
	for _, c2 := range []struct {
		status any
		want   int
	}{{"Shipped", 2}, {"partially refunded", 14}, {int64(5), 5}, {"5", 5}, {"Ready to pack", 11}} {
		v, err := c.Apply([]any{int64(100), c2.status, nil, nil, "78751", nil, nil})
		if err != nil {
			t.Fatalf("status %v: %v", c2.status, err)
		}
		in, err := v.OrderUpdate()
		if err != nil {
			t.Fatal(err)
		}
		if k, _ := v.Key(); k.ID != 100 {
			t.Errorf("key %v", k)
		}
		want := `{"status_id":` + jsonOf(t, c2.want) + `,"billing_address":{"zip":"78751"},"staff_notes":""}`
		if got := jsonOf(t, in); got != want {
			t.Errorf("status %v:\n got %s\nwant %s", c2.status, got, want)
		}
	}
	v, err := c.Apply([]any{int64(100), "Shipped", "Call first", "Gift", nil, int64(12), json.RawMessage(`[{"id":7,"quantity":0},{"id":8,"quantity":3}]`)})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := v.OrderUpdate()
	want := `{"status_id":2,"customer_id":12,"products":[{"id":7,"quantity":0},{"id":8,"quantity":3}],"staff_notes":"Call first","customer_message":"Gift"}`
	if got := jsonOf(t, in); got != want {
		t.Errorf("OrderUpdate:\n got %s\nwant %s", got, want)
	}
	_, err = c.Apply([]any{int64(100), nil, nil, nil, nil, nil, nil})
	if got := rowProblems(t, err); !slices.Equal(got, []string{"status: column st is NULL, and status cannot be cleared: skip NULLs to leave it as it is"}) {
		t.Errorf("a NULL status: %q", got)
	}
}

func TestProductLines(t *testing.T) {
	for _, c := range []struct {
		name   string
		json   string
		create bool
		want   string // the lines as sent, or the error
	}{
		{"a catalog product", `[{"product_id":12,"quantity":2}]`, true, `[{"product_id":12,"quantity":2}]`},
		{"a variant", `[{"product_id":12,"variant_id":34,"quantity":1}]`, true, `[{"product_id":12,"variant_id":34,"quantity":1}]`},
		{"catalog prices overridden, both", `[{"product_id":12,"quantity":1,"price_ex_tax":"9.99","price_inc_tax":"10.99"}]`, true,
			`[{"product_id":12,"quantity":1,"price_ex_tax":9.99,"price_inc_tax":10.99}]`},
		{"a custom line with prices", `[{"name":"Engraving","sku":"ENG-1","quantity":1,"price_ex_tax":4.5,"price_inc_tax":5.40}]`, true,
			`[{"name":"Engraving","sku":"ENG-1","quantity":1,"price_ex_tax":4.5,"price_inc_tax":5.4}]`},
		{"exact prices", `[{"name":"Gold","quantity":1,"price_ex_tax":0.1,"price_inc_tax":12345678901234567.89}]`, true,
			`[{"name":"Gold","quantity":1,"price_ex_tax":0.1,"price_inc_tax":12345678901234567.89}]`},
		{"whole numbers written with a fraction", `[{"product_id":12.0,"quantity":2.00}]`, true, `[{"product_id":12,"quantity":2}]`},
		{"null is absent", `[{"product_id":12,"variant_id":null,"quantity":1}]`, true, `[{"product_id":12,"quantity":1}]`},
		{"update: lines by id, 0 removes", `[{"id":5,"quantity":0},{"id":6,"quantity":4,"price_ex_tax":1,"price_inc_tax":1.2}]`, false,
			`[{"id":5,"quantity":0},{"id":6,"quantity":4,"price_ex_tax":1,"price_inc_tax":1.2}]`},

		{"not an array", `{"product_id":12}`, true, "the JSON is not an array of product lines"},
		{"not JSON", `[{"product_id":12,}]`, true, "the JSON is not valid"},
		{"empty", `[]`, true, "the list has no product lines"},
		{"a line that is no object", `[12]`, true, "line 1 is not an object"},
		{"an unknown key", `[{"product_id":12,"qty":1}]`, true, `line 1 has an unknown key "qty" (a line takes id, product_id, variant_id, name, sku, quantity, price_ex_tax, price_inc_tax)`},
		{"no quantity", `[{"product_id":12}]`, true, "line 1 has no quantity"},
		{"quantity 0 on create", `[{"product_id":12,"quantity":0}]`, true, "line 1 has quantity 0: a line needs at least 1"},
		{"a fractional quantity", `[{"product_id":12,"quantity":1.5}]`, true, "line 1 has quantity 1.5, not a whole number"},
		{"a quantity in quotes", `[{"product_id":12,"quantity":"1"}]`, true, `line 1 has quantity "1", not a whole number`},
		{"a product id 0", `[{"product_id":0,"quantity":1}]`, true, "line 1 has product_id 0, not an id (a whole number from 1)"},
		{"a variant without product", `[{"variant_id":3,"quantity":1,"name":"x","price_ex_tax":1,"price_inc_tax":1}]`, true, "line 1 has a variant_id but no product_id"},
		{"a custom line without prices", `[{"name":"Engraving","quantity":1}]`, true, "line 1 is a custom product (no product_id): it needs a name, price_ex_tax and price_inc_tax"},
		{"a custom line without a name", `[{"quantity":1,"price_ex_tax":1,"price_inc_tax":1}]`, true, "line 1 is a custom product (no product_id): it needs a name, price_ex_tax and price_inc_tax"},
		{"one price only", `[{"product_id":12,"quantity":1,"price_ex_tax":5}]`, true, "line 1 overrides one price: give both price_ex_tax and price_inc_tax, or neither"},
		{"a negative price", `[{"name":"Refund","quantity":1,"price_ex_tax":-5,"price_inc_tax":-5}]`, true, "line 1 has price_ex_tax -5, a negative price"},
		{"a price in words", `[{"name":"x","quantity":1,"price_ex_tax":"five","price_inc_tax":5}]`, true, `line 1 has price_ex_tax "five", not a number`},
		{"an empty name", `[{"name":" ","quantity":1,"price_ex_tax":1,"price_inc_tax":1}]`, true, "line 1 has an empty name"},
		{"an id on create", `[{"id":5,"quantity":1}]`, true, "line 1 has an id, which names a line of an existing order: a new order's lines have none"},
		{"a line without id on update", `[{"product_id":12,"quantity":1}]`, false, "line 1 has no id: in update mode every line names one of the order's lines by its id (a line without one would be added again at every change of the row)"},
		{"the second line", `[{"product_id":12,"quantity":1},{"product_id":13}]`, true, "line 2 has no quantity"},
	} {
		lines, err := parseProducts(c.json, c.create)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = jsonOf(t, lines)
		}
		if got != c.want {
			t.Errorf("%s: %s\n got %s\nwant %s", c.name, c.json, got, c.want)
		}
	}
}

func TestClearUnsetsEveryClearableMappedFieldAndNothingElse(t *testing.T) {
	c := mustCompile(t, everyCustomerField, everyCustomerColumn)
	current := bigcommerce.Customer{ID: 77, Attributes: []bigcommerce.Attribute{
		{ID: 9001, AttributeID: 1}, {ID: 9002, AttributeID: 2}, {ID: 9003, AttributeID: 3}}}
	metafields := []bigcommerce.Metafield{{ID: 31, Namespace: "crm", Key: "segment"}, {ID: 32, Namespace: "crm", Key: "other"}}
	clear := c.ClearCustomer(current, metafields)
	want := `{"id":77,"company":"","phone":"","notes":"","customer_group_id":0,"form_fields":[{"name":"Birthday month","value":""}]}`
	if got := jsonOf(t, clear.Customer); got != want {
		t.Errorf("ClearCustomer:\n got %s\nwant %s", got, want)
	}
	if !slices.Equal(clear.AttributeValueIDs, []int{9001, 9002}) || !slices.Equal(clear.MetafieldIDs, []int{31}) || clear.Empty() {
		t.Errorf("ClearCustomer: attribute values %v, metafields %v", clear.AttributeValueIDs, clear.MetafieldIDs)
	}
	wantKept := []string{"accepts_product_review_abandoned_cart_emails", "address.address1", "address.address_type", "address.city",
		"address.country_code", "address.first_name", "address.last_name", "first_name", "last_name", "store_credit"}
	if got := c.Unclearable(); !slices.Equal(got, wantKept) {
		t.Errorf("Unclearable:\n got %v\nwant %v", got, wantKept)
	}
	names := mustCompile(t, customerSpec(Upsert), columns("email", "fname", "lname"))
	if got := names.ClearCustomer(bigcommerce.Customer{ID: 1}, nil); !got.Empty() {
		t.Errorf("nothing clearable mapped: %+v", got)
	}

	orders := mustCompile(t, orderInsert(Mapping{Field: "staff_notes", Column: "n"}, Mapping{Field: "customer_message", Column: "n"},
		Mapping{Field: "payment_method", Column: "n"}), orderColumns("n"))
	in, ok := orders.ClearOrder()
	if got := jsonOf(t, in); !ok || got != `{"staff_notes":"","customer_message":""}` {
		t.Errorf("ClearOrder: %s %v", got, ok)
	}
	if _, ok := mustCompile(t, orderInsert(), orderColumns()).ClearOrder(); ok {
		t.Error("ClearOrder with nothing clearable mapped")
	}
}

func TestDisplayIsSortedAndStableAndTheFingerprintFollowsTheValues(t *testing.T) {
	c := mustCompile(t, everyCustomerField, everyCustomerColumn)
	v, err := c.Apply(everyCustomerRow("Gold"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"accepts_product_review_abandoned_cart_emails": "true", "address.address1": "1 Main St", "address.address_type": "residential",
		"address.city": "Austin", "address.country_code": "US", "address.first_name": "Jane", "address.last_name": "Doe",
		"attribute:Joined": "2021-03-04", "attribute:Loyalty tier": "Gold", "attribute:Shoe size": "38.5", "company": "Acme",
		"customer_group_id": "2", "email": "Jane@Example.com", "first_name": "Jane", "form_field:Birthday month": "May",
		"last_name": "Doe", "metafield:crm.segment": "vip", "notes": "Joined 2021-03-04", "phone": Null, "store_credit": "12.5",
	}
	if got := v.Display(); jsonOf(t, got) != jsonOf(t, want) {
		t.Errorf("Display:\n got %v\nwant %v", got, want)
	}
	var keys []string
	for _, x := range v.All() {
		keys = append(keys, x.Field.Key)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("All is not sorted by key: %v", keys)
	}
	again, _ := c.Apply(everyCustomerRow("Gold"))
	other, _ := c.Apply(everyCustomerRow("Silver"))
	null, _ := c.Apply(everyCustomerRow(nil))
	if v.Fingerprint() != again.Fingerprint() || v.Fingerprint() == other.Fingerprint() || v.Fingerprint() == null.Fingerprint() {
		t.Error("the fingerprint does not follow the values")
	}
	// The same values from another kind of column (12.50 as decimal, or as float 12.5) write the same.
	row := everyCustomerRow("Gold")
	row[7] = source.Decimal("12.5")
	same, _ := c.Apply(row)
	if same.Fingerprint() != v.Fingerprint() {
		t.Error("12.50 and 12.5 have different fingerprints")
	}
	// A NULL and the text "NULL" differ.
	text := everyCustomerRow("Gold")
	text[4] = Null
	if t2, _ := c.Apply(text); t2.Fingerprint() == v.Fingerprint() {
		t.Error(`the phone "NULL" has the fingerprint of a NULL phone`)
	}
}

// fits checks a body against a schema of the descriptions.
func fits(t *testing.T, doc *openapi3.T, schema string, body any) {
	t.Helper()
	ref, ok := doc.Components.Schemas[schema]
	if !ok {
		t.Fatalf("no schema %s", schema)
	}
	var value any
	if err := json.Unmarshal([]byte(jsonOf(t, body)), &value); err != nil {
		t.Fatal(err)
	}
	if err := ref.Value.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		t.Errorf("%s does not fit %s: %v", jsonOf(t, body), schema, err)
	}
}

func TestBuiltInputsFitTheDescriptionsWriteSchemas(t *testing.T) {
	customers, orders := loadSpec(t, "customers.v3.yml"), loadSpec(t, "orders.v2.oas2.yml")

	c := mustCompile(t, everyCustomerField, everyCustomerColumn)
	v, err := c.Apply(everyCustomerRow(nil))
	if err != nil {
		t.Fatal(err)
	}
	created, _ := v.CustomerCreate()
	fits(t, customers, "customer_Post", created)
	updated, _ := v.CustomerUpdate(77)
	fits(t, customers, "customer_Put", updated)
	fits(t, customers, "customer_Put", c.ClearCustomer(bigcommerce.Customer{ID: 77}, nil).Customer)
	for _, a := range v.AttributeValues(77) {
		fits(t, customers, "attributeValue_Base", a)
	}
	for _, m := range v.Metafields(77, nil, "").Create {
		fits(t, customers, "MetafieldBase_Post", m)
	}

	spec := orderInsert(Mapping{Field: "status", Constant: constant("Shipped")}, Mapping{Field: "customer_id", Constant: constant("12")},
		Mapping{Field: "date_created", Column: "placed"}, Mapping{Field: "discount_amount", Constant: constant("5.5")},
		Mapping{Field: "shipping_cost_ex_tax", Constant: constant("7")}, Mapping{Field: "staff_notes", Constant: constant("n")},
		Mapping{Field: "shipping_address.city", Constant: constant("Austin")}, Mapping{Field: "external_source", Constant: constant("M-MIG")})
	o := mustCompile(t, spec, orderColumns("placed:timestamp"))
	row := orderRow(time.Date(2012, 11, 20, 0, 0, 0, 0, time.UTC))
	row[len(row)-2] = json.RawMessage(`[{"product_id":12,"variant_id":3,"quantity":2},{"name":"Mug","sku":"M","quantity":1,"price_ex_tax":45,"price_inc_tax":50}]`)
	ov, err := o.Apply(row)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := ov.OrderCreate()
	fits(t, orders, "order_Post", in)

	upd := mustCompile(t, Spec{Object: Orders, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{
		{Field: "status", Constant: constant("2")}, {Field: "billing_address.zip", Constant: constant("78751")},
		{Field: "products", Constant: constant(`[{"id":5,"quantity":0}]`)}, {Field: "customer_message", Column: "msg"}}},
		columns("id:integer", "msg"))
	uv, err := upd.Apply([]any{int64(100), nil})
	if err != nil {
		t.Fatal(err)
	}
	change, _ := uv.OrderUpdate()
	fits(t, orders, "order_Put", change)
	cleared, _ := upd.ClearOrder()
	fits(t, orders, "order_Put", cleared)
}
