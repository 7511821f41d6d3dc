package dotdigital

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxAddressBookName is the longest address book name Dotdigital accepts.
const MaxAddressBookName = 128

// reservedBooks are names no new address book may take.
var reservedBooks = []string{"Test", "All Contacts"}

type apiAddressBook struct {
	ID         int32  `json:"id"`
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
	Contacts   int    `json:"contacts"`
}

func (b *book) api() apiAddressBook {
	return apiAddressBook{ID: b.id, Name: b.name, Visibility: b.visibility, Contacts: b.members}
}

func (s *Server) listAddressBooks(w http.ResponseWriter, r *http.Request) {
	skip, sel, ok := v2Paging(w, r)
	if !ok {
		return
	}
	s.st.mu.Lock()
	out := make([]apiAddressBook, 0, len(s.st.bookOrder))
	for _, id := range s.st.bookOrder {
		out = append(out, s.st.books[id].api())
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, page(out, skip, sel))
}

func (s *Server) getAddressBook(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	b := s.st.bookByPath(r.PathValue("id"))
	var out apiAddressBook
	if b != nil {
		out = b.api()
	}
	s.st.mu.Unlock()
	if b == nil {
		bookNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func bookNotFound(w http.ResponseWriter) {
	writeV2Error(w, http.StatusNotFound, "Error: ERROR_ADDRESSBOOK_NOT_FOUND")
}

func (st *state) bookByPath(v string) *book {
	id, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil
	}
	return st.books[int32(id)]
}

func (s *Server) createAddressBook(w http.ResponseWriter, r *http.Request) {
	var in struct { // V2S ApiAddressBook; id and contacts are read-only
		ID         *int64 `json:"id"`
		Name       string `json:"name"`
		Visibility string `json:"visibility"`
		Contacts   *int64 `json:"contacts"`
	}
	if !s.decodeBody(w, r, &in) {
		return
	}
	name := strings.TrimSpace(in.Name)
	visibility := "Private"
	switch {
	case strings.EqualFold(in.Visibility, "Public"):
		visibility = "Public"
	case in.Visibility == "" || strings.EqualFold(in.Visibility, "Private"):
	default:
		writeV2Error(w, http.StatusBadRequest, "Visibility must be Private or Public. ERROR_ADDRESSBOOK_INVALID")
		return
	}
	if name == "" || utf8.RuneCountInString(name) > MaxAddressBookName {
		writeV2Error(w, http.StatusBadRequest, "The address book name must be between 1 and 128 characters long. ERROR_ADDRESSBOOK_INVALID")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, reserved := range reservedBooks {
		if strings.EqualFold(name, reserved) {
			writeV2Error(w, http.StatusBadRequest, "'"+reserved+"' is a reserved address book name. ERROR_ADDRESSBOOK_DUPLICATE")
			return
		}
	}
	for _, id := range s.st.bookOrder {
		if strings.EqualFold(s.st.books[id].name, name) {
			writeV2Error(w, http.StatusBadRequest, "There is already an address book with that name in the account. ERROR_ADDRESSBOOK_DUPLICATE")
			return
		}
	}
	b := s.st.addBook(name, visibility, true)
	writeJSON(w, http.StatusCreated, b.api())
}

// removeFromAddressBook answers POST /v2/address-books/{id}/contacts/delete: the contacts leave the list
// and stay subscribed to the account. Dotdigital does this in the background; the emulator does it at
// once and answers as the API does, with the job "Started".
func (s *Server) removeFromAddressBook(w http.ResponseWriter, r *http.Request) {
	var ids []int64
	if !s.decodeBody(w, r, &ids) {
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b := s.st.bookByPath(r.PathValue("addressBookId"))
	if b == nil {
		bookNotFound(w)
		return
	}
	now := clock()
	for _, id := range ids {
		if c := s.st.contacts[int32(id)]; c != nil && s.st.leave(c, b.id) {
			c.updated = now.UnixNano()
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": s.st.newID(), "status": "Started"})
}
