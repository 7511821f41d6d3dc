package dotdigital

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EmailStatus is a contact's email channel status as a write sets it.
type EmailStatus string

const (
	StatusSubscribed   EmailStatus = "subscribed"
	StatusUnsubscribed EmailStatus = "unsubscribed"
	StatusSuppressed   EmailStatus = "suppressed"
)

// OptInType is how a contact opted in.
type OptInType string

const (
	OptInUnknown        OptInType = "unknown"
	OptInSingle         OptInType = "single"
	OptInDouble         OptInType = "double"
	OptInVerifiedDouble OptInType = "verifiedDouble"
)

// EmailType is the email format a contact receives.
type EmailType string

const (
	EmailHTML      EmailType = "html"
	EmailPlainText EmailType = "plainText"
)

// MergeOption says how imported data fields merge into an existing contact.
type MergeOption string

const (
	MergeOverwrite           MergeOption = "overwrite"           // set every field given (null clears)
	MergeOverwriteIfNotEmpty MergeOption = "overwriteIfNotEmpty" // set only fields given a non-empty value
	MergeOverwriteIfEmpty    MergeOption = "overwriteIfEmpty"    // set only fields the contact has no value for
)

// Limits of one contact in a write.
const (
	MaxListsPerContact   = 100
	MaxConsentPerContact = 5
)

// Contact is a contact to import or upsert, identified by email.
type Contact struct {
	Email string
	// DataFields by data field name. A nil value clears the field; values are strings, numbers, booleans
	// or dates (time.Time or an ISO 8601 string) as the field's type requires.
	DataFields map[string]any
	// Lists are address book ids to add the contact to (at most 100). Lists it is in already are kept.
	Lists []int
	// EmailStatus, OptInType and EmailType are left as they are when empty. A subscribed status does not
	// resubscribe a contact who unsubscribed or is suppressed: only Resubscribe does.
	EmailStatus EmailStatus
	OptInType   OptInType
	EmailType   EmailType
	// ConsentRecords are stored in the contact's ConsentInsight (at most 5 per write).
	ConsentRecords []ConsentRecord
}

// ConsentRecord is a record of the consent a contact gave.
type ConsentRecord struct {
	Text              string
	DateTimeConsented time.Time
	URL               string
	IPAddress         string
	UserAgent         string
	Created           time.Time // set by Dotdigital; read only
}

// validate refuses a consent record the contacts v3 API would refuse: it requires all five fields, the
// URL absolute and the IP address an IPv4 or IPv6 address (C3 consentRecord).
func (cr *ConsentRecord) validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"text", cr.Text}, {"url", cr.URL}, {"IP address", cr.IPAddress}, {"user agent", cr.UserAgent}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if cr.DateTimeConsented.IsZero() {
		missing = append(missing, "time consent was given")
	}
	if len(missing) > 0 {
		return fmt.Errorf("a consent record needs all five of text, time, URL, IP address and user agent; this one lacks its %s", strings.Join(missing, ", "))
	}
	if u, err := url.Parse(cr.URL); err != nil || !u.IsAbs() {
		return fmt.Errorf("a consent record's URL must be absolute, not %q", cr.URL)
	}
	if ip, err := netip.ParseAddr(cr.IPAddress); err != nil || ip.Zone() != "" {
		return fmt.Errorf("a consent record's IP address must be an IPv4 or IPv6 address, not %q", cr.IPAddress)
	}
	return nil
}

type consentJSON struct {
	Text              string `json:"text"`
	DateTimeConsented string `json:"dateTimeConsented"`
	URL               string `json:"url,omitempty"`
	IPAddress         string `json:"ipAddress,omitempty"`
	UserAgent         string `json:"userAgent,omitempty"`
}

type emailChannelJSON struct {
	Status             EmailStatus            `json:"status,omitempty"`
	EmailType          EmailType              `json:"emailType,omitempty"`
	OptInType          OptInType              `json:"optInType,omitempty"`
	ResubscribeOptions resubscribeOptionsJSON `json:"resubscribeOptions"`
}

// resubscribeOptionsJSON is sent with every contact write: C3 defaults resubscribeWithNoChallenge to
// true, which would let a subscribed status silently resubscribe someone who unsubscribed. With false,
// Dotdigital asks the person to confirm instead.
type resubscribeOptionsJSON struct {
	ResubscribeWithNoChallenge bool `json:"resubscribeWithNoChallenge"`
}

type contactJSON struct {
	MatchIdentifier string `json:"matchIdentifier,omitempty"`
	Identifiers     *struct {
		Email string `json:"email"`
	} `json:"identifiers,omitempty"`
	DataFields        map[string]any `json:"dataFields,omitempty"`
	ChannelProperties *struct {
		Email emailChannelJSON `json:"email"`
	} `json:"channelProperties,omitempty"`
	Lists          []int         `json:"lists,omitempty"`
	ConsentRecords []consentJSON `json:"consentRecords,omitempty"`
}

// validate refuses what Dotdigital would refuse for one contact.
func (ct *Contact) validate() error {
	email := strings.TrimSpace(ct.Email)
	if email == "" || !strings.Contains(email, "@") {
		return &RecordError{Key: ct.Email, Reason: "a contact needs an email address"}
	}
	if len(ct.Lists) > MaxListsPerContact {
		return &RecordError{Key: ct.Email, Reason: fmt.Sprintf("a contact can join at most %d lists in one write, not %d", MaxListsPerContact, len(ct.Lists))}
	}
	if len(ct.ConsentRecords) > MaxConsentPerContact {
		return &RecordError{Key: ct.Email, Reason: fmt.Sprintf("a contact can carry at most %d consent records in one write, not %d", MaxConsentPerContact, len(ct.ConsentRecords))}
	}
	for _, cr := range ct.ConsentRecords {
		if err := cr.validate(); err != nil {
			return &RecordError{Key: ct.Email, Reason: err.Error()}
		}
	}
	return nil
}

// wire gives the contact's v3 form; in an import it names itself by email (matchIdentifier).
func (ct *Contact) wire(inImport bool) contactJSON {
	out := contactJSON{Lists: ct.Lists}
	if inImport {
		out.MatchIdentifier = "email"
		out.Identifiers = &struct {
			Email string `json:"email"`
		}{strings.TrimSpace(ct.Email)}
	}
	if len(ct.DataFields) > 0 {
		out.DataFields = make(map[string]any, len(ct.DataFields))
		for k, v := range ct.DataFields {
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Format("2006-01-02T15:04:05Z")
			}
			out.DataFields[k] = v
		}
	}
	out.ChannelProperties = &struct {
		Email emailChannelJSON `json:"email"`
	}{emailChannelJSON{Status: ct.EmailStatus, EmailType: ct.EmailType, OptInType: ct.OptInType}}
	for _, cr := range ct.ConsentRecords {
		out.ConsentRecords = append(out.ConsentRecords, consentJSON{
			Text: cr.Text, DateTimeConsented: cr.DateTimeConsented.UTC().Format("2006-01-02T15:04:05Z"),
			URL: cr.URL, IPAddress: cr.IPAddress, UserAgent: cr.UserAgent,
		})
	}
	return out
}

// ContactDetails is a contact as Dotdigital returns it.
type ContactDetails struct {
	ContactID      int64
	Email          string
	Status         string // contact-level: subscribed, unsubscribed, suppressed, pendingOptIn, …
	EmailStatus    string // email channel: subscribed, unsubscribed, hardBounced, suppressed, …
	EmailType      string // Html or PlainText
	OptInType      string // Unknown, Single, Double or VerifiedDouble
	Created        time.Time
	Updated        time.Time
	DataFields     map[string]any
	Lists          []ContactList
	ConsentRecords []ConsentRecord
}

// ContactList is a contact's membership of a list.
type ContactList struct {
	ID     int
	Name   string
	Status string // subscribed, suppressed or pending
}

type contactDetailsJSON struct {
	ContactID   int64             `json:"contactId"`
	Status      string            `json:"status"`
	Created     ddTime            `json:"created"`
	Updated     ddTime            `json:"updated"`
	Identifiers map[string]string `json:"identifiers"`
	DataFields  map[string]any    `json:"dataFields"`
	Channels    struct {
		Email struct {
			Status    string `json:"status"`
			EmailType string `json:"emailType"`
			OptInType string `json:"optInType"`
		} `json:"email"`
	} `json:"channelProperties"`
	Lists []struct {
		ID     int    `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"lists"`
	ConsentRecords []struct {
		consentJSON
		DateTimeCreated ddTime `json:"dateTimeCreated"`
	} `json:"consentRecords"`
}

func (j *contactDetailsJSON) details() ContactDetails {
	d := ContactDetails{
		ContactID: j.ContactID, Email: j.Identifiers["email"], Status: j.Status, EmailStatus: j.Channels.Email.Status,
		EmailType: j.Channels.Email.EmailType, OptInType: j.Channels.Email.OptInType,
		Created: j.Created.Time, Updated: j.Updated.Time, DataFields: j.DataFields,
	}
	for _, l := range j.Lists {
		d.Lists = append(d.Lists, ContactList(l))
	}
	for _, c := range j.ConsentRecords {
		at, _ := parseTime(c.DateTimeConsented)
		d.ConsentRecords = append(d.ConsentRecords, ConsentRecord{Text: c.Text, DateTimeConsented: at, URL: c.URL,
			IPAddress: c.IPAddress, UserAgent: c.UserAgent, Created: c.DateTimeCreated.Time})
	}
	return d
}

// UpsertContact creates or updates one contact by email (PATCH /contacts/v3/email/{email}), merging its
// data fields as merge says (MergeOverwrite when empty). It reports whether the contact was created.
func (c *Client) UpsertContact(ctx context.Context, ct Contact, merge MergeOption) (ContactDetails, bool, error) {
	if err := ct.validate(); err != nil {
		return ContactDetails{}, false, err
	}
	q := url.Values{"merge-option": {"overwrite"}}
	switch merge {
	case MergeOverwriteIfNotEmpty:
		q.Set("merge-option", "overwrite-if-not-empty")
	case MergeOverwriteIfEmpty:
		q.Set("merge-option", "overwrite-if-empty")
	}
	var out contactDetailsJSON
	status, err := c.do(ctx, call{method: "PATCH", path: pathf("/contacts/v3/email/%s", strings.TrimSpace(ct.Email)), query: q, body: ct.wire(false), out: &out})
	if err != nil {
		return ContactDetails{}, false, err
	}
	return out.details(), status == 201, nil
}

// ChangeContactEmail gives a contact a new email address (PATCH /contacts/v3/contactId/{id}), keeping
// its id, data and history. An address another contact has is ErrDuplicate; an unknown contact is
// ErrNotFound.
func (c *Client) ChangeContactEmail(ctx context.Context, contactID int64, email string) error {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") {
		return &RecordError{Key: email, Reason: "not an email address"}
	}
	body := contactJSON{Identifiers: &struct {
		Email string `json:"email"`
	}{email}}
	_, err := c.do(ctx, call{method: "PATCH", path: pathf("/contacts/v3/contactId/%s", contactID), body: body})
	return err
}

// ContactByEmail reads one contact. A contact Dotdigital does not have is ErrNotFound.
func (c *Client) ContactByEmail(ctx context.Context, email string) (ContactDetails, error) {
	var out contactDetailsJSON
	if _, err := c.do(ctx, call{method: "GET", path: pathf("/contacts/v3/email/%s", strings.TrimSpace(email)), out: &out}); err != nil {
		return ContactDetails{}, err
	}
	return out.details(), nil
}

// ContactByID reads one contact by its Dotdigital id.
func (c *Client) ContactByID(ctx context.Context, id int64) (ContactDetails, error) {
	var out contactDetailsJSON
	if _, err := c.do(ctx, call{method: "GET", path: pathf("/contacts/v3/contactId/%s", id), out: &out}); err != nil {
		return ContactDetails{}, err
	}
	return out.details(), nil
}

// ContactQuery selects contacts for ListContacts.
type ContactQuery struct {
	ModifiedSince time.Time // zero: any
	ListID        int       // 0: any
	// DataFields to return (nil: none; []string{"[[ALL]]"}: all). Channel properties and lists are
	// always returned.
	DataFields []string
	Limit      int    // page size, 1 to 5000; default 1000
	Marker     string // from the previous page's Next
}

// ContactPage is one page of contacts. Next is the marker of the next page; empty on the last.
type ContactPage struct {
	Contacts []ContactDetails
	Next     string
}

// ListContacts reads one page of contacts (GET /contacts/v3), in ascending id order.
func (c *Client) ListContacts(ctx context.Context, q ContactQuery) (ContactPage, error) {
	v := url.Values{"include": {"channelProperties|lists"}}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	v.Set("limit", strconv.Itoa(min(limit, 5000)))
	if !q.ModifiedSince.IsZero() {
		v.Set("~modified", "gte::"+q.ModifiedSince.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	if q.ListID != 0 {
		v.Set("~listId", strconv.Itoa(q.ListID))
	}
	if len(q.DataFields) > 0 {
		v.Set("data-fields", strings.Join(q.DataFields, "|"))
	}
	if q.Marker != "" {
		v.Set("marker", q.Marker)
	}
	var out struct {
		Links struct {
			Next *struct {
				Marker string `json:"marker"`
			} `json:"next"`
		} `json:"_links"`
		Items []contactDetailsJSON `json:"_items"`
	}
	if _, err := c.do(ctx, call{method: "GET", path: "/contacts/v3", query: v, out: &out}); err != nil {
		return ContactPage{}, err
	}
	p := ContactPage{Contacts: make([]ContactDetails, len(out.Items))}
	for i := range out.Items {
		p.Contacts[i] = out.Items[i].details()
	}
	if out.Links.Next != nil && len(out.Items) > 0 {
		p.Next = out.Links.Next.Marker
	}
	return p, nil
}

// ContactsModifiedSince iterates over the contacts changed at or after since, page by page.
func (c *Client) ContactsModifiedSince(ctx context.Context, since time.Time, q ContactQuery) iter.Seq2[ContactDetails, error] {
	q.ModifiedSince = since
	return func(yield func(ContactDetails, error) bool) {
		for {
			p, err := c.ListContacts(ctx, q)
			if err != nil {
				yield(ContactDetails{}, err)
				return
			}
			for _, ct := range p.Contacts {
				if !yield(ct, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			q.Marker = p.Next
		}
	}
}

// ddTime reads the date formats Dotdigital uses.
type ddTime struct{ time.Time }

func (t *ddTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil || s == "" {
		return nil
	}
	t.Time, _ = parseTime(s)
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999-07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("dotdigital: unknown date format %q", s)
}
