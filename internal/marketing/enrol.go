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

// enrol queues contacts for enrolment in the programme chosen for reason, each at most once per
// programme and subject; the enrolments stream sends the queue (see stream_enrolments.go).
func (rc *runContext) enrol(ctx context.Context, reason, subject string, who []enrolee) error {
	program := rc.programFor(reason)
	if program.ID == 0 || len(who) == 0 {
		return nil
	}
	es := make([]store.Enrolment, len(who))
	for i, w := range who {
		es[i] = store.Enrolment{ProgramID: program.ID, Email: w.email, Subject: subject, Reason: reason, ContactID: w.contactID}
	}
	_, err := rc.e.store.QueueEnrolments(ctx, rc.conn.ID, es)
	return err
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
