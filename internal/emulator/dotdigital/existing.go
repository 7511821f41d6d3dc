package dotdigital

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ExistingContact is a contact the account held before bcsync was connected: someone who is also in
// the store, say, and unsubscribed from a campaign or bounced. The demo gives its account such history,
// which no API call can write (bounces, complaints).
type ExistingContact struct {
	Email     string
	FirstName string
	LastName  string
	// Lists are names of lists the account has; the contact is a member of each.
	Lists []string
	// Status is Subscribed ("" too), Unsubscribed, Suppressed, HardBounced or IspComplained.
	Status string
	// RemovedAt is when a status other than Subscribed took effect (zero: now). The suppression calls
	// report it as dateRemoved.
	RemovedAt time.Time
	// Created is when the contact was added (zero: now, or RemovedAt when that is earlier).
	Created time.Time
}

// AddContacts adds contacts as if the account had held them all along: no import is made and no request
// is counted. Nothing is added when any of them is invalid, names a list the account lacks, or has an
// email the account holds already.
func (s *Server) AddContacts(contacts ...ExistingContact) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := clock()
	books := make([][]int32, len(contacts))
	seen := map[string]bool{}
	for i, c := range contacts {
		email := strings.TrimSpace(c.Email)
		key := strings.ToLower(email)
		switch {
		case !validEmail(email):
			return fmt.Errorf("dotdigital emulator: contact %d: %q is not a valid email address", i, c.Email)
		case seen[key] || s.st.contactByEmail(email) != nil:
			return fmt.Errorf("dotdigital emulator: contact %d: the account holds %s already", i, email)
		}
		seen[key] = true
		switch c.Status {
		case "", statusSubscribed, statusUnsubscribed, statusSuppressed, statusHardBounced, statusIspComplained:
		default:
			return fmt.Errorf("dotdigital emulator: contact %s: status %q: want Subscribed, Unsubscribed, Suppressed, HardBounced or IspComplained", email, c.Status)
		}
		for _, name := range c.Lists {
			b := s.st.bookNamed(name)
			if b == nil {
				return fmt.Errorf("dotdigital emulator: contact %s: %w: %q", email, errNoSuchList, name)
			}
			books[i] = append(books[i], b.id)
		}
	}
	for i, in := range contacts {
		removed := in.RemovedAt
		if removed.IsZero() {
			removed = now
		}
		created := in.Created
		if created.IsZero() {
			created = now
			if in.Status != "" && in.Status != statusSubscribed && removed.Before(created) {
				created = removed
			}
		}
		c := s.st.addContact(in.Email, created.UTC())
		if in.FirstName != "" {
			c.setField("FIRSTNAME", in.FirstName)
		}
		if in.LastName != "" {
			c.setField("LASTNAME", in.LastName)
		}
		if full := strings.TrimSpace(in.FirstName + " " + in.LastName); full != "" {
			c.setField("FULLNAME", full)
		}
		for _, b := range books[i] {
			s.st.join(c, b)
		}
		if in.Status != "" && in.Status != statusSubscribed {
			c.remove(in.Status, removed.UTC())
		}
	}
	return nil
}

var errNoSuchList = errors.New("the account has no such list")

// bookNamed finds a list by name, ignoring case.
func (st *state) bookNamed(name string) *book {
	for _, id := range st.bookOrder {
		if b := st.books[id]; b != nil && strings.EqualFold(b.name, strings.TrimSpace(name)) {
			return b
		}
	}
	return nil
}
