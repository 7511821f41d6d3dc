package dotdigital

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
)

// Program is an automation program.
type Program struct {
	ID          int
	Name        string
	Status      string // Draft, Active, Deactivated or ReadOnly
	DateCreated time.Time
}

func (p *Program) UnmarshalJSON(b []byte) error {
	var v struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		Status      string `json:"status"`
		DateCreated ddTime `json:"dateCreated"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = Program{ID: v.ID, Name: v.Name, Status: v.Status, DateCreated: v.DateCreated.Time}
	return nil
}

// MaxEnrolmentContacts is how many contacts one enrolment call takes (Programs reference).
const MaxEnrolmentContacts = 25

// ProgramsPage reads one page of programs; sel is at most MaxSelect.
func (c *Client) ProgramsPage(ctx context.Context, skip, sel int) ([]Program, error) {
	var out []Program
	_, err := c.do(ctx, call{method: "GET", path: "/v2/programs", query: paging(skip, sel), out: &out})
	return out, err
}

// Programs reads every program.
func (c *Client) Programs(ctx context.Context) ([]Program, error) {
	return allPages(func(skip int) ([]Program, error) { return c.ProgramsPage(ctx, skip, MaxSelect) })
}

// Program reads one program. A program that does not exist is ErrNotFound.
func (c *Client) Program(ctx context.Context, id int) (Program, error) {
	var out Program
	_, err := c.do(ctx, call{method: "GET", path: pathf("/v2/programs/%s", id), out: &out})
	return out, err
}

// Enrolment is a program enrolment, which Dotdigital processes in the background.
type Enrolment struct {
	ID          string
	ProgramID   int
	Status      string // Processing or Finished
	DateCreated time.Time
	Contacts    []int64
}

func (e *Enrolment) UnmarshalJSON(b []byte) error {
	var v struct {
		ID          string  `json:"id"`
		ProgramID   int     `json:"programId"`
		Status      string  `json:"status"`
		DateCreated ddTime  `json:"dateCreated"`
		Contacts    []int64 `json:"contacts"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Enrolment{ID: v.ID, ProgramID: v.ProgramID, Status: v.Status, DateCreated: v.DateCreated.Time, Contacts: v.Contacts}
	return nil
}

// Enrol enrols up to MaxEnrolmentContacts contacts (by id) in a program (POST /v2/programs/enrolments).
// A program that is not Active is ErrProgramNotActive; when the account's enrolment allowance is spent,
// ErrEnrolmentAllowanceExceeded. Contact ids Dotdigital does not know make the whole call fail
// (ERROR_CONTACT_NOT_FOUND, ErrNotFound); EnrolContacts works around them.
func (c *Client) Enrol(ctx context.Context, programID int, contactIDs []int64) (Enrolment, error) {
	if len(contactIDs) == 0 || len(contactIDs) > MaxEnrolmentContacts {
		return Enrolment{}, fmt.Errorf("%w: an enrolment takes 1 to %d contacts, not %d", ErrInvalid, MaxEnrolmentContacts, len(contactIDs))
	}
	var out Enrolment
	_, err := c.do(ctx, call{method: "POST", path: "/v2/programs/enrolments", body: map[string]any{"programId": programID, "contacts": contactIDs}, out: &out})
	return out, err
}

// GetEnrolment reads an enrolment.
func (c *Client) GetEnrolment(ctx context.Context, id string) (Enrolment, error) {
	var out Enrolment
	_, err := c.do(ctx, call{method: "GET", path: pathf("/v2/programs/enrolments/%s", id), out: &out})
	return out, err
}

// EnrolmentFault is a contact an enrolment did not enrol, and why (Unsubscribed, Suppressed,
// AlreadyInProgram, ContactNotFound, …).
type EnrolmentFault struct {
	ContactID int64
	Email     string
	Reason    string
}

// EnrolmentFaults reads the contacts a finished enrolment did not enrol.
func (c *Client) EnrolmentFaults(ctx context.Context, id string) ([]EnrolmentFault, error) {
	var raw []byte
	if _, err := c.do(ctx, call{method: "GET", path: pathf("/v2/programs/enrolments/%s/report-faults", id), raw: &raw}); err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(string(raw)))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dotdigital: enrolment %s faults: %w", id, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []EnrolmentFault
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("dotdigital: enrolment %s faults: %w", id, err)
		}
		cid, _ := strconv.ParseInt(get(rec, "id"), 10, 64)
		out = append(out, EnrolmentFault{ContactID: cid, Email: get(rec, "email"), Reason: get(rec, "reason")})
	}
}

// EnrolmentReport is the outcome of EnrolContacts.
type EnrolmentReport struct {
	Enrolments []string // ids of the enrolments made
	Enrolled   []int64  // contacts enrolled
	Faults     []EnrolmentFault
}

// EnrolContacts enrols contacts in a program: in calls of MaxEnrolmentContacts, each polled until
// Dotdigital has processed it, with the contacts it could not enrol reported as faults. Contact ids
// Dotdigital does not know are found (one read each), reported as ContactNotFound faults, and left out.
// It stops at the first call that fails otherwise, returning what it did so far.
func (c *Client) EnrolContacts(ctx context.Context, programID int, contactIDs []int64) (EnrolmentReport, error) {
	var rep EnrolmentReport
	ids := slices.Clone(contactIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for start := 0; start < len(ids); start += MaxEnrolmentContacts {
		chunk := ids[start:min(len(ids), start+MaxEnrolmentContacts)]
		e, err := c.Enrol(ctx, programID, chunk)
		if errors.Is(err, ErrNotFound) && isContactNotFound(err) {
			var known []int64
			if known, err = c.knownContacts(ctx, chunk, &rep); err == nil && len(known) > 0 {
				chunk = known
				e, err = c.Enrol(ctx, programID, chunk)
			} else if err == nil {
				continue
			}
		}
		if err != nil {
			return rep, err
		}
		e, err = c.awaitEnrolment(ctx, e)
		if err != nil {
			return rep, err
		}
		faults, err := c.EnrolmentFaults(ctx, e.ID)
		if err != nil {
			return rep, err
		}
		rep.Enrolments = append(rep.Enrolments, e.ID)
		rep.Faults = append(rep.Faults, faults...)
		failed := map[int64]bool{}
		for _, f := range faults {
			failed[f.ContactID] = true
		}
		for _, id := range chunk {
			if !failed[id] {
				rep.Enrolled = append(rep.Enrolled, id)
			}
		}
	}
	return rep, nil
}

func isContactNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code == "ERROR_CONTACT_NOT_FOUND"
}

// knownContacts returns the ids Dotdigital has, recording the others as faults.
func (c *Client) knownContacts(ctx context.Context, ids []int64, rep *EnrolmentReport) ([]int64, error) {
	var known []int64
	for _, id := range ids {
		_, err := c.ContactByID(ctx, id)
		switch {
		case err == nil:
			known = append(known, id)
		case errors.Is(err, ErrNotFound):
			rep.Faults = append(rep.Faults, EnrolmentFault{ContactID: id, Reason: "ContactNotFound"})
		default:
			return nil, err
		}
	}
	return known, nil
}

// awaitEnrolment polls an enrolment until it is Finished.
func (c *Client) awaitEnrolment(ctx context.Context, e Enrolment) (Enrolment, error) {
	p := c.cfg.Poll
	wait := p.Min
	start := time.Now()
	for e.Status != "Finished" {
		if err := apicall.Sleep(ctx, wait); err != nil {
			return e, err
		}
		var err error
		if e, err = c.GetEnrolment(ctx, e.ID); err != nil {
			return e, err
		}
		if time.Since(start) > p.Timeout {
			return e, fmt.Errorf("dotdigital: enrolment %s still processing after %s", e.ID, time.Since(start).Round(time.Second))
		}
		wait = p.next(wait)
	}
	return e, nil
}

// EnrolmentsByStatus reads one page of the account's enrolments that are Processing or Finished
// (GET /v2/programs/enrolments/{status}); sel is at most MaxSelect.
func (c *Client) EnrolmentsByStatus(ctx context.Context, status string, skip, sel int) ([]Enrolment, error) {
	var out []Enrolment
	_, err := c.do(ctx, call{method: "GET", path: pathf("/v2/programs/enrolments/%s", status), query: paging(skip, sel), out: &out})
	return out, err
}

// FindEnrolments tells which of contactIDs an enrolment in a program created at or after since
// includes, with the earliest such enrolment of each: how a client that lost the answer to an
// enrolment call (a crash, a timeout) learns whether it was made. It reads every Processing and
// Finished enrolment of the account, so it is for recovery only.
func (c *Client) FindEnrolments(ctx context.Context, programID int, since time.Time, contactIDs []int64) (map[int64]Enrolment, error) {
	want := map[int64]bool{}
	for _, id := range contactIDs {
		want[id] = true
	}
	out := map[int64]Enrolment{}
	for _, status := range []string{"Processing", "Finished"} {
		all, err := allPages(func(skip int) ([]Enrolment, error) { return c.EnrolmentsByStatus(ctx, status, skip, MaxSelect) })
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if e.ProgramID != programID || e.DateCreated.Before(since) {
				continue
			}
			for _, id := range e.Contacts {
				if prev, seen := out[id]; want[id] && (!seen || e.DateCreated.Before(prev.DateCreated)) {
					out[id] = e
				}
			}
		}
	}
	return out, nil
}

// EnrolmentOutcome waits until Dotdigital has processed an enrolment and returns the contacts it did
// not enrol.
func (c *Client) EnrolmentOutcome(ctx context.Context, e Enrolment) ([]EnrolmentFault, error) {
	e, err := c.awaitEnrolment(ctx, e)
	if err != nil {
		return nil, err
	}
	return c.EnrolmentFaults(ctx, e.ID)
}
