package dotdigital

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The emulator's own read-only endpoints, under /_emulator/ (no authentication, no faults, no limits):
// what a test or a demo needs to see that the API does not show in one call. Changes always go through
// the real API paths.
//
//	GET    /_emulator/stats                  request counters (DELETE resets them)
//	GET    /_emulator/contacts[?email=]      every contact with its status, lists and data fields
//	GET    /_emulator/insight/{collection}   a collection's records
//	GET    /_emulator/programs/{id}/enrolled contact ids enrolled in a program
//	GET    /_emulator/imports                every import and its status
func (s *Server) inspectRoutes() {
	s.inspect.Handle("/_emulator/stats", s.stats)
	s.inspect.HandleFunc("GET /_emulator/contacts", func(w http.ResponseWriter, r *http.Request) {
		if e := r.URL.Query().Get("email"); e != "" {
			c, ok := s.Contact(e)
			if !ok {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such contact"})
				return
			}
			writeJSON(w, http.StatusOK, c)
			return
		}
		writeJSON(w, http.StatusOK, s.Contacts())
	})
	s.inspect.HandleFunc("GET /_emulator/insight/{collection}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.Collection(r.PathValue("collection"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such collection"})
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	s.inspect.HandleFunc("GET /_emulator/programs/{id}/enrolled", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		writeJSON(w, http.StatusOK, s.Enrolled(id))
	})
	s.inspect.HandleFunc("GET /_emulator/imports", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Imports())
	})
}

// ContactView is a contact as the inspection endpoints show it.
type ContactView struct {
	ID         int            `json:"id"`
	Email      string         `json:"email"`
	Status     string         `json:"status"` // v2 ApiContactStatuses: Subscribed, Unsubscribed, Suppressed, HardBounced…
	OptInType  string         `json:"optInType"`
	EmailType  string         `json:"emailType"`
	RemovedAt  *time.Time     `json:"removedAt,omitempty"` // when it was unsubscribed or suppressed
	Updated    time.Time      `json:"updated"`
	Lists      []ListView     `json:"lists"`
	DataFields map[string]any `json:"dataFields"`
	Consent    int            `json:"consentRecords"`
}

// ListView is a contact's membership of a list.
type ListView struct {
	ID           int        `json:"id"`
	Unsubscribed *time.Time `json:"unsubscribed,omitempty"` // from this list only
}

func (c *contact) view() ContactView {
	v := ContactView{ID: int(c.id), Email: c.email, Status: c.status, OptInType: c.optInType, EmailType: c.emailType,
		Updated: time.Unix(0, c.updated).UTC(), Lists: []ListView{}, DataFields: map[string]any{}, Consent: len(c.consent)}
	if c.removedAt != 0 {
		t := time.Unix(0, c.removedAt).UTC()
		v.RemovedAt = &t
	}
	for _, m := range c.lists {
		l := ListView{ID: int(m.book)}
		if m.unsubscribed != 0 {
			t := time.Unix(0, m.unsubscribed).UTC()
			l.Unsubscribed = &t
		}
		v.Lists = append(v.Lists, l)
	}
	for _, f := range c.fields {
		v.DataFields[f.name] = f.value
	}
	return v
}

// Contact returns the contact with this email (case-insensitive).
func (s *Server) Contact(email string) (ContactView, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c := s.st.contactByEmail(email)
	if c == nil {
		return ContactView{}, false
	}
	return c.view(), true
}

// Contacts returns every contact, in id order.
func (s *Server) Contacts() []ContactView {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]ContactView, 0, len(s.st.contactOrder))
	for _, id := range s.st.contactOrder {
		out = append(out, s.st.contacts[id].view())
	}
	return out
}

// ContactCount is the number of contacts in the account.
func (s *Server) ContactCount() int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.contacts)
}

// CollectionView is an Insight collection with its records.
type CollectionView struct {
	Name    string       `json:"name"`
	Scope   string       `json:"scope"`
	Type    string       `json:"type"`
	Records []RecordView `json:"records"`
}

// RecordView is one Insight record.
type RecordView struct {
	Key       string          `json:"key"`
	ContactID int             `json:"contactId,omitempty"`
	JSON      json.RawMessage `json:"json"`
}

// Collection returns a collection and its records, sorted by key.
func (s *Server) Collection(name string) (CollectionView, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c := s.st.collections[strings.ToLower(name)]
	if c == nil {
		return CollectionView{}, false
	}
	v := CollectionView{Name: c.name, Scope: c.scope, Type: c.typ, Records: make([]RecordView, 0, len(c.records))}
	for k, r := range c.records {
		v.Records = append(v.Records, RecordView{Key: k, ContactID: int(r.owner), JSON: r.json})
	}
	slices.SortFunc(v.Records, func(a, b RecordView) int { return strings.Compare(a.Key, b.Key) })
	return v, true
}

// ListID returns the id of the list (address book) with this name.
func (s *Server) ListID(name string) (int, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, b := range s.st.books {
		if b.name == name {
			return int(b.id), true
		}
	}
	return 0, false
}

// Record returns one record of a collection as JSON, and whether it exists.
func (s *Server) Record(collection, key string) (json.RawMessage, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if c := s.st.collections[strings.ToLower(collection)]; c != nil {
		if r, ok := c.records[key]; ok {
			return r.json, true
		}
	}
	return nil, false
}

// RecordCount is the number of records in a collection (0 when it does not exist).
func (s *Server) RecordCount(name string) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if c := s.st.collections[strings.ToLower(name)]; c != nil {
		return len(c.records)
	}
	return 0
}

// Enrolled returns the ids of the contacts enrolled in a program, ascending.
func (s *Server) Enrolled(programID int) []int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := []int{}
	if p := s.st.programs[int32(programID)]; p != nil {
		for id := range p.enrolled {
			out = append(out, int(id))
		}
	}
	slices.Sort(out)
	return out
}

// ImportView is one import.
type ImportView struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`                 // contacts or insight
	Collection string    `json:"collection,omitempty"` // Insight: the collection; contacts: "lists 101,102"
	Status     string    `json:"status"`
	Accepted   time.Time `json:"accepted"`
	Bytes      int64     `json:"bytes"`
	Records    int       `json:"records"`
}

// Imports lists every import, oldest first.
func (s *Server) Imports() []ImportView {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]ImportView, 0, len(s.st.imports))
	for _, j := range s.st.imports {
		out = append(out, ImportView{ID: j.id, Kind: j.kind.String(), Collection: j.collection, Status: j.status, Accepted: j.accepted, Bytes: j.bytes, Records: j.records})
	}
	slices.SortFunc(out, func(a, b ImportView) int { return a.Accepted.Compare(b.Accepted) })
	return out
}

// EnrolmentRequests counts, per contact id, how many enrolment calls asked for the contact to be enrolled
// in a program (whether or not it then was): what a client that must enrol each contact once is judged on.
func (s *Server) EnrolmentRequests(programID int) map[int]int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := map[int]int{}
	for _, e := range s.st.enrolments {
		if int(e.programID) != programID {
			continue
		}
		for _, id := range e.contacts {
			out[int(id)]++
		}
	}
	return out
}
