package dotdigital

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// apiContact is the v2 ApiContact.
type apiContact struct {
	ID         int32  `json:"id"`
	Email      string `json:"email"`
	OptInType  string `json:"optInType"`
	EmailType  string `json:"emailType"`
	DataFields any    `json:"dataFields"` // null in suppression lists, as Dotdigital answers
	Status     string `json:"status"`
}

type apiSuppression struct {
	SuppressedContact apiContact `json:"suppressedContact"`
	DateRemoved       string     `json:"dateRemoved"`
	Reason            string     `json:"reason"`
}

func (c *contact) v2() apiContact {
	return apiContact{ID: c.id, Email: c.email, OptInType: c.optInType, EmailType: c.emailType, Status: c.status}
}

// parseSince reads the {date} of the *-since calls: an ISO 8601 date or date and time.
func parseSince(w http.ResponseWriter, v string) (int64, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UnixNano(), true
		}
	}
	writeV2Error(w, http.StatusBadRequest, "The date '"+v+"' is not valid. ERROR_PARAMETER_INVALID")
	return 0, false
}

type removal struct {
	c      *contact
	at     int64
	reason string
}

// removals lists, oldest first, the contacts removed at or after since that keep matches.
func (st *state) removals(since int64, keep func(*contact) (int64, string, bool)) []removal {
	var out []removal
	for _, id := range st.contactOrder {
		c := st.contacts[id]
		if at, reason, ok := keep(c); ok && at >= since {
			out = append(out, removal{c, at, reason})
		}
	}
	slices.SortStableFunc(out, func(a, b removal) int { return cmp.Compare(a.at, b.at) })
	return out
}

func (s *Server) writeRemovals(w http.ResponseWriter, r *http.Request, keep func(*contact) (int64, string, bool)) {
	skip, sel, ok := v2Paging(w, r)
	if !ok {
		return
	}
	since, ok := parseSince(w, r.PathValue("date"))
	if !ok {
		return
	}
	s.st.mu.Lock()
	all := s.st.removals(since, keep)
	items := page(all, skip, sel)
	out := make([]apiSuppression, len(items))
	for i, rm := range items {
		out[i] = apiSuppression{SuppressedContact: rm.c.v2(), DateRemoved: fmtNanos(rm.at), Reason: rm.reason}
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// unsubscribedSince answers GET /v2/contacts/unsubscribed-since/{date}: contacts that unsubscribed from
// the account at or after the date.
func (s *Server) unsubscribedSince(w http.ResponseWriter, r *http.Request) {
	s.writeRemovals(w, r, func(c *contact) (int64, string, bool) {
		return c.removedAt, statusUnsubscribed, c.status == statusUnsubscribed
	})
}

// suppressedSince answers GET /v2/contacts/suppressed-since/{date}: every contact removed from the account
// (unsubscribed, bounced, complained, suppressed) at or after the date, with the reason.
func (s *Server) suppressedSince(w http.ResponseWriter, r *http.Request) {
	s.writeRemovals(w, r, func(c *contact) (int64, string, bool) {
		return c.removedAt, c.status, removable(c.status)
	})
}

// bookUnsubscribedSince answers GET /v2/address-books/{id}/contacts/unsubscribed-since/{date}: members of
// the list who unsubscribed from it, or from the whole account, at or after the date. Contacts taken out
// of the list are no longer members and are not listed: leaving a list is not unsubscribing.
func (s *Server) bookUnsubscribedSince(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	b := s.st.bookByPath(r.PathValue("addressBookId"))
	s.st.mu.Unlock()
	if b == nil {
		bookNotFound(w)
		return
	}
	s.writeRemovals(w, r, func(c *contact) (int64, string, bool) {
		m := c.member(b.id)
		switch {
		case m == nil:
			return 0, "", false
		case m.unsubscribed != 0:
			return m.unsubscribed, statusUnsubscribed, true
		}
		return c.removedAt, statusUnsubscribed, c.status == statusUnsubscribed
	})
}

// apiContactInput is V2S ApiContact in a request: the email is what the calls use.
type apiContactInput struct {
	ID         *int64          `json:"id"`
	Email      string          `json:"email"`
	OptInType  *string         `json:"optInType"`
	EmailType  *string         `json:"emailType"`
	DataFields json.RawMessage `json:"dataFields"`
	Status     *string         `json:"status"`
}

func (s *Server) contactFromBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in apiContactInput
	if !s.decodeBody(w, r, &in) {
		return "", false
	}
	if !validEmail(strings.TrimSpace(in.Email)) {
		writeV2Error(w, http.StatusBadRequest, "The email address is not valid. ERROR_INVALID_EMAIL")
		return "", false
	}
	return strings.TrimSpace(in.Email), true
}

// unsubscribe answers POST /v2/contacts/unsubscribe. An address Dotdigital has not seen is added as an
// unsubscribed contact, so that it stays suppressed if it is imported later.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	email, ok := s.contactFromBody(w, r)
	if !ok {
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := clock()
	c := s.st.contactByEmail(email)
	if c == nil {
		c = s.st.addContact(email, now)
	}
	c.remove(statusUnsubscribed, now)
	writeJSON(w, http.StatusOK, apiSuppression{SuppressedContact: c.v2(), DateRemoved: fmtNanos(c.removedAt), Reason: c.status})
}

// unsubscribeFromBook answers POST /v2/address-books/{id}/contacts/unsubscribe: the contact unsubscribes
// from that list only and stays subscribed to the account.
func (s *Server) unsubscribeFromBook(w http.ResponseWriter, r *http.Request) {
	email, ok := s.contactFromBody(w, r)
	if !ok {
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b := s.st.bookByPath(r.PathValue("addressBookId"))
	if b == nil {
		bookNotFound(w)
		return
	}
	c := s.st.contactByEmail(email)
	if c == nil {
		writeV2Error(w, http.StatusNotFound, "Error: ERROR_CONTACT_NOT_FOUND")
		return
	}
	now := clock()
	s.st.join(c, b.id)
	m := c.member(b.id)
	if m.unsubscribed == 0 {
		m.unsubscribed = now.UnixNano()
	}
	c.updated = now.UnixNano()
	writeJSON(w, http.StatusOK, apiSuppression{SuppressedContact: c.v2(), DateRemoved: fmtNanos(m.unsubscribed), Reason: statusUnsubscribed})
}

// resubscribe answers POST /v2/contacts/resubscribe (challenge: the contact is sent a confirmation email
// and is pending until it confirms) and /v2/contacts/resubscribe-with-no-challenge (subscribed at once).
// Contacts that bounced or complained cannot be brought back.
func (s *Server) resubscribe(challenge bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct { // V2S ApiContactResubscription
			UnsubscribedContact        apiContactInput `json:"unsubscribedContact"`
			PreferredLocale            *string         `json:"preferredLocale"`
			ReturnURLToUseIfChallenged *string         `json:"returnUrlToUseIfChallenged"`
		}
		if !s.decodeBody(w, r, &in) {
			return
		}
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		c := s.st.contactByEmail(in.UnsubscribedContact.Email)
		if c == nil {
			writeV2Error(w, http.StatusNotFound, "Error: ERROR_CONTACT_NOT_FOUND")
			return
		}
		now := clock()
		status := "ContactAdded"
		switch {
		case !removable(c.status) && c.status != statusPendingOptIn:
		case !resubscribable(c.status) && c.status != statusPendingOptIn:
			status = "ContactCannotBeUnsuppressed"
		case challenge:
			c.status, c.removedAt, c.updated = statusPendingOptIn, 0, now.UnixNano()
			status = "ContactChallenged"
		default:
			c.status, c.removedAt, c.updated = statusSubscribed, 0, now.UnixNano()
			for i := range c.lists {
				c.lists[i].unsubscribed = 0
			}
		}
		out := c.v2()
		out.DataFields = []map[string]any{}
		for _, f := range c.fields {
			out.DataFields = append(out.DataFields.([]map[string]any), map[string]any{"key": f.name, "value": f.value})
		}
		writeJSON(w, http.StatusOK, map[string]any{"contact": out, "status": status})
	}
}
