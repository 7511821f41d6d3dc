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

// maxBatch is the most customers one write may carry.
const maxBatch = 10

// validateCustomer checks record i of a batch; create requires the identifying fields, update an id.
// batchEmails tells which record of the batch took each email.
func (s *Server) validateCustomer(in customerIn, create bool, i int, batchEmails map[string]int) map[string]string {
	errs := map[string]string{}
	var self int
	if !create {
		if in.ID == nil {
			errs["id"] = "id is required to update a customer"
		} else if !s.customers.exists(*in.ID) {
			errs["id"] = fmt.Sprintf("Customer %d does not exist", *in.ID)
		} else {
			self = *in.ID
		}
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
	required("email", in.Email, 255)
	if in.Email != nil && errs["email"] == "" {
		e := strings.TrimSpace(*in.Email)
		if len(e) < 3 || !strings.Contains(e, "@") {
			errs["email"] = "email must be a valid email address"
		} else if id, ok := s.custEmails.find(e); ok && id != self {
			errs["email"] = fmt.Sprintf("The email address %s is already in use by another customer.", e)
		} else if other, ok := batchEmails[strings.ToLower(e)]; ok && other != i {
			errs["email"] = fmt.Sprintf("The email address %s appears more than once in this request.", e)
		} else {
			batchEmails[strings.ToLower(e)] = i
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
		if a.AttributeID < 1 || a.AttributeID > len(attributeDefs) {
			errs[fmt.Sprintf("attributes.%d.attribute_id", k)] = fmt.Sprintf("attribute %d does not exist", a.AttributeID)
		}
	}
	for k, sc := range in.StoreCreditAmounts {
		if _, err := money.Parse(sc.Amount.String()); err != nil {
			errs[fmt.Sprintf("store_credit_amounts.%d.amount", k)] = "amount must be a number"
		}
	}
	return errs
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

// checkBatch validates every record; one invalid record fails the whole batch, as BigCommerce does,
// without saying which (the client splits the batch to find out).
func (s *Server) checkBatch(w http.ResponseWriter, r *http.Request, batch []customerIn, create bool) bool {
	seen := map[string]int{}
	for i, in := range batch {
		if errs := s.validateCustomer(in, create, i, seen); len(errs) > 0 {
			title := "Update customers failed."
			if create {
				title = "Create customers failed."
			}
			s.writeError(w, r, http.StatusUnprocessableEntity, title, errs)
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
		applyCustomer(c, in, now, true)
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

// applyCustomer writes the sent fields of in onto c.
func applyCustomer(c *customer, in customerIn, now int64, create bool) {
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
	// Sub-resources are set on create only: BigCommerce ignores them on update ("Subresource updates
	// are not supported").
	if create {
		for i, a := range in.Addresses {
			a.ID, a.CustomerID = c.ID*10+i+1, c.ID
			if a.AddressType == "" {
				a.AddressType = "residential"
			}
			c.Addresses = append(c.Addresses, a)
		}
		for _, a := range in.Attributes {
			c.Attributes = append(c.Attributes, attributeValue{ID: c.ID*10 + a.AttributeID, AttributeID: a.AttributeID,
				AttributeValue: a.AttributeValue, CustomerID: c.ID, DateCreated: v3Time(now), DateModified: v3Time(now)})
		}
		for _, f := range in.FormFields {
			f.CustomerID = c.ID
			c.FormFields = append(c.FormFields, f)
		}
		c.StoreCreditAmounts = in.StoreCreditAmounts
	}
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
		applyCustomer(&copied, in, now, false)
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
		s.emit("store/customer/deleted", dataInt("customer", id))
	}
	w.WriteHeader(http.StatusNoContent)
}
