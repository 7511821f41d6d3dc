package dotdigital

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of one enrolment call, as the Programs reference gives them.
const (
	MaxEnrolmentContacts = 25
	MaxEnrolmentBooks    = 10
)

type apiProgram struct {
	ID          int32  `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	DateCreated string `json:"dateCreated"`
}

func (p *program) api() apiProgram {
	return apiProgram{ID: p.id, Name: p.name, Status: p.status, DateCreated: fmtTime(p.created)}
}

func (s *Server) listPrograms(w http.ResponseWriter, r *http.Request) {
	skip, sel, ok := v2Paging(w, r)
	if !ok {
		return
	}
	s.st.mu.Lock()
	out := make([]apiProgram, 0, len(s.st.programOrder))
	for _, id := range s.st.programOrder {
		out = append(out, s.st.programs[id].api())
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, page(out, skip, sel))
}

func (s *Server) getProgram(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 32)
	s.st.mu.Lock()
	p := s.st.programs[int32(id)]
	var out apiProgram
	if p != nil {
		out = p.api()
	}
	s.st.mu.Unlock()
	if p == nil {
		writeV2Error(w, http.StatusNotFound, "Error: ERROR_PROGRAM_NOT_FOUND")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type apiEnrolment struct {
	ID           string  `json:"id"`
	ProgramID    int32   `json:"programId"`
	Status       string  `json:"status"`
	DateCreated  string  `json:"dateCreated"`
	Contacts     []int32 `json:"contacts"`
	AddressBooks []int32 `json:"addressBooks"`
}

func (e *enrolment) api() apiEnrolment {
	status := "Processing"
	if e.finished {
		status = "Finished"
	}
	return apiEnrolment{ID: e.id, ProgramID: e.programID, Status: status, DateCreated: fmtTime(e.created), Contacts: e.contacts, AddressBooks: e.books}
}

// enrol answers POST /v2/programs/enrolments. The checks and their answers follow the Programs reference:
// the allowance (400), an unknown program (404), a program that is not Active (422), and 400 for an empty
// enrolment, too many contacts or lists, or contacts and lists that do not exist. Accepted enrolments are
// processed after ImportDelay; contacts that cannot be enrolled (unsubscribed, suppressed, already in the
// program) are listed by report-faults.
func (s *Server) enrol(w http.ResponseWriter, r *http.Request) {
	var in struct { // V2S ApiProgramEnrolment; id, status and dateCreated are the answer's
		ID           *string `json:"id"`
		ProgramID    int64   `json:"programId"`
		Status       *string `json:"status"`
		DateCreated  *string `json:"dateCreated"`
		Contacts     []int64 `json:"contacts"`
		AddressBooks []int64 `json:"addressBooks"`
	}
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	now := clock()
	if s.cfg.Now != nil {
		now = s.cfg.Now().UTC().Truncate(time.Millisecond)
	}
	recent := s.st.enrolCalls[:0]
	for _, t := range s.st.enrolCalls {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	s.st.enrolCalls = recent
	if len(recent) >= s.cfg.EnrolmentAllowance {
		writeV2Error(w, http.StatusBadRequest, fmt.Sprintf("You have exceeded the limit of %d calls per hour for creating program enrolments. ERROR_ENROLMENT_ALLOWANCE_EXCEEDED", s.cfg.EnrolmentAllowance))
		return
	}
	p := s.st.programs[int32(in.ProgramID)]
	switch {
	case p == nil:
		writeV2Error(w, http.StatusNotFound, "Error: ERROR_PROGRAM_NOT_FOUND")
		return
	case p.status != "Active":
		writeV2Error(w, http.StatusUnprocessableEntity, "Error: ERROR_PROGRAM_NOT_ACTIVE")
		return
	case len(in.Contacts) == 0 && len(in.AddressBooks) == 0:
		writeV2Error(w, http.StatusBadRequest, "No contacts or address books were specified. ERROR_ENROLMENT_INVALID")
		return
	case len(in.Contacts) > MaxEnrolmentContacts:
		writeV2Error(w, http.StatusBadRequest, fmt.Sprintf("An enrolment takes at most %d contacts. ERROR_ENROLMENT_INVALID", MaxEnrolmentContacts))
		return
	case len(in.AddressBooks) > MaxEnrolmentBooks:
		writeV2Error(w, http.StatusBadRequest, "Error: ERROR_ADDRESSBOOK_TOOMANY")
		return
	}
	e := &enrolment{id: s.st.newID(), programID: p.id, created: now, readyAt: clock().Add(s.cfg.ImportDelay), contacts: []int32{}, books: []int32{}}
	for _, b := range in.AddressBooks {
		if s.st.books[int32(b)] == nil {
			writeV2Error(w, http.StatusBadRequest, "Error: ERROR_ADDRESSBOOK_NOT_FOUND")
			return
		}
		e.books = append(e.books, int32(b))
	}
	for _, c := range in.Contacts {
		if s.st.contacts[int32(c)] == nil {
			writeV2Error(w, http.StatusBadRequest, "Error: ERROR_CONTACT_NOT_FOUND")
			return
		}
		e.contacts = append(e.contacts, int32(c))
	}
	s.st.enrolCalls = append(s.st.enrolCalls, now)
	s.st.enrolments[e.id] = e
	writeJSON(w, http.StatusCreated, e.api())
	s.jobs.Add(1)
	go s.processEnrolment(e)
}

func (s *Server) processEnrolment(e *enrolment) {
	defer s.jobs.Done()
	if wait := time.Until(e.readyAt); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.done():
		}
		t.Stop()
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	p := s.st.programs[e.programID]
	ids := append([]int32(nil), e.contacts...)
	for _, b := range e.books {
		for _, id := range s.st.contactOrder {
			if s.st.contacts[id].member(b) != nil {
				ids = append(ids, id)
			}
		}
	}
	now := e.created
	for _, id := range ids {
		c := s.st.contacts[id]
		switch {
		case c == nil:
			e.faults = append(e.faults, enrolmentFault{contactID: id, reason: "ContactNotFound"})
		case removable(c.status):
			e.faults = append(e.faults, enrolmentFault{contactID: id, email: c.email, reason: c.status})
		case !p.enrolled[id].IsZero():
			e.faults = append(e.faults, enrolmentFault{contactID: id, email: c.email, reason: "AlreadyInProgram"})
		default:
			p.enrolled[id] = now
		}
	}
	e.finished = true
}

// enrolmentStatuses are the statuses GET /v2/programs/enrolments/{status} lists: the same path as one
// enrolment's, told apart by the value (an enrolment id is a GUID).
var enrolmentStatuses = map[string]bool{"NotAvailableInThisVersion": true, "Processing": true, "Finished": true}

// getEnrolment answers one enrolment, or the account's enrolments of a status, oldest first.
func (s *Server) getEnrolment(w http.ResponseWriter, r *http.Request) {
	if status := r.PathValue("enrolmentId"); enrolmentStatuses[status] {
		s.enrolmentsByStatus(w, r, status)
		return
	}
	s.st.mu.Lock()
	e := s.st.enrolments[r.PathValue("enrolmentId")]
	var out apiEnrolment
	if e != nil {
		out = e.api()
	}
	s.st.mu.Unlock()
	if e == nil {
		writeV2Error(w, http.StatusNotFound, "Error: ERROR_ENROLMENT_NOT_FOUND")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) enrolmentsByStatus(w http.ResponseWriter, r *http.Request, status string) {
	skip, sel, ok := v2Paging(w, r)
	if !ok {
		return
	}
	s.st.mu.Lock()
	out := []apiEnrolment{}
	for _, e := range s.st.enrolments {
		if a := e.api(); a.Status == status {
			out = append(out, a)
		}
	}
	s.st.mu.Unlock()
	slices.SortFunc(out, func(a, b apiEnrolment) int {
		return cmp.Or(strings.Compare(a.DateCreated, b.DateCreated), strings.Compare(a.ID, b.ID))
	})
	writeJSON(w, http.StatusOK, page(out, skip, sel))
}

// enrolmentFaults answers the CSV of contacts an enrolment could not enrol. The v2 description gives it
// as application/octet-stream; the columns are those of the Programs reference's example.
func (s *Server) enrolmentFaults(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	e := s.st.enrolments[r.PathValue("enrolmentId")]
	var buf bytes.Buffer
	finished := e != nil && e.finished
	if finished {
		buf.WriteString("Id,Email,TelephoneNumber,Reason\r\n")
		for _, f := range e.faults {
			fmt.Fprintf(&buf, "%d,%s,,%s\r\n", f.contactID, csvField(f.email), f.reason)
		}
	}
	s.st.mu.Unlock()
	switch {
	case e == nil:
		writeV2Error(w, http.StatusNotFound, "Error: ERROR_ENROLMENT_NOT_FOUND")
	case !finished:
		writeV2Error(w, http.StatusBadRequest, "Error: ERROR_ENROLMENT_IS_PROCESSING")
	default:
		w.Header().Set("Content-Type", "text/csv") // P2; V2S says application/octet-stream
		w.Write(buf.Bytes())
	}
}

func csvField(s string) string {
	if bytes.ContainsAny([]byte(s), ",\"\r\n") {
		return `"` + string(bytes.ReplaceAll([]byte(s), []byte(`"`), []byte(`""`))) + `"`
	}
	return s
}
