package bigcommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/money"
)

// customer is a v3 customer as the emulator stores and serves it (customer_Full).
type customer struct {
	ID                    int    `json:"id"`
	Email                 string `json:"email"`
	FirstName             string `json:"first_name"`
	LastName              string `json:"last_name"`
	Company               string `json:"company"`
	Phone                 string `json:"phone"`
	RegistrationIPAddress string `json:"registration_ip_address"`
	Notes                 string `json:"notes"`
	TaxExemptCategory     string `json:"tax_exempt_category"`
	CustomerGroupID       int    `json:"customer_group_id"`
	DateModified          string `json:"date_modified"`
	DateCreated           string `json:"date_created"`
	AddressCount          int    `json:"address_count"`
	AttributeCount        int    `json:"attribute_count"`
	Authentication        struct {
		ForcePasswordReset bool `json:"force_password_reset"`
	} `json:"authentication"`
	AcceptsProductReviewAbandonedCartEmails bool  `json:"accepts_product_review_abandoned_cart_emails"`
	OriginChannelID                         int   `json:"origin_channel_id"`
	ChannelIDs                              []int `json:"channel_ids,omitempty"`

	// Sub-resources appear only when included: nil is left out, an empty slice is [].
	Addresses          []address        `json:"addresses,omitzero"`
	Attributes         []attributeValue `json:"attributes,omitzero"`
	FormFields         []formField      `json:"form_fields,omitzero"`
	StoreCreditAmounts []storeCredit    `json:"store_credit_amounts,omitzero"`
}

type address struct {
	ID              int         `json:"id"`
	CustomerID      int         `json:"customer_id"`
	FirstName       string      `json:"first_name"`
	LastName        string      `json:"last_name"`
	Company         string      `json:"company"`
	Address1        string      `json:"address1"`
	Address2        string      `json:"address2"`
	City            string      `json:"city"`
	StateOrProvince string      `json:"state_or_province"`
	PostalCode      string      `json:"postal_code"`
	CountryCode     string      `json:"country_code"`
	Country         string      `json:"country"`
	Phone           string      `json:"phone"`
	AddressType     string      `json:"address_type"`
	FormFields      []formField `json:"form_fields,omitempty"`
}

type attributeValue struct {
	ID             int    `json:"id"`
	AttributeID    int    `json:"attribute_id"`
	AttributeValue string `json:"attribute_value"`
	CustomerID     int    `json:"customer_id"`
	DateCreated    string `json:"date_created"`
	DateModified   string `json:"date_modified"`
}

type formField struct {
	Name       string          `json:"name"`
	Value      json.RawMessage `json:"value"`
	CustomerID int             `json:"customer_id,omitempty"`
}

type storeCredit struct {
	Amount json.Number `json:"amount"`
}

// Customer attributes the generator fills; the store has them defined as these ids.
var attributeDefs = []struct {
	id     int
	values []string
}{
	{1, []string{"Gold", "Silver", "Bronze"}},
	{2, []string{"38", "40", "42", "44"}},
	{3, []string{"weekly", "monthly", "never"}},
}

var formFieldDefs = []struct{ name, value string }{
	{"How did you hear about us?", `"Instagram"`},
	{"How did you hear about us?", `"A friend ♥"`},
	{"Birthday month", `"März"`},
	{"Interests", `["coffee","ceramics"]`},
}

// genCustomerPerson is the cheap part of a generated customer: its name and email.
func (s *Server) genCustomerPerson(id int) (first, last name, email string) {
	r := newRNG(s.cfg.Seed, streamCustomerName, id)
	first, last = pick(&r, firstNames), pick(&r, lastNames)
	return first, last, emailFor(&r, first.ascii+"."+last.ascii, id, "")
}

func (s *Server) genCustomerEmail(id int) string { _, _, e := s.genCustomerPerson(id); return e }

// genCustomer rebuilds generated customer id with every sub-resource.
func (s *Server) genCustomer(id int) *customer {
	first, last, email := s.genCustomerPerson(id)
	r := newRNG(s.cfg.Seed, streamCustomer, id)
	c := &customer{
		ID: id, Email: email, FirstName: first.text, LastName: last.text,
		Phone:                                   fmt.Sprintf("+%d %03d %04d", r.between(1, 99), r.intn(1000), r.intn(10000)),
		RegistrationIPAddress:                   fmt.Sprintf("203.0.113.%d", r.intn(255)),
		CustomerGroupID:                         r.intn(4),
		OriginChannelID:                         1,
		ChannelIDs:                              []int{1},
		AcceptsProductReviewAbandonedCartEmails: r.chance(70),
	}
	if r.chance(30) {
		c.Company = pick(&r, companies)
	}
	if r.chance(10) {
		c.Notes = pick(&r, noteTexts)
	}
	created := s.customers.created[id-1]
	for i := range r.intn(4) {
		p := pick(&r, places)
		a := address{
			ID: id*10 + i + 1, CustomerID: id, FirstName: first.text, LastName: last.text, Company: c.Company,
			Address1: fmt.Sprintf("%s %d", pick(&r, streets), r.between(1, 200)), City: p.city,
			StateOrProvince: p.state, PostalCode: p.postal, CountryCode: p.iso2, Country: p.country,
			Phone: c.Phone, AddressType: "residential",
		}
		if r.chance(20) {
			a.Address2 = fmt.Sprintf("Apt %d", r.between(1, 40))
			a.AddressType = "commercial"
		}
		c.Addresses = append(c.Addresses, a)
	}
	for _, def := range attributeDefs {
		if r.chance(40) {
			c.Attributes = append(c.Attributes, attributeValue{
				ID: id*10 + def.id, AttributeID: def.id, AttributeValue: pick(&r, def.values), CustomerID: id,
				DateCreated: v3Time(created), DateModified: v3Time(created),
			})
		}
	}
	if r.chance(30) {
		f := pick(&r, formFieldDefs)
		c.FormFields = append(c.FormFields, formField{Name: f.name, Value: json.RawMessage(f.value), CustomerID: id})
	}
	if r.chance(20) {
		c.StoreCreditAmounts = []storeCredit{{json.Number(r.cents(1, 80).String())}}
	}
	return c
}

// customerRecord returns customer id as stored (overlay or generated), without dates.
func (s *Server) customerRecord(id int) *customer {
	if c, ok := s.custOver[id]; ok {
		return c
	}
	return s.genCustomer(id)
}

// renderCustomer copies c for the wire with its dates and the included sub-resources only.
func (s *Server) renderCustomer(c *customer, include []string) customer {
	out := *c
	out.DateCreated = v3Time(s.customers.created[c.ID-1])
	out.DateModified = v3Time(s.customers.mod[c.ID-1])
	out.AddressCount, out.AttributeCount = len(c.Addresses), len(c.Attributes)
	keep := func(name string) bool { return slices.Contains(include, name) }
	out.Addresses = nonNilIf(keep("addresses"), c.Addresses)
	out.Attributes = nonNilIf(keep("attributes"), c.Attributes)
	out.FormFields = nonNilIf(keep("formfields"), c.FormFields)
	out.StoreCreditAmounts = nonNilIf(keep("storecredit"), c.StoreCreditAmounts)
	if keep("storecredit") && len(out.StoreCreditAmounts) == 0 {
		out.StoreCreditAmounts = []storeCredit{{"0"}}
	}
	return out
}

// nonNilIf gives xs (as [] when empty) if wanted, or nil to leave the field out.
func nonNilIf[T any](want bool, xs []T) []T {
	if !want {
		return nil
	}
	if xs == nil {
		return []T{}
	}
	return xs
}

type customerList struct {
	Data []customer `json:"data"`
	Meta listMeta   `json:"meta"`
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	q := query{offset: (page - 1) * limit, limit: limit}
	switch values.Get("sort") {
	case "date_modified:asc":
		q.byMod = true
	case "date_modified:desc":
		q.byMod, q.desc = true, true
	case "", "date_created:asc":
		// Ids grow with creation, so creation order is id order.
	case "date_created:desc":
		q.desc = true
	default:
		s.invalidParam(w, r, "sort", "unsupported sort "+values.Get("sort"))
		return
	}
	if !s.timeFilters(w, r, &q, map[string]*int64{
		"date_modified:min": &q.modMin, "date_modified:max": &q.modMax,
		"date_created:min": &q.createdMin, "date_created:max": &q.createdMax,
	}, false) {
		return
	}
	ids, err := intList(values, "id:in")
	if err != nil {
		s.invalidParam(w, r, "id:in", err.Error())
		return
	}
	q.ids = ids

	s.mu.RLock()
	defer s.mu.RUnlock()
	if emails := stringList(values, "email:in"); values.Has("email:in") {
		byEmail := []int{}
		for _, e := range emails {
			if id, ok := s.custEmails.find(e); ok && (q.ids == nil || slices.Contains(q.ids, id)) {
				byEmail = append(byEmail, id)
			}
		}
		q.ids = byEmail
	}
	if groups, err := intList(values, "customer_group_id:in"); err != nil {
		s.invalidParam(w, r, "customer_group_id:in", err.Error())
		return
	} else if groups != nil {
		q.keep = func(id int) bool { return slices.Contains(groups, s.customerRecord(id).CustomerGroupID) }
	}
	include := stringList(values, "include")
	ids, total := s.customers.run(q)
	out := customerList{Data: make([]customer, 0, len(ids))}
	for _, id := range ids {
		out.Data = append(out.Data, s.renderCustomer(s.customerRecord(id), include))
	}
	out.Meta.Pagination = newPagination(r, total, len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// customerIn is a customer in a POST or PUT body; pointers tell which fields were sent.
type customerIn struct {
	ID                                      *int          `json:"id"`
	Email                                   *string       `json:"email"`
	FirstName                               *string       `json:"first_name"`
	LastName                                *string       `json:"last_name"`
	Company                                 *string       `json:"company"`
	Phone                                   *string       `json:"phone"`
	Notes                                   *string       `json:"notes"`
	TaxExemptCategory                       *string       `json:"tax_exempt_category"`
	CustomerGroupID                         *int          `json:"customer_group_id"`
	AcceptsProductReviewAbandonedCartEmails *bool         `json:"accepts_product_review_abandoned_cart_emails"`
	Addresses                               []address     `json:"addresses"`
	Attributes                              []attributeIn `json:"attributes"`
	FormFields                              []formField   `json:"form_fields"`
	StoreCreditAmounts                      []storeCredit `json:"store_credit_amounts"`
	ChannelIDs                              []int         `json:"channel_ids"`
	OriginChannelID                         *int          `json:"origin_channel_id"`
	Authentication                          *struct {
		ForcePasswordReset bool   `json:"force_password_reset"`
		NewPassword        string `json:"new_password"`
	} `json:"authentication"`
}

type attributeIn struct {
	AttributeID    int    `json:"attribute_id"`
	AttributeValue string `json:"attribute_value"`
}

// maxBatch is the most customers one write may carry (also the most customers one attribute-value or
// form-field-value upsert may name).
const maxBatch = 10

// shapeErrors checks one record of a batch on its own: required fields and lengths, addresses,
// attribute values against the store's attributes, form fields against its signup form, store credit.
// Create requires the identifying fields, update an id.
func (s *Server) shapeErrors(in customerIn, create bool) map[string]string {
	errs := map[string]string{}
	if !create && in.ID == nil {
		errs["id"] = "error.path.missing"
	}
	required := func(field string, v *string, maxLen int) {
		switch {
		case v == nil && create:
			errs[field] = "error.path.missing"
		case v != nil && (strings.TrimSpace(*v) == "" || len(*v) > maxLen):
			errs[field] = fmt.Sprintf("%s must be 1 to %d characters", field, maxLen)
		}
	}
	required("first_name", in.FirstName, 100)
	required("last_name", in.LastName, 100)
	required("email", in.Email, 250)
	if in.Email != nil && errs["email"] == "" {
		if e := strings.TrimSpace(*in.Email); len(e) < 3 || !strings.Contains(e, "@") {
			errs["email"] = "email must be a valid email address"
		}
	}
	for k, a := range in.Addresses {
		for field, v := range map[string]string{"first_name": a.FirstName, "last_name": a.LastName, "address1": a.Address1, "city": a.City} {
			if strings.TrimSpace(v) == "" {
				errs[fmt.Sprintf("addresses.%d.%s", k, field)] = "error.path.missing"
			}
		}
		if len(a.CountryCode) != 2 {
			errs[fmt.Sprintf("addresses.%d.country_code", k)] = "country_code must be two letters"
		}
	}
	if len(in.Addresses) > 10 || len(in.Attributes) > 10 {
		errs["addresses"] = "at most 10 addresses and 10 attributes per customer"
	}
	for k, a := range in.Attributes {
		if msg := s.checkAttributeValue(a.AttributeID, a.AttributeValue); msg != "" {
			errs[fmt.Sprintf("attributes.%d.attribute_value", k)] = msg
		}
	}
	for k, f := range in.FormFields {
		if msg := checkFormField(f.Name, f.Value); msg != "" {
			errs[fmt.Sprintf("form_fields.%d.value", k)] = msg
		}
	}
	for k, sc := range in.StoreCreditAmounts {
		if a, err := money.Parse(sc.Amount.String()); err != nil || a.Sign() < 0 {
			errs[fmt.Sprintf("store_credit_amounts.%d.amount", k)] = "amount must be a number, not negative"
		}
	}
	return errs
}

// conflict checks a record against the store and the records before it in the batch: the customer
// to update exists, and the email is not taken (ignoring case). batchEmails tells which record of the
// batch took each email.
func (s *Server) conflict(in customerIn, create bool, i int, batchEmails map[string]int) (field, msg string) {
	var self int
	if !create {
		if !s.customers.exists(*in.ID) {
			return "id", fmt.Sprintf("Customer %d does not exist.", *in.ID)
		}
		self = *in.ID
	}
	if in.Email == nil {
		return "", ""
	}
	e := strings.TrimSpace(*in.Email)
	if id, ok := s.custEmails.find(e); ok && id != self {
		return "email", fmt.Sprintf("The email address %s is already in use by another customer.", e)
	}
	if other, ok := batchEmails[strings.ToLower(e)]; ok && other != i {
		return "email", fmt.Sprintf("The email address %s appears more than once in this request.", e)
	}
	batchEmails[strings.ToLower(e)] = i
	return "", ""
}

// readBatch decodes a customer batch and applies the batch rules: an array, 1 to 10 records.
func (s *Server) readBatch(w http.ResponseWriter, r *http.Request) ([]customerIn, bool) {
	var batch []customerIn
	if !s.decodeBody(w, r, &batch) {
		return nil, false
	}
	if len(batch) > maxBatch {
		s.writeError(w, r, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The maximum number of items allowed in the array is %d.", maxBatch), nil)
		return nil, false
	}
	if len(batch) == 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "Input is invalid", map[string]string{"body": "at least one customer is required"})
		return nil, false
	}
	return batch, true
}

// checkBatch validates a batch; one invalid record refuses the whole batch (422) and nothing is
// written. Records that are invalid on their own are named, as BigCommerce names the paths of invalid
// JSON ("0.email": "error.path.missing"). A record that clashes with the store or the batch (an email
// in use, an unknown id) is not: the answer says what, not which record, as BigCommerce's "Create
// customers failed." does, and the client has to split the batch to find it.
func (s *Server) checkBatch(w http.ResponseWriter, r *http.Request, batch []customerIn, create bool) bool {
	named := map[string]string{}
	for i, in := range batch {
		for field, msg := range s.shapeErrors(in, create) {
			named[fmt.Sprintf("%d.%s", i, field)] = msg
		}
	}
	if len(named) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "JSON data is missing or invalid", named)
		return false
	}
	seen := map[string]int{}
	for i, in := range batch {
		if field, msg := s.conflict(in, create, i, seen); field != "" {
			title := "Update customers failed."
			if create {
				title = "Create customers failed."
			}
			s.writeError(w, r, http.StatusUnprocessableEntity, title, map[string]string{field: msg})
			return false
		}
	}
	return true
}

func (s *Server) createCustomers(w http.ResponseWriter, r *http.Request) {
	batch, ok := s.readBatch(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkBatch(w, r, batch, true) {
		return
	}
	now := s.now()
	var data []customer
	for _, in := range batch {
		id := s.customers.add(now, now)
		c := &customer{ID: id, OriginChannelID: 1, ChannelIDs: []int{1}}
		if in.OriginChannelID != nil {
			c.OriginChannelID = *in.OriginChannelID
		}
		s.applyCustomer(c, in, now, true)
		s.custOver[id] = c
		s.custEmails.add(c.Email, id)
		data = append(data, s.renderCustomer(c, allIncludes))
		s.emit("store/customer/created", dataInt("customer", id))
	}
	writeJSON(w, http.StatusOK, customerWrite{Data: data})
}

// allIncludes: writes answer with every sub-resource.
var allIncludes = []string{"addresses", "attributes", "formfields", "storecredit"}

type customerWrite struct {
	Data []customer `json:"data"`
	Meta struct{}   `json:"meta"`
}

// applyCustomer writes the sent fields of in onto c. Addresses and attribute values are taken on create
// only (BigCommerce: "Subresource updates are not supported"); form fields and store credit are taken
// on update too, each sent form field replacing the one of its name.
func (s *Server) applyCustomer(c *customer, in customerIn, now int64, create bool) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Email, in.Email)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Company, in.Company)
	set(&c.Phone, in.Phone)
	set(&c.Notes, in.Notes)
	set(&c.TaxExemptCategory, in.TaxExemptCategory)
	if in.CustomerGroupID != nil {
		c.CustomerGroupID = *in.CustomerGroupID
	}
	if in.AcceptsProductReviewAbandonedCartEmails != nil {
		c.AcceptsProductReviewAbandonedCartEmails = *in.AcceptsProductReviewAbandonedCartEmails
	}
	if in.ChannelIDs != nil {
		c.ChannelIDs = in.ChannelIDs
	}
	if in.Authentication != nil {
		c.Authentication.ForcePasswordReset = in.Authentication.ForcePasswordReset
	}
	if create {
		for i, a := range in.Addresses {
			a.ID, a.CustomerID = c.ID*10+i+1, c.ID
			if a.AddressType == "" {
				a.AddressType = "residential"
			}
			c.Addresses = append(c.Addresses, a)
		}
		for _, a := range in.Attributes {
			s.setAttributeValue(c, a.AttributeID, a.AttributeValue, now)
		}
	}
	if len(in.FormFields) > 0 {
		fields := slices.Clone(c.FormFields)
		for _, f := range in.FormFields {
			f.CustomerID = c.ID
			if k := slices.IndexFunc(fields, func(old formField) bool { return old.Name == f.Name }); k >= 0 {
				fields[k] = f
			} else {
				fields = append(fields, f)
			}
		}
		c.FormFields = fields
	}
	if in.StoreCreditAmounts != nil {
		c.StoreCreditAmounts = in.StoreCreditAmounts
	}
}

// setAttributeValue sets attribute id of c (a record the caller owns) to value: the value keeps its id
// and creation date when it exists, else it gets a new id. It returns the value as stored.
func (s *Server) setAttributeValue(c *customer, id int, value string, now int64) attributeValue {
	attrs := slices.Clone(c.Attributes)
	k := slices.IndexFunc(attrs, func(a attributeValue) bool { return a.AttributeID == id })
	if k < 0 {
		s.nextAttrValue++
		s.attrValueOwner[s.nextAttrValue] = c.ID
		attrs = append(attrs, attributeValue{ID: s.nextAttrValue, AttributeID: id, CustomerID: c.ID, DateCreated: v3Time(now)})
		k = len(attrs) - 1
	}
	attrs[k].AttributeValue, attrs[k].DateModified = value, v3Time(now)
	c.Attributes = attrs
	return attrs[k]
}

func (s *Server) updateCustomers(w http.ResponseWriter, r *http.Request) {
	batch, ok := s.readBatch(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkBatch(w, r, batch, false) {
		return
	}
	now := s.now()
	var data []customer
	for _, in := range batch {
		id := *in.ID
		c := s.customerRecord(id)
		copied := *c
		s.custEmails.remove(c.Email, id)
		s.applyCustomer(&copied, in, now, false)
		s.custOver[id] = &copied
		s.custEmails.add(copied.Email, id)
		s.customers.touch(id, now)
		data = append(data, s.renderCustomer(&copied, allIncludes))
		s.emit("store/customer/updated", dataInt("customer", id))
	}
	writeJSON(w, http.StatusOK, customerWrite{Data: data})
}

func (s *Server) deleteCustomers(w http.ResponseWriter, r *http.Request) {
	values := r.URL.Query()
	ids, err := intList(values, "id:in")
	if err != nil {
		s.invalidParam(w, r, "id:in", err.Error())
		return
	}
	// Without id:in BigCommerce answers 204 and changes nothing.
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if !s.customers.exists(id) {
			continue
		}
		s.custEmails.remove(s.customerRecord(id).Email, id)
		s.customers.remove(id)
		delete(s.custOver, id)
		s.dropCustomerMetafields(id)
		s.emit("store/customer/deleted", dataInt("customer", id))
	}
	w.WriteHeader(http.StatusNoContent)
}
