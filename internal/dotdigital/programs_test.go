package dotdigital

import (
	"errors"
	"slices"
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

func TestPrograms(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Programs: 5}})
	ctx := ctxT(t)
	ps := must[[]Program](t)(b.client.Programs(ctx))
	statuses := map[string]string{}
	for _, p := range ps {
		statuses[p.Name] = p.Status
		if p.DateCreated.IsZero() {
			t.Errorf("program %+v has no date", p)
		}
	}
	if len(ps) != 5 || statuses["Abandoned cart"] != "Active" || statuses["Win-back"] != "Draft" {
		t.Fatalf("programs %v", statuses)
	}
	if p := must[Program](t)(b.client.Program(ctx, ps[0].ID)); p.Name != ps[0].Name {
		t.Fatalf("program %+v", p)
	}
	if _, err := b.client.Program(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing program: %v", err)
	}
}

// Enrolment works for Active programs and contacts Dotdigital has; the rest are faults. Each contact is
// enrolled once: a second enrolment reports it as already in the program.
func TestEnrolContacts(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Programs: 5}})
	ctx := ctxT(t)
	var ids []int64
	for i := range 30 {
		d, _, err := b.client.UpsertContact(ctx, Contact{Email: emailN(i)}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ContactID)
	}
	if _, err := b.client.Unsubscribe(ctx, emailN(3)); err != nil {
		t.Fatal(err)
	}
	const welcome, winBack = 1001, 1004 // Active, Draft
	rep, err := b.client.EnrolContacts(ctx, welcome, append(ids, 999999, ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	faults := map[int64]string{}
	for _, f := range rep.Faults {
		faults[f.ContactID] = f.Reason
	}
	if len(rep.Enrolments) != 2 || len(rep.Enrolled) != 29 || faults[ids[3]] != "Unsubscribed" || faults[999999] != "ContactNotFound" {
		t.Fatalf("report: %d enrolments, %d enrolled, faults %v", len(rep.Enrolments), len(rep.Enrolled), faults)
	}
	if got := b.emu.Enrolled(welcome); len(got) != 29 || slices.Contains(got, int(ids[3])) {
		t.Fatalf("emulator enrolled %d", len(got))
	}
	again, err := b.client.EnrolContacts(ctx, welcome, ids[:2])
	if err != nil || len(again.Enrolled) != 0 || len(again.Faults) != 2 || again.Faults[0].Reason != "AlreadyInProgram" {
		t.Fatalf("again: %+v %v", again, err)
	}

	if _, err := b.client.Enrol(ctx, winBack, ids[:1]); !errors.Is(err, ErrProgramNotActive) {
		t.Fatalf("draft program: %v", err)
	}
	if _, err := b.client.EnrolContacts(ctx, winBack, ids[:1]); !errors.Is(err, ErrProgramNotActive) {
		t.Fatalf("draft program: %v", err)
	}
	if _, err := b.client.Enrol(ctx, welcome, ids); !errors.Is(err, ErrInvalid) {
		t.Fatalf("more than 25 contacts: %v", err)
	}
}

// The enrolment allowance: past it, enrolments are refused with a typed error the caller can wait on.
func TestEnrolmentAllowance(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Programs: 1}, EnrolmentAllowance: 2})
	ctx := ctxT(t)
	d, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := b.client.Enrol(ctx, 1001, []int64{d.ContactID}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = b.client.Enrol(ctx, 1001, []int64{d.ContactID})
	if !errors.Is(err, ErrEnrolmentAllowanceExceeded) {
		t.Fatalf("third enrolment: %v", err)
	}
}

// A client that lost an enrolment call's answer finds out which contacts an enrolment of that programme
// made since it sent the call includes, and with what outcome.
func TestFindEnrolmentsTellsWhichContactsALostCallEnrolled(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Programs: 5}})
	ctx := ctxT(t)
	var ids []int64
	for i := range 4 {
		d, _, err := b.client.UpsertContact(ctx, Contact{Email: emailN(i)}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ContactID)
	}
	const welcome, cart = 1001, 1003
	if _, err := b.client.Enrol(ctx, cart, ids[:1]); err != nil { // another programme
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	lost, err := b.client.Enrol(ctx, welcome, ids[1:3])
	if err != nil {
		t.Fatal(err)
	}
	found, err := b.client.FindEnrolments(ctx, welcome, since, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[ids[1]].ID != lost.ID || found[ids[2]].ID != lost.ID {
		t.Fatalf("found %+v, want contacts %d and %d in enrolment %s", found, ids[1], ids[2], lost.ID)
	}
	if later, err := b.client.FindEnrolments(ctx, welcome, time.Now().Add(time.Hour), ids); err != nil || len(later) != 0 {
		t.Fatalf("enrolments made before since: %+v, %v", later, err)
	}
	faults, err := b.client.EnrolmentOutcome(ctx, found[ids[1]])
	if err != nil || len(faults) != 0 {
		t.Fatalf("outcome: %+v, %v", faults, err)
	}
}
