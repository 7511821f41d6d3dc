package dotdigital

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of one contact in a v3 request.
const (
	MaxListsPerContact   = 100
	MaxConsentPerContact = 5
)

// contactInput is one contact of PUT /contacts/v3/import or the body of PATCH /contacts/v3/{id}/{value}.
type contactInput struct {
	MatchIdentifier   string         `json:"matchIdentifier"`
	Identifiers       map[string]any `json:"identifiers"`
	DataFields        map[string]any `json:"dataFields"`
	ChannelProperties *struct {
		SMS      *channelStatusInput `json:"sms"`
		WhatsApp *channelStatusInput `json:"whatsApp"`
		Email    *struct {
			EmailType          string `json:"emailType"`
			OptInType          string `json:"optInType"`
			Status             string `json:"status"`
			ResubscribeOptions *struct {
				// ResubscribeWithNoChallenge defaults to true (C3): a subscribed status then brings an
				// unsubscribed contact back without asking it.
				ResubscribeWithNoChallenge *bool  `json:"resubscribeWithNoChallenge"`
				PreferredLocale            string `json:"preferredLocale"`
				RedirectURLAfterChallenge  string `json:"redirectUrlAfterChallenge"`
			} `json:"resubscribeOptions"`
		} `json:"email"`
	} `json:"channelProperties"`
	Lists          []int64        `json:"lists"`
	ConsentRecords []consentInput `json:"consentRecords"`
	Preferences    []struct {
		ID        *int64 `json:"id"`
		IsOptedIn *bool  `json:"isOptedIn"`
	} `json:"preferences"`
}

// channelStatusInput is the SMS or WhatsApp channel of a write: only its status (C3).
type channelStatusInput struct {
	Status string `json:"status"`
}

// consentInput is a consent record of a request; every field is required (C3 consentRecord).
type consentInput struct {
	Text              *string `json:"text"`
	DateTimeConsented *string `json:"dateTimeConsented"`
	URL               *string `json:"url"`
	IPAddress         *string `json:"ipAddress"`
	UserAgent         *string `json:"userAgent"`
}

// problem says what makes a consent record one C3 refuses ("" when none): all five fields, the text and
// user agent not empty, the time an ISO 8601 date-time, the URL absolute, the IP address v4 or v6.
func (cr *consentInput) problem() string {
	var missing []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"text", cr.Text}, {"dateTimeConsented", cr.DateTimeConsented}, {"url", cr.URL}, {"ipAddress", cr.IPAddress}, {"userAgent", cr.UserAgent}} {
		if f.v == nil {
			missing = append(missing, f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return "missing " + strings.Join(missing, ", ")
	case *cr.Text == "":
		return "text is empty"
	case *cr.UserAgent == "":
		return "userAgent is empty"
	}
	if _, err := time.Parse(time.RFC3339, *cr.DateTimeConsented); err != nil {
		return fmt.Sprintf("dateTimeConsented '%s' is not an ISO 8601 date-time", *cr.DateTimeConsented)
	}
	if u, err := url.Parse(*cr.URL); err != nil || !u.IsAbs() {
		return fmt.Sprintf("url '%s' is not an absolute URI", *cr.URL)
	}
	if ip, err := netip.ParseAddr(*cr.IPAddress); err != nil || ip.Zone() != "" {
		return fmt.Sprintf("ipAddress '%s' is not an IPv4 or IPv6 address", *cr.IPAddress)
	}
	return ""
}

type v3Failure struct {
	FailureCode string `json:"failureCode"`
	Description string `json:"description"`
}

// resubscribeLocales are C3's preferredLocale enum.
var resubscribeLocales = []string{"cs-CS", "da-DA", "de-DE", "el-EL", "en-EN", "es-ES", "es", "fi-FI", "fr-FR", "hu-HU", "it-IT",
	"nl-NL", "nb-NO", "pl-PL", "pt-PT", "ru-RU", "se-SE", "sk-SK", "tr-TR", "zh-CN"}

// identity is how a request names a contact.
type identity struct {
	match string // email or contactId
	email string
	id    int64
}

func (in *contactInput) identity() identity {
	id := identity{match: in.MatchIdentifier}
	if e, ok := in.Identifiers["email"].(string); ok {
		id.email = strings.TrimSpace(e)
	}
	switch v := in.Identifiers["contactId"].(type) {
	case float64:
		id.id = int64(v)
	case string:
		id.id, _ = strconv.ParseInt(v, 10, 64)
	}
	return id
}

// validEmail is a plausibility check, as an API would make before accepting an address.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && len(e) <= 254 && strings.Contains(domain, ".") && !strings.ContainsAny(e, " \t\r\n,;<>\"") &&
		!strings.Contains(domain, "@") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// plan is a validated change to one contact, not yet applied.
type plan struct {
	in      *contactInput
	target  *contact // nil: create
	email   string
	fields  []fieldValue
	books   []int32
	fatal   []v3Failure // the contact is not imported
	partial []v3Failure // the contact is imported, these parts of it are not
	// noConsent says the consent records are not applied.
	noConsent bool
}

// planContact checks one contact against the account: identifiers, schema limits, data fields and lists.
func (st *state) planContact(in *contactInput, id identity) plan {
	p := plan{in: in, email: id.email}
	fail := func(code, format string, args ...any) {
		p.fatal = append(p.fatal, v3Failure{code, fmt.Sprintf(format, args...)})
	}
	switch id.match {
	case "email":
		if !validEmail(id.email) {
			fail("InvalidEmail", "The email address '%s' is not valid", id.email)
			return p
		}
		p.target = st.contactByEmail(id.email)
	case "contactId":
		p.target = st.contacts[int32(id.id)]
		if id.id <= 0 || id.id > 1<<31-1 || p.target == nil {
			fail("InvalidContactId", "No contact has the id %d", id.id)
			return p
		}
		if id.email != "" {
			if !validEmail(id.email) {
				fail("InvalidEmail", "The email address '%s' is not valid", id.email)
				return p
			}
			if other := st.contactByEmail(id.email); other != nil && other != p.target {
				fail("duplicateIdentifier", "The email address '%s' belongs to another contact", id.email)
				return p
			}
		}
	default:
		fail("InvalidMatchIdentifier", "The match identifier '%s' is not supported (email or contactId)", id.match)
		return p
	}
	if len(in.Lists) > MaxListsPerContact {
		fail("ApiSchemaViolation", "A contact can be added to at most %d lists in one request, not %d", MaxListsPerContact, len(in.Lists))
	}
	if len(in.ConsentRecords) > MaxConsentPerContact {
		fail("ApiSchemaViolation", "A contact can have at most %d consent records in one request, not %d", MaxConsentPerContact, len(in.ConsentRecords))
	}
	for i := range in.ConsentRecords {
		if why := in.ConsentRecords[i].problem(); why != "" {
			// The contact is imported; its consent records are not (C3's import example).
			p.partial = append(p.partial, v3Failure{"consentRecordsNotApplied",
				"The provided consent records could not be applied as they were incorrectly formatted: " + why})
			p.noConsent = true
			break
		}
	}
	if in.Lists != nil && len(in.Lists) == 0 {
		fail("ApiSchemaViolation", "lists must name at least one list when given")
	}
	if in.ConsentRecords != nil && len(in.ConsentRecords) == 0 {
		fail("ApiSchemaViolation", "consentRecords must hold at least one record when given")
	}
	if in.Preferences != nil && len(in.Preferences) == 0 {
		fail("ApiSchemaViolation", "preferences must hold at least one preference when given")
	}
	for _, pr := range in.Preferences {
		if pr.ID == nil || pr.IsOptedIn == nil {
			fail("ApiSchemaViolation", "a preference needs its id and isOptedIn")
			break
		}
	}
	if cp := in.ChannelProperties; cp != nil {
		if e := cp.Email; e != nil {
			// C3's enums, as written (camelCase): "Html" or "Single" are refused.
			enum := func(name, v string, allowed ...string) {
				if v != "" && !slices.Contains(allowed, v) {
					fail("ApiSchemaViolation", "The email %s '%s' is not one of %s", name, v, strings.Join(allowed, ", "))
				}
			}
			enum("status", e.Status, "subscribed", "unsubscribed", "suppressed")
			enum("emailType", e.EmailType, "plainText", "html")
			enum("optInType", e.OptInType, "unknown", "single", "double", "verifiedDouble")
			if o := e.ResubscribeOptions; o != nil {
				enum("resubscribeOptions.preferredLocale", o.PreferredLocale, resubscribeLocales...)
				if u, err := url.Parse(o.RedirectURLAfterChallenge); o.RedirectURLAfterChallenge != "" && (err != nil || !u.IsAbs()) {
					fail("ApiSchemaViolation", "resubscribeOptions.redirectUrlAfterChallenge '%s' is not an absolute URI", o.RedirectURLAfterChallenge)
				}
			}
		}
		for _, ch := range []struct {
			name string
			in   *channelStatusInput
		}{{"sms", cp.SMS}, {"whatsApp", cp.WhatsApp}} {
			if ch.in != nil && !slices.Contains([]string{"noSubscription", "subscribed", "unsubscribed", "suppressed"}, ch.in.Status) {
				fail("ApiSchemaViolation", "The %s status '%s' is not one of noSubscription, subscribed, unsubscribed, suppressed", ch.name, ch.in.Status)
			}
		}
	}
	names := make([]string, 0, len(in.DataFields))
	for k := range in.DataFields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		def := st.fieldByName[strings.ToUpper(k)]
		if def == nil {
			fail("ApiSchemaViolation", "The data field '%s' does not exist", k)
			continue
		}
		v, err := coerceField(def.Type, in.DataFields[k])
		if err != nil {
			fail("ApiSchemaViolation", "The data field '%s' must be of type %s", k, def.Type)
			continue
		}
		p.fields = append(p.fields, fieldValue{def.Name, v})
	}
	var bad []string
	for _, l := range in.Lists {
		b := st.books[int32(l)]
		if l <= 0 || l > 1<<31-1 || b == nil || !b.writable {
			bad = append(bad, strconv.FormatInt(l, 10))
			continue
		}
		p.books = append(p.books, b.id)
	}
	if len(bad) > 0 {
		p.partial = append(p.partial, v3Failure{"InvalidAddressBookIds", "These lists do not exist or cannot be written to: " + strings.Join(bad, ", ")})
	}
	return p
}

// apply makes a validated change. It reports whether the contact was created, and whether a request to
// subscribe it was ignored because it is unsubscribed or suppressed: only a resubscribe brings such a
// contact back, never an import or an update.
func (st *state) apply(p plan, merge string, now time.Time) (c *contact, created, keptRemoved bool) {
	c = p.target
	if c == nil {
		c = st.addContact(p.email, now)
		created = true
	} else if p.email != "" && !strings.EqualFold(c.email, p.email) {
		delete(st.byEmail, strings.ToLower(c.email))
		c.email = p.email
		st.byEmail[strings.ToLower(c.email)] = c
	}
	if e := p.in.ChannelProperties; e != nil && e.Email != nil {
		switch strings.ToLower(e.Email.Status) {
		case "unsubscribed":
			c.remove(statusUnsubscribed, now)
		case "suppressed":
			c.remove(statusSuppressed, now)
		case "subscribed":
			// A subscribed status resubscribes an unsubscribed contact, without asking it unless the
			// request says resubscribeWithNoChallenge false; with it, the contact is left as it is (the
			// API would email it a confirmation). Bounces and complaints are never undone.
			noChallenge := true
			if o := e.Email.ResubscribeOptions; o != nil && o.ResubscribeWithNoChallenge != nil {
				noChallenge = *o.ResubscribeWithNoChallenge
			}
			switch {
			case resubscribable(c.status) && noChallenge:
				c.status, c.removedAt = statusSubscribed, 0
				for i := range c.lists {
					c.lists[i].unsubscribed = 0
				}
			case removable(c.status):
				keptRemoved = true
			}
		}
		switch strings.ToLower(e.Email.EmailType) {
		case "html":
			c.emailType = "Html"
		case "plaintext":
			c.emailType = "PlainText"
		}
		for _, t := range []string{"Unknown", "Single", "Double", "VerifiedDouble"} {
			if strings.EqualFold(e.Email.OptInType, t) {
				c.optInType = t
			}
		}
	}
	for _, f := range p.fields {
		old, _ := c.field(f.name)
		switch merge {
		case "overwriteIfNotEmpty":
			if empty(f.value) {
				continue
			}
		case "overwriteIfEmpty":
			if !empty(old) {
				continue
			}
		}
		c.setField(f.name, f.value)
	}
	for _, b := range p.books {
		st.join(c, b)
	}
	for _, cr := range p.in.ConsentRecords {
		if p.noConsent {
			break
		}
		c.consent = append(c.consent, consentRecord{
			Text: *cr.Text, DateTimeConsented: *cr.DateTimeConsented, URL: *cr.URL, IPAddress: *cr.IPAddress,
			UserAgent: *cr.UserAgent, DateTimeCreated: fmtTime(now),
		})
	}
	if n := len(c.consent); n > MaxConsentPerContact {
		c.consent = slices.Clone(c.consent[n-MaxConsentPerContact:])
	}
	c.updated = now.UnixNano()
	return c, created, keptRemoved
}

func empty(v any) bool {
	s, isString := v.(string)
	return v == nil || (isString && s == "")
}

// v3 representation of a contact.

type v3Contact struct {
	ContactID         int32              `json:"contactId"`
	Status            string             `json:"status"`
	Created           string             `json:"created"`
	Updated           string             `json:"updated"`
	Identifiers       map[string]string  `json:"identifiers"`
	DataFields        map[string]any     `json:"dataFields,omitempty"`
	ChannelProperties *v3Channels        `json:"channelProperties,omitempty"`
	Lists             []v3ListMembership `json:"lists,omitempty"`
	ConsentRecords    []consentRecord    `json:"consentRecords,omitempty"`
}

type v3Channels struct {
	Email v3EmailChannel `json:"email"`
}

type v3EmailChannel struct {
	EmailType string `json:"emailType"`
	OptInType string `json:"optInType"`
	Status    string `json:"status"`
}

type v3ListMembership struct {
	ID     int32  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// contactStatus maps a v2 email status to the v3 contact-level status.
func contactStatus(s string) string {
	switch s {
	case statusSubscribed:
		return "subscribed"
	case statusUnsubscribed:
		return "unsubscribed"
	case statusPendingOptIn:
		return "pendingOptIn"
	}
	return "suppressed"
}

// emailChannelStatus maps a v2 email status to the v3 email channel status.
func emailChannelStatus(s string) string {
	switch s {
	case statusSubscribed:
		return "subscribed"
	case statusUnsubscribed:
		return "unsubscribed"
	case statusHardBounced:
		return "hardBounced"
	case statusIspComplained:
		return "ispComplained"
	case statusPendingOptIn:
		return "pendingOptIn"
	case statusDomainSuppression:
		return "domainSuppressed"
	case "SoftBounced":
		return "softBounced"
	case "DirectComplaint":
		return "directComplaint"
	case "SharedSuppression":
		return "sharedsuppression"
	}
	return "suppressed"
}

// view says which parts of a contact a v3 answer includes.
type view struct {
	fields   []string // data field names; nil: none
	channels bool
	lists    bool
	consent  bool
}

var fullView = view{channels: true, lists: true, consent: true}

func (st *state) v3(c *contact, v view, allFields bool) v3Contact {
	out := v3Contact{
		ContactID: c.id, Status: contactStatus(c.status), Created: fmtNanos(c.created), Updated: fmtNanos(c.updated),
		Identifiers: map[string]string{"email": c.email},
	}
	if allFields || len(v.fields) > 0 {
		out.DataFields = map[string]any{}
		names := v.fields
		if allFields {
			names = names[:0:0]
			for _, f := range st.fields {
				names = append(names, f.Name)
			}
		}
		for _, n := range names {
			val, _ := c.field(strings.ToUpper(n))
			out.DataFields[strings.ToUpper(n)] = val
		}
	}
	if v.channels {
		out.ChannelProperties = &v3Channels{v3EmailChannel{EmailType: c.emailType, OptInType: c.optInType, Status: emailChannelStatus(c.status)}}
	}
	if v.lists {
		for _, m := range c.lists {
			b := st.books[m.book]
			if b == nil {
				continue
			}
			status := "subscribed"
			if m.unsubscribed != 0 || removable(c.status) {
				status = "suppressed"
			}
			out.Lists = append(out.Lists, v3ListMembership{ID: b.id, Name: b.name, Status: status})
		}
	}
	if v.consent {
		out.ConsentRecords = c.consent
	}
	return out
}

// contactFromPath finds the contact named by /{identifier}/{value}. It answers 400 itself for an
// identifier the emulator does not know (ok false).
func (s *Server) contactFromPath(w http.ResponseWriter, r *http.Request) (c *contact, id identity, ok bool) {
	id = identity{match: r.PathValue("identifier")}
	value := r.PathValue("value")
	switch id.match {
	case "email":
		id.email = strings.TrimSpace(value)
		return s.st.contactByEmail(value), id, true
	case "contactId":
		n, err := strconv.ParseInt(value, 10, 32)
		if err != nil {
			writeV3Error(w, http.StatusBadRequest, "contacts:invalidId", fmt.Sprintf("The id value '%s' is invalid for the identifier 'contactId'", value))
			return nil, id, false
		}
		id.id = n
		return s.st.contacts[int32(n)], id, true
	}
	writeV3Error(w, http.StatusBadRequest, "contacts:invalidIdentifier",
		fmt.Sprintf("The identifier '%s' is not supported by the emulator (email or contactId)", id.match))
	return nil, id, false
}

func contactNotFound(w http.ResponseWriter, service string, id identity, value string) {
	writeV3Error(w, http.StatusNotFound, service+":contactNotFound", "The following contacts could not be found",
		v3Detail{Item: value, Description: fmt.Sprintf("Not found using the identifier '%s'", id.match)})
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, id, ok := s.contactFromPath(w, r)
	if !ok {
		return
	}
	if c == nil {
		contactNotFound(w, "contacts", id, r.PathValue("value"))
		return
	}
	writeJSON(w, http.StatusOK, s.st.v3(c, fullView, true))
}

// patchContact answers PATCH /contacts/v3/{identifier}/{value}: the single-contact upsert. It creates a
// contact named by email (201) or updates it (200), merging data fields by ?merge-option.
func (s *Server) patchContact(w http.ResponseWriter, r *http.Request) {
	merge := "overwrite"
	switch r.URL.Query().Get("merge-option") {
	case "", "overwrite":
	case "overwrite-if-not-empty":
		merge = "overwriteIfNotEmpty"
	case "overwrite-if-empty":
		merge = "overwriteIfEmpty"
	default:
		writeV3Error(w, http.StatusBadRequest, "contacts:invalidMergeOption", "The merge option is invalid",
			v3Detail{Item: "merge-option", Description: r.URL.Query().Get("merge-option")})
		return
	}
	var in contactInput
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, id, ok := s.contactFromPath(w, r)
	if !ok {
		return
	}
	if c == nil && id.match != "email" {
		// Only an email names a contact that PATCH may create. C3 lists no 404 for PATCH, so the
		// unknown contact is a 400 (in the same error code as GET's 404).
		writeV3Error(w, http.StatusBadRequest, "contacts:contactNotFound", "The following contacts could not be found",
			v3Detail{Item: r.PathValue("value"), Description: fmt.Sprintf("Not found using the identifier '%s'", id.match)})
		return
	}
	// The path names the contact; a different email in the body's identifiers changes its address.
	if e := in.identity().email; e != "" && c != nil {
		id = identity{match: "contactId", id: int64(c.id), email: e}
	}
	p := s.st.planContact(&in, id)
	for _, f := range p.fatal {
		if f.FailureCode == "duplicateIdentifier" {
			writeV3Error(w, http.StatusConflict, "contacts:idAlreadyExists",
				fmt.Sprintf("The id value '%s' for the identifier 'email' already exists. All identifiers must be unique!", id.email))
			return
		}
	}
	if problems := append(p.fatal, p.partial...); len(problems) > 0 {
		details := make([]v3Detail, len(problems))
		for i, f := range problems {
			details[i] = v3Detail{Item: f.FailureCode, Description: f.Description}
		}
		writeV3Error(w, http.StatusBadRequest, "contacts:invalidContacts", "The contact is invalid", details...)
		return
	}
	c, created, _ := s.st.apply(p, merge, clock())
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.st.v3(c, fullView, true))
}

// listContacts answers GET /contacts/v3, in ascending contact id order, paged by limit and marker.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	limit, after, ok := v3Paging(w, r, "contacts")
	if !ok {
		return
	}
	q := r.URL.Query()
	var modifiedSince, createdSince int64
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"~modified", &modifiedSince}, {"~created", &createdSince}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, strings.TrimPrefix(v, "gte::"))
		if err != nil || !strings.HasPrefix(v, "gte::") {
			writeV3Error(w, http.StatusBadRequest, "contacts:invalidFilter", fmt.Sprintf("The filter value '%s' is invalid", v))
			return
		}
		*f.dst = t.UnixNano()
	}
	var listID int64
	if v := q.Get("~listId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			writeV3Error(w, http.StatusBadRequest, "contacts:invalidFilter", fmt.Sprintf("The filter value '%s' is invalid", v))
			return
		}
		listID = n
	}
	v := view{}
	all := false
	if df := q.Get("data-fields"); df != "" {
		if df == "[[ALL]]" {
			all = true
		} else {
			v.fields = strings.Split(df, "|")
		}
	}
	for inc := range strings.SplitSeq(q.Get("include"), "|") {
		switch inc {
		case "channelProperties":
			v.channels = true
		case "lists":
			v.lists = true
		case "consentRecords":
			v.consent = true
		}
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	order := s.st.contactOrder
	i, _ := slices.BinarySearch(order, int32(after+1))
	items := make([]v3Contact, 0, min(limit, 256))
	more := false
	var last int32
	for ; i < len(order); i++ {
		c := s.st.contacts[order[i]]
		if c.updated < modifiedSince || c.created < createdSince || (listID != 0 && c.member(int32(listID)) == nil) {
			continue
		}
		if len(items) == limit {
			more = true
			break
		}
		items = append(items, s.st.v3(c, v, all))
		last = c.id
	}
	writeJSON(w, http.StatusOK, struct {
		Links v3Links     `json:"_links"`
		Items []v3Contact `json:"_items"`
	}{links(r, after, int64(last), more), items})
}
