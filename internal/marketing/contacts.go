package marketing

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/money"
	"github.com/bcsync/bcsync/internal/store"
)

// normEmail is how bcsync compares emails: trimmed and lower-cased.
func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

var emailRe = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$`)

// validEmail refuses what Dotdigital would refuse as an email address, before a call is spent on it.
func validEmail(s string) bool { return len(s) <= 254 && emailRe.MatchString(s) }

// Subscriber status values written to a mapped data field.
const (
	statusSubscribed    = "Subscribed"
	statusNotSubscribed = "Not subscribed"
)

// newsletterConsent is the subscriber consent that puts someone in the subscriber list.
const newsletterConsent = "marketing_newsletter"

func consented(s *bigcommerce.Subscriber) bool { return slices.Contains(s.Consents, newsletterConsent) }

// values computes the mapped fields of a customer.
type customerFacts struct {
	c          *bigcommerce.Customer
	orders     store.OrderSummary
	subscribed bool
}

func firstAddress(c *bigcommerce.Customer) *bigcommerce.Address {
	if len(c.Addresses) == 0 {
		return nil
	}
	best := &c.Addresses[0]
	for i := range c.Addresses {
		if c.Addresses[i].ID < best.ID {
			best = &c.Addresses[i]
		}
	}
	return best
}

func fullName(first, last string) string { return strings.TrimSpace(first + " " + last) }

// sourceValue returns a customer's value for a source field: a string, json.Number, bool or time.Time,
// or nil when the customer has none (which clears the data field).
func (f customerFacts) sourceValue(key string) any {
	c := f.c
	str := func(s string) any {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return s
	}
	if part, ok := strings.CutPrefix(key, "shipping_"); ok {
		return addressValue(firstAddress(c), part)
	}
	if part, ok := strings.CutPrefix(key, "billing_"); ok {
		return addressValue(firstAddress(c), part)
	}
	if id, ok := strings.CutPrefix(key, attributePrefix); ok {
		for _, a := range c.Attributes {
			if strconv.Itoa(a.AttributeID) == id {
				return str(a.Value)
			}
		}
		return nil
	}
	if name, ok := strings.CutPrefix(key, formFieldPrefix); ok {
		for _, ff := range c.FormFields {
			if ff.Name == name {
				return str(ff.String())
			}
		}
		return nil
	}
	o := f.orders
	switch key {
	case "first_name":
		return str(c.FirstName)
	case "last_name":
		return str(c.LastName)
	case "full_name":
		return str(fullName(c.FirstName, c.LastName))
	case "phone":
		return str(c.Phone)
	case "company":
		return str(c.Company)
	case "notes":
		return str(c.Notes)
	case "customer_group_id":
		return json.Number(strconv.Itoa(c.CustomerGroupID))
	case "customer_id":
		return json.Number(strconv.Itoa(c.ID))
	case "date_created":
		return timeOrNil(c.DateCreated)
	case "store_credit":
		var sum money.Amount
		for _, a := range c.StoreCredit {
			sum = sum.Add(a)
		}
		return sum.Number()
	case "subscriber_status":
		if f.subscribed {
			return statusSubscribed
		}
		return statusNotSubscribed
	case "accepts_abandoned_cart_emails":
		return c.AcceptsProductReviewAbandonedCartEmails
	case "number_of_orders":
		return json.Number(strconv.FormatInt(o.Orders, 10))
	case "total_spend":
		return money.FromMinor(o.TotalE4, 4).Number()
	case "average_order_value":
		return money.FromMinor(o.TotalE4, 4).DivInt(o.Orders, 2).Number()
	case "first_order_date":
		return timeOrNil(o.FirstAt)
	case "last_order_date":
		return timeOrNil(o.LastAt)
	case "last_order_id":
		if o.LastOrderID == "" {
			return nil
		}
		return json.Number(o.LastOrderID)
	}
	return nil
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func addressValue(a *bigcommerce.Address, part string) any {
	if a == nil {
		return nil
	}
	v := map[string]string{
		"first_name": a.FirstName, "last_name": a.LastName, "company": a.Company, "address1": a.Address1,
		"address2": a.Address2, "city": a.City, "state": a.StateOrProvince, "postcode": a.PostalCode,
		"country": a.Country, "country_code": a.CountryCode, "phone": a.Phone,
	}[part]
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return v
}

// convert writes a source value as the data field's type wants it (anything may become text).
func convert(v any, fieldType string) any {
	if v == nil || fieldType != string(String) {
		return v
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return v
}

// mappedFields computes the data fields of a contact, for the mapped sources keep selects.
func mappedFields(mappings []store.FieldMapping, keep func(SourceField) bool, value func(string) any) map[string]any {
	out := map[string]any{}
	for _, m := range mappings {
		src, ok := LookupSource(m.Source)
		if !ok || !keep(src) {
			continue
		}
		out[m.DataField] = convert(value(m.Source), m.DataFieldType)
	}
	return out
}

// What each contact stream sends: a subscriber's own fields; a customer's fields but the computed ones,
// which the order figures stream keeps up to date from the orders.
var (
	subscriberSources = func(f SourceField) bool { return f.Subscriber }
	customerSources   = func(f SourceField) bool { return !f.Computed }
	computedSources   = func(f SourceField) bool { return f.Computed }
)

// hasComputed says whether a mapping uses a field computed from orders.
func hasComputed(mappings []store.FieldMapping) bool {
	for _, m := range mappings {
		if src, ok := LookupSource(m.Source); ok && src.Computed {
			return true
		}
	}
	return false
}

// fingerprint identifies what a contact or record would look like in Dotdigital: equal fingerprints
// mean there is nothing to send.
// contactPrint is what a contact fingerprint covers: consent evidence, sent when consent is given, is
// not compared.
func contactPrint(ct *dotdigital.Contact) string {
	fields := maps.Clone(ct.DataFields)
	for k, v := range fields {
		if t, ok := v.(time.Time); ok {
			fields[k] = t.UTC().Format(time.RFC3339)
		}
	}
	return diff.Print(struct {
		Lists  []int
		Status dotdigital.EmailStatus
		Fields map[string]any
	}{ct.Lists, ct.EmailStatus, fields})
}
