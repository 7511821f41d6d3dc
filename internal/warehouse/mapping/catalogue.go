package mapping

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// Origin says where a field is defined: by BigCommerce, or by the store (its customer attributes, its
// signup form's fields, metafields).
type Origin string

const (
	Native    Origin = "native"
	Attribute Origin = "attribute"
	FormField Origin = "form_field"
	Metafield Origin = "metafield"
)

// Key prefixes of the store's own fields: attribute:<name>, form_field:<name>,
// metafield:<namespace>.<key>.
const (
	AttributePrefix = "attribute:"
	FormFieldPrefix = "form_field:"
	MetafieldPrefix = "metafield:"
)

// Field is a field a sync can write.
type Field struct {
	Key    string `json:"key"`   // stable: "first_name", "billing_address.zip", "attribute:Shoe size"
	Label  string `json:"label"` // for people: "First name"
	Group  string `json:"group"` // for a UI: "Customer", "Billing address", "Attributes"…
	Type   Type   `json:"type"`
	Origin Origin `json:"origin"`
	// Required: a record cannot be created without it (insert, and the creates of upsert).
	Required bool `json:"required,omitempty"`
	// RequiredWith is a group of optional fields (a key prefix, "address."): the field is required as soon
	// as any field of the group is mapped (a customer's address needs its first line, city…).
	RequiredWith string `json:"required_with,omitempty"`
	// Clearable: the "clear" delete behaviour unsets it, and NULL clears it on update. Required fields,
	// amounts, flags and statuses are not clearable.
	Clearable bool `json:"clearable,omitempty"`
	// CreateOnly: written only when the record is created (a customer's address, an order's creation
	// date); update mode refuses it, upsert writes it on its creates only.
	CreateOnly  bool     `json:"create_only,omitempty"`
	MinLen      int      `json:"min_length,omitempty"` // characters; 1: not empty
	MaxLen      int      `json:"max_length,omitempty"` // characters, where the description gives one
	Enum        []string `json:"enum,omitempty"`       // the only values taken
	NonNegative bool     `json:"non_negative,omitempty"`
	MaxInt      int64    `json:"max,omitempty"` // of an integer
	Help        string   `json:"help,omitempty"`

	// Name is the store's name of an attribute or form field, or a metafield's key; Namespace a
	// metafield's namespace; AttributeID the attribute's id.
	Name        string `json:"name,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	AttributeID int    `json:"attribute_id,omitempty"`
}

// Store is what a sync needs to know of the store it writes to: its customer attribute definitions,
// the names of its signup form's fields, the metafields in use (namespace.key, listed in the catalogue;
// any other may be mapped too, as writing creates it) and its order statuses (needed to write status).
type Store struct {
	Attributes    []bigcommerce.CustomerAttribute
	FormFields    []string
	Metafields    []string
	OrderStatuses []bigcommerce.OrderStatus
}

// Limits from the descriptions.
const (
	maxInt32         = math.MaxInt32
	maxAttribute     = 255   // customerAttributes_Base.attribute_value
	maxMetafield     = 65535 // MetafieldBase_Post.value
	maxMetafieldName = 64    // MetafieldBase_Post.namespace and key
)

// Groups of native fields.
const (
	GroupCustomer        = "Customer"
	GroupAddress         = "Address"
	GroupOrder           = "Order"
	GroupBillingAddress  = "Billing address"
	GroupShippingAddress = "Shipping address"
	GroupAttributes      = "Attributes"
	GroupFormFields      = "Form fields"
	GroupMetafields      = "Metafields"
)

// Where the native fields come from, in the official descriptions (customers.v3.yml, orders.v2.oas2.yml):
//
//   - customers: customer_Post and customer_Put; required: customer_Post.required (email, first_name,
//     last_name); lengths: their minLength and maxLength (email: 250, customer_Post's, the smaller).
//   - a customer's address: customerAddresses_CustomerPost, the addresses of a create ("Subresource
//     updates are not supported" on PUT /v3/customers); required once any part is given: its required
//     list (first_name, last_name, address1, city, country_code).
//   - orders: order_Post (billingAddress_Base, shipping_addresses, products, order_Shared) and order_Put.
//     Required to create: createOrder's "Required Fields" (products or consignments, billing_address;
//     bcsync writes products), billingAddress_Base.required (zip, "two or more characters") and the
//     other parts of the billing address the Orders Overview calls "the minimum required fields for a
//     create order request" (docs/store-operations/orders, "Creating an order": first_name, last_name,
//     street_1, city, state, zip, country, country_iso2, email).
//
// The writable properties left out, and why, are listed in catalogue_test.go (skipped).
var customerFields = []Field{
	{Key: "email", Label: "Email", Type: TypeEmail, Required: true, MinLen: 3, MaxLen: 250,
		Help: "unique in the store, whatever its case"},
	{Key: "first_name", Label: "First name", Type: TypeText, Required: true, MinLen: 1, MaxLen: 100},
	{Key: "last_name", Label: "Last name", Type: TypeText, Required: true, MinLen: 1, MaxLen: 100},
	{Key: "company", Label: "Company", Type: TypeText, Clearable: true, MaxLen: 255},
	{Key: "phone", Label: "Phone", Type: TypeText, Clearable: true, MaxLen: 50},
	{Key: "notes", Label: "Notes", Type: TypeText, Clearable: true},
	{Key: "customer_group_id", Label: "Customer group ID", Type: TypeInteger, Clearable: true, NonNegative: true,
		MaxInt: maxInt32, Help: "0 is no group; clearing sets 0"},
	{Key: "accepts_product_review_abandoned_cart_emails", Label: "Accepts product review and abandoned cart emails",
		Type: TypeBoolean},
	{Key: "store_credit", Label: "Store credit", Type: TypeMoney, NonNegative: true,
		Help: "the customer's store credit amount (store_credit_amounts)"},

	{Key: "address.first_name", Label: "First name", Group: GroupAddress, Type: TypeText, MinLen: 1, MaxLen: 255},
	{Key: "address.last_name", Label: "Last name", Group: GroupAddress, Type: TypeText, MinLen: 1, MaxLen: 255},
	{Key: "address.company", Label: "Company", Group: GroupAddress, Type: TypeText, MaxLen: 255},
	{Key: "address.address1", Label: "Address line 1", Group: GroupAddress, Type: TypeText, MinLen: 1},
	{Key: "address.address2", Label: "Address line 2", Group: GroupAddress, Type: TypeText},
	{Key: "address.city", Label: "City", Group: GroupAddress, Type: TypeText, MinLen: 1, MaxLen: 100},
	{Key: "address.state_or_province", Label: "State or province", Group: GroupAddress, Type: TypeText, MaxLen: 100,
		Help: "required in countries whose addresses have one"},
	{Key: "address.postal_code", Label: "Postal code", Group: GroupAddress, Type: TypeText, MaxLen: 30,
		Help: "required in countries whose addresses have one"},
	{Key: "address.country_code", Label: "Country code", Group: GroupAddress, Type: TypeText, MinLen: 2, MaxLen: 2,
		Help: "ISO 3166-1 alpha-2, e.g. US"},
	{Key: "address.phone", Label: "Phone", Group: GroupAddress, Type: TypeText, MaxLen: 50},
	{Key: "address.address_type", Label: "Address type", Group: GroupAddress, Type: TypeText,
		Enum: []string{"residential", "commercial"}},
}

// requiredGroups are the key prefixes of the groups of optional fields some of whose parts are needed
// once any is given (Field.RequiredWith).
var requiredGroups = []string{"address."}

// addressRequired are the parts a customer's address needs (customerAddresses_CustomerPost.required).
var addressRequired = []string{"address.first_name", "address.last_name", "address.address1", "address.city", "address.country_code"}

var orderFields = []Field{
	{Key: "status", Label: "Status", Type: TypeStatus,
		Help: "a status name (Awaiting Fulfillment, or the store's label) or id (11); new orders default to Pending"},
	{Key: "customer_id", Label: "Customer ID", Type: TypeInteger, NonNegative: true, MaxInt: maxInt32,
		Help: "0 for a guest"},
	{Key: "products", Label: "Products", Type: TypeProducts, Required: true,
		Help: `a JSON array of lines: {"product_id", "variant_id", "quantity"}, or custom {"name", "sku", "quantity", "price_ex_tax", "price_inc_tax"}; in update mode lines name the order's lines by "id"`},
	{Key: "date_created", Label: "Date created", Type: TypeDateTime, CreateOnly: true,
		Help: "back-dates an order migrated from elsewhere"},
	{Key: "payment_method", Label: "Payment method", Type: TypeText},
	{Key: "discount_amount", Label: "Discount amount", Type: TypeMoney, NonNegative: true},
	{Key: "shipping_cost_ex_tax", Label: "Shipping cost (excluding tax)", Type: TypeMoney, NonNegative: true, CreateOnly: true},
	{Key: "staff_notes", Label: "Staff notes", Type: TypeText, Clearable: true, MaxLen: 65535},
	{Key: "customer_message", Label: "Customer message", Type: TypeText, Clearable: true},
	{Key: "external_source", Label: "External source", Type: TypeText,
		Help: "M-MIG keeps migrated orders out of the store's order count and GMV"},
}

// orderAddressParts are the parts of an order's billing and shipping addresses (billingAddress_Base,
// shippingAddress_Base), with whether creating an order needs the billing one.
var orderAddressParts = []struct {
	key, label string
	required   bool
	typ        Type
	minLen     int
	maxLen     int
	help       string
}{
	{"first_name", "First name", true, TypeText, 1, 0, ""},
	{"last_name", "Last name", true, TypeText, 1, 0, ""},
	{"company", "Company", false, TypeText, 0, 0, ""},
	{"street_1", "Street line 1", true, TypeText, 1, 0, ""},
	{"street_2", "Street line 2", false, TypeText, 0, 0, ""},
	{"city", "City", true, TypeText, 1, 0, ""},
	{"state", "State", true, TypeText, 1, 0, ""},
	{"zip", "ZIP or postal code", true, TypeText, 2, 0, "two or more characters"},
	{"country", "Country", true, TypeText, 1, 0, "the country's name, e.g. United States"},
	{"country_iso2", "Country code", true, TypeText, 2, 2, "ISO 3166-1 alpha-2, e.g. US"},
	{"phone", "Phone", false, TypeText, 0, 0, ""},
	{"email", "Email", true, TypeEmail, 0, 0, ""},
}

func init() {
	for i := range customerFields {
		f := &customerFields[i]
		f.Origin = Native
		if f.Group == "" {
			f.Group = GroupCustomer
		}
		if f.Group == GroupAddress {
			f.CreateOnly = true
			if slices.Contains(addressRequired, f.Key) {
				f.RequiredWith = "address."
			}
		}
	}
	for i := range orderFields {
		orderFields[i].Origin, orderFields[i].Group = Native, GroupOrder
	}
	for _, p := range orderAddressParts {
		f := Field{Key: "billing_address." + p.key, Label: p.label, Group: GroupBillingAddress, Type: p.typ, Origin: Native,
			Required: p.required, MaxLen: p.maxLen, Help: p.help}
		if p.required {
			f.MinLen = p.minLen
		}
		orderFields = append(orderFields, f)
	}
	for _, p := range orderAddressParts {
		orderFields = append(orderFields, Field{Key: "shipping_address." + p.key, Label: p.label, Group: GroupShippingAddress,
			Type: p.typ, Origin: Native, CreateOnly: true, MaxLen: p.maxLen, Help: p.help})
	}
	orderFields = append(orderFields, Field{Key: "shipping_address.shipping_method", Label: "Shipping method",
		Group: GroupShippingAddress, Type: TypeText, Origin: Native, CreateOnly: true, Help: "e.g. Free Shipping"})
}

// nativeFields are the BigCommerce fields of an object, in catalogue order.
func nativeFields(o Object) []Field {
	switch o {
	case Customers:
		return customerFields
	case Orders:
		return orderFields
	}
	return nil
}

// Catalogue lists the fields of an object a sync can write: the native ones by group, then the store's
// own (customers only): its attributes, form fields and metafields in use, each sorted by name. The
// slice is new; its fields may be changed by the caller.
func Catalogue(o Object, store Store) []Field {
	out := slices.Clone(nativeFields(o))
	if o != Customers {
		return out
	}
	attrs := slices.Clone(store.Attributes)
	slices.SortFunc(attrs, func(a, b bigcommerce.CustomerAttribute) int { return strings.Compare(a.Name, b.Name) })
	for _, a := range attrs {
		out = append(out, attributeField(a))
	}
	forms := slices.Clone(store.FormFields)
	slices.Sort(forms)
	for _, name := range slices.Compact(forms) {
		out = append(out, formField(name))
	}
	metas := slices.Clone(store.Metafields)
	slices.Sort(metas)
	for _, key := range slices.Compact(metas) {
		if f, err := metafieldField(MetafieldPrefix + key); err == nil {
			out = append(out, f)
		}
	}
	return out
}

func attributeField(a bigcommerce.CustomerAttribute) Field {
	f := Field{Key: AttributePrefix + a.Name, Label: a.Name, Group: GroupAttributes, Origin: Attribute, Clearable: true,
		Name: a.Name, AttributeID: a.ID}
	switch a.Type {
	case bigcommerce.AttributeNumber:
		f.Type = TypeDecimal
	case bigcommerce.AttributeDate:
		f.Type = TypeDate
	default:
		f.Type, f.MaxLen = TypeText, maxAttribute
	}
	return f
}

func formField(name string) Field {
	return Field{Key: FormFieldPrefix + name, Label: name, Group: GroupFormFields, Type: TypeText, Origin: FormField,
		Clearable: true, Name: name}
}

// metafieldField reads metafield:<namespace>.<key>: the namespace ends at the first dot (the key may
// hold dots); each is 1 to 64 characters.
func metafieldField(key string) (Field, error) {
	rest := strings.TrimPrefix(key, MetafieldPrefix)
	ns, name, ok := strings.Cut(rest, ".")
	if !ok || ns == "" || name == "" {
		return Field{}, fmt.Errorf("%q is not a metafield: write metafield:NAMESPACE.KEY", key)
	}
	if utf8.RuneCountInString(ns) > maxMetafieldName || utf8.RuneCountInString(name) > maxMetafieldName {
		return Field{}, fmt.Errorf("%q is not a metafield: its namespace and key are 64 characters at most", key)
	}
	return Field{Key: key, Label: rest, Group: GroupMetafields, Type: TypeText, Origin: Metafield, Clearable: true,
		MaxLen: maxMetafield, Namespace: ns, Name: name}, nil
}

// UnknownFieldError is a field key that is not in an object's catalogue.
type UnknownFieldError struct {
	Object      Object
	Key         string
	Suggestions []string // close keys, best first
	msg         string
}

func (e *UnknownFieldError) Error() string {
	if len(e.Suggestions) == 0 {
		return e.msg
	}
	return e.msg + ": did you mean " + orList(e.Suggestions) + "?"
}

// Lookup finds a field of object o by its key. Attributes and form fields must exist in the store (by
// their exact name); any well-formed metafield key is a field. An unknown key is an *UnknownFieldError
// naming close keys.
func Lookup(o Object, key string, store Store) (Field, error) {
	for _, f := range nativeFields(o) {
		if f.Key == key {
			return f, nil
		}
	}
	unknown := func(msg string, candidates []string) error {
		return &UnknownFieldError{Object: o, Key: key, Suggestions: suggest(key, candidates), msg: msg}
	}
	custom := strings.HasPrefix(key, AttributePrefix) || strings.HasPrefix(key, FormFieldPrefix) || strings.HasPrefix(key, MetafieldPrefix)
	if o == Orders && custom {
		return Field{}, unknown(fmt.Sprintf("orders have no field %q: attributes, form fields and metafields are customers'", key), nil)
	}
	switch {
	case strings.HasPrefix(key, AttributePrefix):
		name := strings.TrimPrefix(key, AttributePrefix)
		var keys []string
		for _, a := range store.Attributes {
			if a.Name == name {
				return attributeField(a), nil
			}
			keys = append(keys, AttributePrefix+a.Name)
		}
		return Field{}, unknown(fmt.Sprintf("the store has no customer attribute %q", name), keys)
	case strings.HasPrefix(key, FormFieldPrefix):
		name := strings.TrimPrefix(key, FormFieldPrefix)
		var keys []string
		for _, n := range store.FormFields {
			if n == name {
				return formField(n), nil
			}
			keys = append(keys, FormFieldPrefix+n)
		}
		return Field{}, unknown(fmt.Sprintf("the store's signup form has no field %q", name), keys)
	case strings.HasPrefix(key, MetafieldPrefix):
		return metafieldField(key)
	}
	var keys []string
	for _, f := range Catalogue(o, store) {
		keys = append(keys, f.Key)
	}
	return Field{}, unknown(fmt.Sprintf("%s have no field %q", o, key), keys)
}

// suggest returns up to three candidates close to want: the same but for case, spaces and
// underscores, or within a few edits.
func suggest(want string, candidates []string) []string {
	type scored struct {
		key   string
		score int
	}
	norm := func(s string) string {
		s = strings.ToLower(s)
		if i := strings.IndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
		return strings.NewReplacer(" ", "", "_", "", "-", "", ".", "").Replace(s)
	}
	w := norm(want)
	var found []scored
	for _, c := range candidates {
		n := norm(c)
		d := distance(w, n)
		limit := min(3, max(1, min(len([]rune(w)), len([]rune(n)))/4))
		switch {
		case n == w:
			found = append(found, scored{c, 0})
		case d <= limit:
			found = append(found, scored{c, d})
		case len(w) >= 4 && (strings.Contains(n, w) || strings.Contains(w, n) && len(n) >= 4):
			found = append(found, scored{c, limit + 1})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.score - b.score })
	var out []string
	for _, f := range found {
		if len(out) == 3 {
			break
		}
		if !slices.Contains(out, f.key) {
			out = append(out, f.key)
		}
	}
	return out
}

// distance is the Levenshtein distance of two strings, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
