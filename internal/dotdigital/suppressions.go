package dotdigital

import (
	"context"
	"iter"
	"strings"
	"time"
)

// Suppression is a contact removed from mailing: who, when and why.
type Suppression struct {
	ContactID   int64
	Email       string
	Status      string // the contact's status now (Unsubscribed, HardBounced, Suppressed, …)
	DateRemoved time.Time
	Reason      string // the v2 contact status that removed it
}

type suppressionJSON struct {
	SuppressedContact struct {
		ID     int64  `json:"id"`
		Email  string `json:"email"`
		Status string `json:"status"`
	} `json:"suppressedContact"`
	DateRemoved ddTime `json:"dateRemoved"`
	Reason      string `json:"reason"`
}

func (s suppressionJSON) suppression() Suppression {
	return Suppression{ContactID: s.SuppressedContact.ID, Email: s.SuppressedContact.Email, Status: s.SuppressedContact.Status,
		DateRemoved: s.DateRemoved.Time, Reason: s.Reason}
}

// sinceDate formats the {date} of the *-since calls.
func sinceDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (c *Client) suppressionPage(ctx context.Context, path string, skip, sel int) ([]Suppression, error) {
	var raw []suppressionJSON
	if _, err := c.do(ctx, call{method: "GET", path: path, query: paging(skip, sel), out: &raw}); err != nil {
		return nil, err
	}
	out := make([]Suppression, len(raw))
	for i, s := range raw {
		out[i] = s.suppression()
	}
	return out, nil
}

// UnsubscribedSincePage reads one page of the contacts who unsubscribed from the account at or after
// since (GET /v2/contacts/unsubscribed-since/{date}); sel is at most MaxSelect.
func (c *Client) UnsubscribedSincePage(ctx context.Context, since time.Time, skip, sel int) ([]Suppression, error) {
	return c.suppressionPage(ctx, pathf("/v2/contacts/unsubscribed-since/%s", sinceDate(since)), skip, sel)
}

// AddressBookUnsubscribedSincePage reads one page of the members of a list who unsubscribed from it (or
// from the account) at or after since.
func (c *Client) AddressBookUnsubscribedSincePage(ctx context.Context, addressBookID int, since time.Time, skip, sel int) ([]Suppression, error) {
	return c.suppressionPage(ctx, pathf("/v2/address-books/%s/contacts/unsubscribed-since/%s", addressBookID, sinceDate(since)), skip, sel)
}

// SuppressedSincePage reads one page of every contact removed from mailing at or after since, for any
// reason (unsubscribed, bounced, complained, suppressed), with the reason.
func (c *Client) SuppressedSincePage(ctx context.Context, since time.Time, skip, sel int) ([]Suppression, error) {
	return c.suppressionPage(ctx, pathf("/v2/contacts/suppressed-since/%s", sinceDate(since)), skip, sel)
}

// UnsubscribedSince iterates over UnsubscribedSincePage pages of MaxSelect.
func (c *Client) UnsubscribedSince(ctx context.Context, since time.Time) iter.Seq2[Suppression, error] {
	return pages(func(skip int) ([]Suppression, error) { return c.UnsubscribedSincePage(ctx, since, skip, MaxSelect) })
}

// AddressBookUnsubscribedSince iterates over AddressBookUnsubscribedSincePage pages of MaxSelect.
func (c *Client) AddressBookUnsubscribedSince(ctx context.Context, addressBookID int, since time.Time) iter.Seq2[Suppression, error] {
	return pages(func(skip int) ([]Suppression, error) {
		return c.AddressBookUnsubscribedSincePage(ctx, addressBookID, since, skip, MaxSelect)
	})
}

// SuppressedSince iterates over SuppressedSincePage pages of MaxSelect.
func (c *Client) SuppressedSince(ctx context.Context, since time.Time) iter.Seq2[Suppression, error] {
	return pages(func(skip int) ([]Suppression, error) { return c.SuppressedSincePage(ctx, since, skip, MaxSelect) })
}

// pages iterates over v2 pages of MaxSelect until a short one.
func pages[T any](page func(skip int) ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for skip := 0; ; skip += MaxSelect {
			p, err := page(skip)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, x := range p {
				if !yield(x, nil) {
					return
				}
			}
			if len(p) < MaxSelect {
				return
			}
		}
	}
}

// Unsubscribe unsubscribes an email address from the account (POST /v2/contacts/unsubscribe). Dotdigital
// keeps it suppressed: imports will not subscribe it again, only Resubscribe.
func (c *Client) Unsubscribe(ctx context.Context, email string) (Suppression, error) {
	var out suppressionJSON
	_, err := c.do(ctx, call{method: "POST", path: "/v2/contacts/unsubscribe", body: map[string]string{"email": strings.TrimSpace(email)}, out: &out})
	return out.suppression(), err
}

// UnsubscribeFromAddressBook unsubscribes a contact from one list only.
func (c *Client) UnsubscribeFromAddressBook(ctx context.Context, addressBookID int, email string) (Suppression, error) {
	var out suppressionJSON
	_, err := c.do(ctx, call{method: "POST", path: pathf("/v2/address-books/%s/contacts/unsubscribe", addressBookID),
		body: map[string]string{"email": strings.TrimSpace(email)}, out: &out})
	return out.suppression(), err
}

// ResubscribeOptions shape a resubscribe.
type ResubscribeOptions struct {
	// NoChallenge resubscribes at once. Otherwise Dotdigital emails the contact a confirmation and the
	// contact is pending until it confirms.
	NoChallenge     bool
	PreferredLocale string
	ReturnURL       string // where the confirmation page sends the contact
}

// Resubscribe results (ApiResubscribeStatuses).
const (
	ResubscribeAdded            = "ContactAdded"
	ResubscribeChallenged       = "ContactChallenged"
	ResubscribeCannotUnsuppress = "ContactCannotBeUnsuppressed"
)

// Resubscribe brings an unsubscribed or suppressed contact back; it returns ResubscribeAdded,
// ResubscribeChallenged or ResubscribeCannotUnsuppress (bounced or complained contacts).
func (c *Client) Resubscribe(ctx context.Context, email string, opts ResubscribeOptions) (string, error) {
	path := "/v2/contacts/resubscribe"
	if opts.NoChallenge {
		path = "/v2/contacts/resubscribe-with-no-challenge"
	}
	body := map[string]any{"unsubscribedContact": map[string]string{"email": strings.TrimSpace(email)}}
	if opts.PreferredLocale != "" {
		body["preferredLocale"] = opts.PreferredLocale
	}
	if opts.ReturnURL != "" {
		body["returnUrlToUseIfChallenged"] = opts.ReturnURL
	}
	var out struct {
		Status string `json:"status"`
	}
	_, err := c.do(ctx, call{method: "POST", path: path, body: body, out: &out})
	return out.Status, err
}
