package mapping

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// The builders turn a row's Values into the client's inputs. Create builders refuse a row missing a
// field the record needs; update builders refuse a NULL that cannot clear its field; both with a
// *RowError. Apply already refuses such rows in insert and update mode: the builders matter for upsert,
// whose rows create or update as the store decides.

// MaxCreateAttributes is how many attribute values a customer create takes (customer_Post.attributes'
// maxItems); the others are written once the customer exists: see AttributeValuesAfterCreate.
const MaxCreateAttributes = 10

// CustomerCreate is the customer a row creates: its native fields, its first address (when any address
// field is mapped), its first MaxCreateAttributes attribute values (the others by
// AttributeValuesAfterCreate), its form fields and store credit. NULLs are left out. Metafields are
// written once the customer exists: see Metafields.
func (v Values) CustomerCreate() (bigcommerce.CustomerInput, error) {
	var in bigcommerce.CustomerInput
	if err := rowError(v.createProblems()); err != nil {
		return in, err
	}
	var addr bigcommerce.AddressInput
	hasAddress := false
	for _, x := range v.All() {
		if x.V == nil {
			continue
		}
		switch x.Field.Origin {
		case Native:
			if strings.HasPrefix(x.Field.Key, "address.") {
				setAddress(&addr, x.Field.Key, x.V.(string))
				hasAddress = true
				continue
			}
			setCustomer(&in, x)
		case Attribute:
			if len(in.Attributes) < MaxCreateAttributes {
				in.Attributes = append(in.Attributes, bigcommerce.AttributeInput{AttributeID: x.Field.AttributeID, Value: attributeText(x)})
			}
		case FormField:
			in.FormFields = append(in.FormFields, formValue(x.Field.Name, x.V.(string)))
		}
	}
	if hasAddress {
		in.Addresses = []bigcommerce.AddressInput{addr}
	}
	return in, nil
}

// CustomerUpdate is the change a row makes to customer id: its native fields, form fields and store
// credit (addresses are written on create only, attribute values by AttributeValues and
// AttributeValueDeletes, metafields by Metafields). A NULL clears an optional field: company, phone and
// notes are set to "", the customer group to 0, a form field to "". With an email match the email is
// not sent: it is the customer's already, but for its case.
func (v Values) CustomerUpdate(id int) (bigcommerce.CustomerInput, error) {
	in := bigcommerce.CustomerInput{ID: id}
	if err := rowError(v.updateProblems()); err != nil {
		return in, err
	}
	for _, x := range v.All() {
		if x.Field.CreateOnly || x.fromMatch {
			continue
		}
		switch x.Field.Origin {
		case Native:
			if x.V == nil {
				clearCustomer(&in, x.Field.Key)
				continue
			}
			setCustomer(&in, x)
		case FormField:
			s, _ := x.V.(string) // NULL: "" clears the field
			in.FormFields = append(in.FormFields, formValue(x.Field.Name, s))
		}
	}
	return in, nil
}

func setCustomer(in *bigcommerce.CustomerInput, x Value) {
	switch x.Field.Key {
	case "email":
		in.Email = x.V.(string)
	case "first_name":
		in.FirstName = x.V.(string)
	case "last_name":
		in.LastName = x.V.(string)
	case "company":
		in.Company = ptr(x.V.(string))
	case "phone":
		in.Phone = ptr(x.V.(string))
	case "notes":
		in.Notes = ptr(x.V.(string))
	case "customer_group_id":
		in.CustomerGroupID = ptr(int(x.V.(int64)))
	case "accepts_product_review_abandoned_cart_emails":
		in.AcceptsProductReviewAbandonedCartEmails = ptr(x.V.(bool))
	case "store_credit":
		in.StoreCredit = []money.Amount{x.V.(money.Amount)}
	default:
		panic("mapping: no customer input for " + x.Field.Key)
	}
}

// clearCustomer sets the cleared value of a clearable native field.
func clearCustomer(in *bigcommerce.CustomerInput, key string) {
	switch key {
	case "company":
		in.Company = ptr("")
	case "phone":
		in.Phone = ptr("")
	case "notes":
		in.Notes = ptr("")
	case "customer_group_id":
		in.CustomerGroupID = ptr(0)
	default:
		panic("mapping: " + key + " cannot be cleared")
	}
}

func setAddress(a *bigcommerce.AddressInput, key, s string) {
	switch strings.TrimPrefix(key, "address.") {
	case "first_name":
		a.FirstName = s
	case "last_name":
		a.LastName = s
	case "company":
		a.Company = s
	case "address1":
		a.Address1 = s
	case "address2":
		a.Address2 = s
	case "city":
		a.City = s
	case "state_or_province":
		a.StateOrProvince = s
	case "postal_code":
		a.PostalCode = s
	case "country_code":
		a.CountryCode = s
	case "phone":
		a.Phone = s
	case "address_type":
		a.AddressType = s
	default:
		panic("mapping: no address input for " + key)
	}
}

// formValue is a form field's value: a JSON string.
func formValue(name, s string) bigcommerce.FormField {
	b, _ := json.Marshal(s)
	return bigcommerce.FormField{Name: name, Value: b}
}

// attributeText is an attribute value as BigCommerce takes it, a string whatever the type: a number
// in its shortest exact form ("38.5"), a date as 2006-01-02.
func attributeText(x Value) string {
	switch t := x.V.(type) {
	case money.Amount:
		return t.String()
	case time.Time:
		return t.Format(time.DateOnly)
	case string:
		return t
	}
	return fmt.Sprint(x.V)
}

// AttributeValues are the attribute values a row sets on customer customerID (an update: a create
// takes them in CustomerCreate). NULLs are not among them: see AttributeValueDeletes.
func (v Values) AttributeValues(customerID int) []bigcommerce.AttributeValueInput {
	var out []bigcommerce.AttributeValueInput
	for _, x := range v.All() {
		if x.Field.Origin == Attribute && x.V != nil {
			out = append(out, bigcommerce.AttributeValueInput{CustomerID: customerID, AttributeID: x.Field.AttributeID, Value: attributeText(x)})
		}
	}
	return out
}

// AttributeValuesAfterCreate are the attribute values a created customer still lacks: those beyond the
// MaxCreateAttributes its create carried.
func (v Values) AttributeValuesAfterCreate(customerID int) []bigcommerce.AttributeValueInput {
	all := v.AttributeValues(customerID)
	if len(all) <= MaxCreateAttributes {
		return nil
	}
	return all[MaxCreateAttributes:]
}

// AttributeValueDeletes are the ids of the attribute values a row clears (NULLs), among the customer's
// current values (Customer.Attributes): BigCommerce clears an attribute by deleting its value.
func (v Values) AttributeValueDeletes(current []bigcommerce.Attribute) []int {
	var out []int
	for _, x := range v.All() {
		if x.Field.Origin == Attribute && x.V == nil {
			out = append(out, attributeValueIDs(current, x.Field.AttributeID)...)
		}
	}
	return out
}

func attributeValueIDs(current []bigcommerce.Attribute, attributeID int) []int {
	var out []int
	for _, a := range current {
		if a.AttributeID == attributeID && a.ID > 0 {
			out = append(out, a.ID)
		}
	}
	return out
}

// MetafieldWrites are the metafield changes of one customer.
type MetafieldWrites struct {
	Create []bigcommerce.MetafieldInput // ResourceID, Namespace, Key, Value, PermissionSet
	Update []bigcommerce.MetafieldInput // ID, Value
	Delete []int                        // metafield ids
}

// Empty reports whether there is nothing to write.
func (w MetafieldWrites) Empty() bool { return len(w.Create)+len(w.Update)+len(w.Delete) == 0 }

// Metafields are the metafield changes a row makes to customer customerID (after its creation, on
// create), given the customer's current metafields (nil for a new customer): a value creates its
// metafield (with permissionSet, bigcommerce.MetafieldAppOnly when "") or updates it when it differs;
// a NULL deletes it. An empty value counts as NULL: BigCommerce refuses empty metafields.
func (v Values) Metafields(customerID int, current []bigcommerce.Metafield, permissionSet string) MetafieldWrites {
	if permissionSet == "" {
		permissionSet = bigcommerce.MetafieldAppOnly
	}
	var w MetafieldWrites
	for _, x := range v.All() {
		if x.Field.Origin != Metafield {
			continue
		}
		i := slices.IndexFunc(current, func(m bigcommerce.Metafield) bool {
			return m.Namespace == x.Field.Namespace && m.Key == x.Field.Name
		})
		switch {
		case x.V == nil && i >= 0:
			w.Delete = append(w.Delete, current[i].ID)
		case x.V == nil:
		case i < 0:
			w.Create = append(w.Create, bigcommerce.MetafieldInput{ResourceID: customerID, Namespace: x.Field.Namespace,
				Key: x.Field.Name, Value: x.V.(string), PermissionSet: permissionSet})
		case current[i].Value != x.V.(string):
			w.Update = append(w.Update, bigcommerce.MetafieldInput{ID: current[i].ID, Value: x.V.(string)})
		}
	}
	return w
}

// OrderCreate is the order a row creates (products mode: a billing address and product lines, and one
// shipping address when any of its fields is mapped). NULLs are left out: a NULL status makes a Pending
// order. The caller sets ExternalOrderID, bcsync's own key of the row.
func (v Values) OrderCreate() (bigcommerce.OrderInput, error) {
	var in bigcommerce.OrderInput
	if err := rowError(v.createProblems()); err != nil {
		return in, err
	}
	var ship bigcommerce.OrderShippingInput
	hasShipping := false
	for _, x := range v.All() {
		if x.V == nil {
			continue
		}
		key := x.Field.Key
		switch {
		case strings.HasPrefix(key, "billing_address."):
			setOrderAddress(&in.BillingAddress, strings.TrimPrefix(key, "billing_address."), x.V.(string))
		case key == "shipping_address.shipping_method":
			ship.ShippingMethod, hasShipping = x.V.(string), true
		case strings.HasPrefix(key, "shipping_address."):
			setOrderAddress(&ship.OrderAddress, strings.TrimPrefix(key, "shipping_address."), x.V.(string))
			hasShipping = true
		case key == "status":
			in.StatusID = ptr(x.V.(int))
		case key == "customer_id":
			in.CustomerID = int(x.V.(int64))
		case key == "products":
			in.Products = x.V.([]bigcommerce.OrderProductInput)
		case key == "date_created":
			in.DateCreated = x.V.(time.Time)
		case key == "payment_method":
			in.PaymentMethod = x.V.(string)
		case key == "discount_amount":
			in.DiscountAmount = ptr(x.V.(money.Amount))
		case key == "shipping_cost_ex_tax":
			in.ShippingCost = ptr(x.V.(money.Amount))
		case key == "staff_notes":
			in.StaffNotes = x.V.(string)
		case key == "customer_message":
			in.CustomerMessage = x.V.(string)
		case key == "external_source":
			in.ExternalSource = x.V.(string)
		default:
			panic("mapping: no order input for " + key)
		}
	}
	if hasShipping {
		in.ShippingAddresses = []bigcommerce.OrderShippingInput{ship}
	}
	return in, nil
}

// OrderUpdate is the change a row makes to its order: the status, customer, billing address parts
// mapped, product lines (each naming an existing line by id), notes, payment method, external source and
// discount. A NULL clears the staff notes or the customer message (set to ""); create-only fields
// (date_created, shipping_cost_ex_tax, the shipping address) are not written.
func (v Values) OrderUpdate() (bigcommerce.OrderUpdate, error) {
	var in bigcommerce.OrderUpdate
	if err := rowError(v.updateProblems()); err != nil {
		return in, err
	}
	var billing bigcommerce.OrderAddress
	hasBilling := false
	for _, x := range v.All() {
		key := x.Field.Key
		if x.Field.CreateOnly {
			continue
		}
		if x.V == nil {
			switch key {
			case "staff_notes":
				in.StaffNotes = ptr("")
			case "customer_message":
				in.CustomerMessage = ptr("")
			default:
				panic("mapping: " + key + " cannot be cleared")
			}
			continue
		}
		switch {
		case strings.HasPrefix(key, "billing_address."):
			setOrderAddress(&billing, strings.TrimPrefix(key, "billing_address."), x.V.(string))
			hasBilling = true
		case key == "status":
			in.StatusID = ptr(x.V.(int))
		case key == "customer_id":
			in.CustomerID = ptr(int(x.V.(int64)))
		case key == "products":
			in.Products = x.V.([]bigcommerce.OrderProductInput)
		case key == "payment_method":
			in.PaymentMethod = ptr(x.V.(string))
		case key == "discount_amount":
			in.DiscountAmount = ptr(x.V.(money.Amount))
		case key == "staff_notes":
			in.StaffNotes = ptr(x.V.(string))
		case key == "customer_message":
			in.CustomerMessage = ptr(x.V.(string))
		case key == "external_source":
			in.ExternalSource = ptr(x.V.(string))
		default:
			panic("mapping: no order update for " + key)
		}
	}
	if hasBilling {
		in.BillingAddress = &billing
	}
	return in, nil
}

func setOrderAddress(a *bigcommerce.OrderAddress, part, s string) {
	switch part {
	case "first_name":
		a.FirstName = s
	case "last_name":
		a.LastName = s
	case "company":
		a.Company = s
	case "street_1":
		a.Street1 = s
	case "street_2":
		a.Street2 = s
	case "city":
		a.City = s
	case "state":
		a.State = s
	case "zip":
		a.Zip = s
	case "country":
		a.Country = s
	case "country_iso2":
		a.CountryISO2 = s
	case "phone":
		a.Phone = s
	case "email":
		a.Email = s
	default:
		panic("mapping: no order address part " + part)
	}
}

func ptr[T any](v T) *T { return &v }

// CustomerClear is what the "clear" delete behaviour sends for a customer whose row left the model.
type CustomerClear struct {
	// Customer has the ID and every clearable native field mapped set to its cleared value (company,
	// phone, notes "", customer group 0), and the form fields mapped set to "": for UpdateCustomers.
	Customer bigcommerce.CustomerInput
	// AttributeValueIDs are the customer's values of the attributes mapped: for DeleteAttributeValues.
	AttributeValueIDs []int
	// MetafieldIDs are the customer's metafields mapped: for DeleteCustomerMetafields.
	MetafieldIDs []int
}

// Empty reports whether there is nothing to send.
func (c CustomerClear) Empty() bool {
	in := c.Customer
	return in.Company == nil && in.Phone == nil && in.Notes == nil && in.CustomerGroupID == nil && len(in.FormFields) == 0 &&
		len(c.AttributeValueIDs) == 0 && len(c.MetafieldIDs) == 0
}

// ClearCustomer is what unsets every clearable mapped field of a customer, given its current record
// (Customer.Attributes gives the attribute values' ids) and its metafields. Fields that cannot be
// cleared are left as they are: see Unclearable.
func (c *Compiled) ClearCustomer(current bigcommerce.Customer, metafields []bigcommerce.Metafield) CustomerClear {
	out := CustomerClear{Customer: bigcommerce.CustomerInput{ID: current.ID}}
	for _, cm := range c.maps {
		f := cm.field
		if !f.Clearable || cm.fromMatch {
			continue
		}
		switch f.Origin {
		case Native:
			clearCustomer(&out.Customer, f.Key)
		case FormField:
			out.Customer.FormFields = append(out.Customer.FormFields, formValue(f.Name, ""))
		case Attribute:
			out.AttributeValueIDs = append(out.AttributeValueIDs, attributeValueIDs(current.Attributes, f.AttributeID)...)
		case Metafield:
			for _, m := range metafields {
				if m.Namespace == f.Namespace && m.Key == f.Name {
					out.MetafieldIDs = append(out.MetafieldIDs, m.ID)
				}
			}
		}
	}
	return out
}

// ClearOrder is the update that unsets every clearable mapped field of an order (its staff notes and
// customer message, set to ""); false when none is mapped.
func (c *Compiled) ClearOrder() (bigcommerce.OrderUpdate, bool) {
	var in bigcommerce.OrderUpdate
	set := false
	for _, cm := range c.maps {
		switch cm.field.Key {
		case "staff_notes":
			in.StaffNotes, set = ptr(""), true
		case "customer_message":
			in.CustomerMessage, set = ptr(""), true
		}
	}
	return in, set
}

// Unclearable lists the mapped fields the "clear" delete behaviour leaves as they are, sorted.
func (c *Compiled) Unclearable() []string { return Unclearable(c.spec, c.store) }

// Unclearable lists the fields of a sync's mappings that cannot be cleared, sorted (unknown fields
// aside): required fields (email, names; an order's billing address and products), amounts (store
// credit, discount, shipping cost), flags, statuses, ids, dates and create-only fields. A UI shows them
// beside the "clear" delete behaviour.
func Unclearable(spec Spec, store Store) []string {
	var out []string
	for _, m := range spec.Mappings {
		f, err := Lookup(spec.Object, m.Field, store)
		if err == nil && !f.Clearable && !slices.Contains(out, f.Key) {
			out = append(out, f.Key)
		}
	}
	slices.Sort(out)
	return out
}
