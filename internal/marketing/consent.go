package marketing

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
)

// Consent evidence goes to these data fields, not to a consent record. Dotdigital's contacts v3 API
// requires all five fields of a consent record (text, time, URL, IP address and the browser's user
// agent) and refuses one that lacks any. BigCommerce records no user agent anywhere, and bcsync does
// not invent one, so a complete consent record can never be built from a store: the evidence bcsync
// has is kept where the API accepts it, on the contact, overwritten each time consent is given again.
var consentFields = []dotdigital.DataField{
	{Name: "CONSENT_TEXT", Type: string(String), Visibility: "Private"},
	{Name: "CONSENT_DATETIME", Type: string(Date), Visibility: "Private"},
	{Name: "CONSENT_URL", Type: string(String), Visibility: "Private"},
	{Name: "CONSENT_IP", Type: string(String), Visibility: "Private"},
}

// ConsentFieldNames are the data fields bcsync writes consent evidence to, in display order.
func ConsentFieldNames() []string {
	out := make([]string, len(consentFields))
	for i, f := range consentFields {
		out[i] = f.Name
	}
	return out
}

// consentEvidence is what the store tells of a subscriber's consent to the newsletter.
type consentEvidence struct {
	text string
	at   time.Time
	url  string
	ip   string // the order's IP when the subscription came with an order, else the account's registration IP
}

// fields gives the evidence as data field values; an unknown IP clears the field rather than keep
// the IP of an earlier consent.
func (c consentEvidence) fields() map[string]any {
	out := map[string]any{"CONSENT_TEXT": c.text, "CONSENT_DATETIME": c.at.UTC(), "CONSENT_URL": c.url, "CONSENT_IP": nil}
	if c.ip != "" {
		out["CONSENT_IP"] = c.ip
	}
	return out
}

// ensureConsentFields creates the consent data fields the account lacks, once per full run; a run of
// changes, seconds after another, trusts what this process found last (a field deleted meanwhile
// comes back with the next poll).
func (rc *runContext) ensureConsentFields(ctx context.Context) error {
	if rc.consentFieldsReady || (rc.targeted && rc.acct.consentReady.Load()) {
		return nil
	}
	if _, err := rc.dd.EnsureDataFields(ctx, consentFields); err != nil {
		return fmt.Errorf("create the consent data fields: %w", err)
	}
	rc.acct.consentReady.Store(true)
	rc.consentFieldsReady = true
	return nil
}

// customersAlreadyKnown takes what a run of changes knows of the customer accounts with these emails
// from its own customers' read (see readChangedCustomersFirst), so that only the rest are read; when
// the customers stream syncs, an email that is none of the store's customers bcsync has synced has no
// account to take an IP from and is not read either. todo are the emails still to read.
func (rc *runContext) customersAlreadyKnown(ctx context.Context, emails []string) (known map[string]bigcommerce.Customer, todo []string, err error) {
	known = map[string]bigcommerce.Customer{}
	if rc.changedCustomers == nil {
		return known, emails, nil
	}
	for _, c := range rc.changedCustomers {
		known[normEmail(c.Email)] = c
	}
	var rest []string
	for _, e := range emails {
		if _, ok := known[e]; !ok {
			rest = append(rest, e)
		}
	}
	if len(rest) == 0 || !(customersStream{}).enabled(rc) {
		return known, rest, nil
	}
	// A customer announced since the window closed (an account opened with the subscription, its
	// delivery a moment behind the subscriber's) is not synced yet: then every email is read.
	pending, err := rc.e.store.PendingChanges(ctx, rc.conn.ID, maxWindowChanges)
	if err != nil {
		return nil, nil, err
	}
	if _, late := ids(pending, streamCustomers); len(late) > rc.windowCustomerChanges {
		return known, rest, nil
	}
	synced, err := rc.e.store.RecordsByEmail(ctx, rc.conn.ID, streamCustomers, rest)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range synced {
		todo = append(todo, r.Email)
	}
	return known, todo, nil
}

// consentIPs finds the IP address each subscriber consented from, by subscriber id: for a subscription
// made with an order since bcsync was installed, that order's IP (one read per such order: as many as
// new subscriptions, never a read per subscriber of a store's history); else the IP the customer
// account with the same email was registered from (50 emails per read). Subscribers the store has no
// IP for are absent.
func (rc *runContext) consentIPs(ctx context.Context, subs []*bigcommerce.Subscriber) (map[int]string, error) {
	out := map[int]string{}
	if len(subs) == 0 {
		return out, nil
	}
	var emails []string
	for _, s := range subs {
		if s.OrderID > 0 && s.DateCreated.After(rc.conn.InstalledAt) {
			o, err := rc.bc.Order(ctx, s.OrderID)
			if err != nil && !errors.Is(err, bigcommerce.ErrNotFound) {
				return nil, fmt.Errorf("read order %d for its IP address: %w", s.OrderID, err)
			}
			if o != nil {
				if ip := strings.TrimSpace(o.IPAddress); ip != "" {
					out[s.ID] = ip
				} else if ip := strings.TrimSpace(o.IPAddressV6); ip != "" {
					out[s.ID] = ip
				}
			}
		}
		if out[s.ID] == "" {
			emails = append(emails, normEmail(s.Email))
		}
	}
	if len(emails) == 0 {
		return out, nil
	}
	customers, emails, err := rc.customersAlreadyKnown(ctx, emails)
	if err != nil {
		return nil, err
	}
	if len(emails) > 0 {
		read, err := rc.bc.CustomersByEmail(ctx, emails)
		if err != nil {
			return nil, fmt.Errorf("read customers for their registration IP address: %w", err)
		}
		maps.Copy(customers, read)
	}
	for _, s := range subs {
		if out[s.ID] != "" {
			continue
		}
		if c, ok := customers[normEmail(s.Email)]; ok && strings.TrimSpace(c.RegistrationIPAddress) != "" {
			out[s.ID] = strings.TrimSpace(c.RegistrationIPAddress)
		}
	}
	return out, nil
}
