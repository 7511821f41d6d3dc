package marketing

import (
	"context"
	"errors"
	"fmt"
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

// ensureConsentFields creates the consent data fields the account lacks, once per run.
func (rc *runContext) ensureConsentFields(ctx context.Context) error {
	if rc.consentFieldsReady {
		return nil
	}
	if _, err := rc.dd.EnsureDataFields(ctx, consentFields); err != nil {
		return fmt.Errorf("create the consent data fields: %w", err)
	}
	rc.consentFieldsReady = true
	return nil
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
	customers, err := rc.bc.CustomersByEmail(ctx, emails)
	if err != nil {
		return nil, fmt.Errorf("read customers for their registration IP address: %w", err)
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
