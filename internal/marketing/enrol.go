package marketing

import (
	"context"
	"errors"
	"log/slog"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// Why a contact is enrolled.
const (
	reasonNewCustomer   = "new_customer"
	reasonNewSubscriber = "new_subscriber"
	reasonAbandonedCart = "abandoned_cart"
)

type enrolee struct {
	email     string
	contactID int64
}

func (rc *runContext) programFor(reason string) store.Ref {
	switch reason {
	case reasonNewCustomer:
		return rc.conn.Settings.NewCustomerProgram
	case reasonNewSubscriber:
		return rc.conn.Settings.NewSubscriberProgram
	case reasonAbandonedCart:
		return rc.conn.Settings.AbandonedCartProgram
	}
	return store.Ref{}
}

// enrol enrols contacts in the programme chosen for reason, each at most once per programme and
// subject (see store.ClaimEnrolments). A programme that is not active or an exhausted allowance does
// not fail the run: the enrolments are recorded as failed, or released to be tried on a later sync.
func (rc *runContext) enrol(ctx context.Context, reason, subject string, who []enrolee) error {
	program := rc.programFor(reason)
	if program.ID == 0 || len(who) == 0 {
		return nil
	}
	s := rc.e.store
	claims := make([]store.Enrolment, len(who))
	ids := map[string]int64{}
	for i, w := range who {
		claims[i] = store.Enrolment{ProgramID: program.ID, Email: w.email, Subject: subject, Reason: reason}
		ids[w.email] = w.contactID
	}
	claimed, err := s.ClaimEnrolments(ctx, rc.conn.ID, claims)
	if err != nil || len(claimed) == 0 {
		return err
	}
	contactIDs := make([]int64, len(claimed))
	for i, c := range claimed {
		contactIDs[i] = ids[c.Email]
	}
	rep, err := rc.dd.EnrolContacts(ctx, int(program.ID), contactIDs)
	var apiErr *dotdigital.APIError
	switch {
	case err == nil:
		failed := map[int64]string{}
		for _, f := range rep.Faults {
			failed[f.ContactID] = f.Reason
		}
		var ok, bad []store.Enrolment
		for i, c := range claimed {
			if reason, isFault := failed[contactIDs[i]]; isFault {
				c.Reason = reason
				bad = append(bad, c)
			} else {
				ok = append(ok, c)
			}
		}
		if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, ok, "enrolled", ""); err != nil {
			return err
		}
		for _, b := range bad {
			if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, []store.Enrolment{b}, "failed", b.Reason); err != nil {
				return err
			}
		}
		return nil
	case errors.Is(err, dotdigital.ErrProgramNotActive):
		rc.log.Warn("programme is not active: contacts not enrolled", slog.Int64("program_id", program.ID), slog.String("reason", reason))
		return s.SetEnrolmentStatus(ctx, rc.conn.ID, claimed, "failed", "the programme is not active")
	case errors.Is(err, dotdigital.ErrEnrolmentAllowanceExceeded), errors.As(err, &apiErr) && apiErr.Status < 500:
		// Refused: certainly not enrolled, so a later sync may try again.
		rc.log.Warn("enrolment refused; will retry on a later sync", slog.Any("error", err))
		return s.ReleaseEnrolments(ctx, rc.conn.ID, claimed)
	default:
		// The outcome is unknown: enrolling again could send the programme twice, so do not.
		rc.log.Warn("enrolment outcome unknown; not retried", slog.Any("error", err))
		return s.SetEnrolmentStatus(ctx, rc.conn.ID, claimed, "unknown", err.Error())
	}
}

func isNotFound(err error) bool { return errors.Is(err, dotdigital.ErrNotFound) }

// renameContact changes a Dotdigital contact's email after the store changed it, so the person keeps one
// contact and its history. When the new email is a contact already, or the old one is unknown, there is
// nothing to rename: the import that follows updates the contact under its new email.
func (rc *runContext) renameContact(ctx context.Context, from, to string) error {
	s := rc.e.store
	ids, err := s.ContactIDs(ctx, rc.conn.ID, []string{from, to})
	if err != nil {
		return err
	}
	if _, taken := ids[to]; taken {
		return nil
	}
	id, known := ids[from]
	if !known {
		return nil
	}
	if id == 0 {
		d, err := rc.dd.ContactByEmail(ctx, from)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		id = d.ContactID
	}
	if err := rc.dd.ChangeContactEmail(ctx, id, to); err != nil {
		if errors.Is(err, dotdigital.ErrDuplicate) || isNotFound(err) {
			rc.log.Info("contact not renamed", slog.String("reason", err.Error()))
			return nil
		}
		return err
	}
	return s.RenameContact(ctx, rc.conn.ID, from, to, id)
}
