package marketing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/store"
)

// FieldType is a Dotdigital data field type, and the type of a BigCommerce source field.
type FieldType string

const (
	String  FieldType = "String"
	Numeric FieldType = "Numeric"
	Date    FieldType = "Date"
	Boolean FieldType = "Boolean"
)

// accepts says which Dotdigital field types each source type may be written to. Anything can be
// written as text; nothing else converts.
var accepts = map[FieldType][]FieldType{
	String:  {String},
	Numeric: {Numeric, String},
	Date:    {Date, String},
	Boolean: {Boolean, String},
}

// Accepts reports whether a source of type src may be mapped to a data field of type dst.
func Accepts(src, dst FieldType) bool { return slices.Contains(accepts[src], dst) }

// SourceField is a BigCommerce customer field, or a field bcsync computes, that can be mapped.
type SourceField struct {
	Key   string // e.g. first_name, shipping_postcode, attribute:3, form_field:Gender
	Label string
	Type  FieldType
	Group string // Customer, Default shipping address, Default billing address, Orders, Custom attributes, Form fields
	// Subscriber says a subscriber (who may not be a customer) has this field too.
	Subscriber bool
	// Computed fields come from the customer's orders.
	Computed bool
}

// Groups, in display order.
const (
	GroupCustomer  = "Customer"
	GroupShipping  = "Default shipping address"
	GroupBilling   = "Default billing address"
	GroupOrders    = "Orders (computed)"
	GroupAttribute = "Custom attributes"
	GroupFormField = "Form fields"
)

var addressParts = []struct{ key, label string }{
	{"first_name", "first name"}, {"last_name", "last name"}, {"company", "company"},
	{"address1", "address line 1"}, {"address2", "address line 2"}, {"city", "city"},
	{"state", "state or province"}, {"postcode", "postcode"}, {"country", "country"},
	{"country_code", "country code"}, {"phone", "phone"},
}

// StandardFields are the fields every store has, in display order.
var StandardFields = func() []SourceField {
	f := []SourceField{
		{Key: "first_name", Label: "First name", Type: String, Group: GroupCustomer, Subscriber: true},
		{Key: "last_name", Label: "Last name", Type: String, Group: GroupCustomer, Subscriber: true},
		{Key: "full_name", Label: "Full name", Type: String, Group: GroupCustomer, Subscriber: true},
		{Key: "phone", Label: "Phone", Type: String, Group: GroupCustomer},
		{Key: "company", Label: "Company", Type: String, Group: GroupCustomer},
		{Key: "notes", Label: "Notes", Type: String, Group: GroupCustomer},
		{Key: "customer_group_id", Label: "Customer group id", Type: Numeric, Group: GroupCustomer},
		{Key: "customer_id", Label: "Customer id", Type: Numeric, Group: GroupCustomer},
		{Key: "date_created", Label: "Date created", Type: Date, Group: GroupCustomer},
		{Key: "store_credit", Label: "Store credit", Type: Numeric, Group: GroupCustomer},
		{Key: "subscriber_status", Label: "Subscriber status", Type: String, Group: GroupCustomer, Subscriber: true},
		{Key: "accepts_abandoned_cart_emails", Label: "Accepts product review and abandoned cart emails", Type: Boolean, Group: GroupCustomer},
	}
	for _, p := range addressParts {
		f = append(f, SourceField{Key: "shipping_" + p.key, Label: "Shipping " + p.label, Type: String, Group: GroupShipping})
	}
	for _, p := range addressParts {
		f = append(f, SourceField{Key: "billing_" + p.key, Label: "Billing " + p.label, Type: String, Group: GroupBilling})
	}
	return append(f,
		SourceField{Key: "number_of_orders", Label: "Number of orders", Type: Numeric, Group: GroupOrders, Computed: true},
		SourceField{Key: "total_spend", Label: "Total spend", Type: Numeric, Group: GroupOrders, Computed: true},
		SourceField{Key: "average_order_value", Label: "Average order value", Type: Numeric, Group: GroupOrders, Computed: true},
		SourceField{Key: "first_order_date", Label: "First order date", Type: Date, Group: GroupOrders, Computed: true},
		SourceField{Key: "last_order_date", Label: "Last order date", Type: Date, Group: GroupOrders, Computed: true},
		SourceField{Key: "last_order_id", Label: "Last order id", Type: Numeric, Group: GroupOrders, Computed: true},
	)
}()

// DefaultMappings are mapped on install: Dotdigital's default data fields exist in every account.
var DefaultMappings = []store.FieldMapping{
	{Source: "first_name", DataField: "FIRSTNAME"},
	{Source: "full_name", DataField: "FULLNAME"},
	{Source: "last_name", DataField: "LASTNAME"},
	{Source: "shipping_postcode", DataField: "POSTCODE"},
}

const (
	attributePrefix = "attribute:"
	formFieldPrefix = "form_field:"
)

var attributeKey = regexp.MustCompile(`^attribute:[1-9][0-9]{0,9}$`)

// LookupSource finds a source field by key: a standard field, "attribute:<id>" (a custom attribute
// by id) or "form_field:<name>". Attribute and form field values arrive as text, so they are Strings.
func LookupSource(key string) (SourceField, bool) {
	for _, f := range StandardFields {
		if f.Key == key {
			return f, true
		}
	}
	switch {
	case attributeKey.MatchString(key):
		return SourceField{Key: key, Label: "Attribute " + strings.TrimPrefix(key, attributePrefix), Type: String, Group: GroupAttribute}, true
	case strings.HasPrefix(key, formFieldPrefix) && len(key) > len(formFieldPrefix) && len(key) <= 128:
		return SourceField{Key: key, Label: strings.TrimPrefix(key, formFieldPrefix), Type: String, Group: GroupFormField}, true
	}
	return SourceField{}, false
}

// DataField is a Dotdigital contact data field as the account reports it.
type DataField struct {
	Name string
	Type FieldType
}

// MappingError explains why a mapping cannot be saved.
type MappingError struct {
	Source, DataField string
	Reason            string
}

func (e *MappingError) Error() string {
	return fmt.Sprintf("cannot map %s to %s: %s", e.Source, e.DataField, e.Reason)
}

// ResolveMappings checks a whole mapping against the account's data fields (known sources, existing
// data fields of a compatible type, no data field written by two sources) and returns it with each data
// field's name as the account spells it and its type.
func ResolveMappings(mappings []store.FieldMapping, fields []DataField) ([]store.FieldMapping, error) {
	byName := map[string]DataField{}
	for _, f := range fields {
		byName[strings.ToUpper(f.Name)] = f
	}
	used := map[string]string{}
	out := make([]store.FieldMapping, 0, len(mappings))
	for _, m := range mappings {
		src, ok := LookupSource(m.Source)
		if !ok {
			return nil, &MappingError{m.Source, m.DataField, "no such BigCommerce field"}
		}
		if slices.Contains(ConsentFieldNames(), strings.ToUpper(m.DataField)) {
			return nil, &MappingError{m.Source, m.DataField, "bcsync writes subscribers' consent evidence to this data field: choose another"}
		}
		df, ok := byName[strings.ToUpper(m.DataField)]
		if !ok {
			return nil, &MappingError{m.Source, m.DataField, "the Dotdigital account has no such data field"}
		}
		if !Accepts(src.Type, df.Type) {
			return nil, &MappingError{m.Source, m.DataField, fmt.Sprintf("a %s field cannot hold %s values", df.Type, src.Type)}
		}
		if other, dup := used[strings.ToUpper(df.Name)]; dup {
			return nil, &MappingError{m.Source, m.DataField, "the data field is already mapped from " + other}
		}
		used[strings.ToUpper(df.Name)] = m.Source
		out = append(out, store.FieldMapping{Source: m.Source, DataField: df.Name, DataFieldType: string(df.Type)})
	}
	return out, nil
}

// ApplyMappingChanges applies "set" (source → data field) and "unset" (sources) to a mapping and
// returns the new one, sorted by source.
func ApplyMappingChanges(current []store.FieldMapping, set map[string]string, unset []string) []store.FieldMapping {
	m := map[string]string{}
	for _, c := range current {
		m[c.Source] = c.DataField
	}
	for _, u := range unset {
		delete(m, u)
	}
	for k, v := range set {
		m[k] = v
	}
	out := make([]store.FieldMapping, 0, len(m))
	for k, v := range m {
		out = append(out, store.FieldMapping{Source: k, DataField: v})
	}
	slices.SortFunc(out, func(a, b store.FieldMapping) int { return strings.Compare(a.Source, b.Source) })
	return out
}
