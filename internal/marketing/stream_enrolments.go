package marketing

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const streamEnrolments = "enrolments"

const (
	// enrolmentPause is how long enrolments wait after Dotdigital refused one for the hourly allowance
	// (about 20 calls in a rolling hour): the allowance frees as the calls of the past hour age, at a
	// time Dotdigital does not tell, so the queue is tried again a few times an hour, a refused call
	// each time at most.
	enrolmentPause = 15 * time.Minute
	// enrolmentSkew widens the search for an enrolment whose answer was lost: Dotdigital's clock may be
	// behind bcsync's.
	enrolmentSkew = time.Minute
)

// enrolmentsStream sends the queued enrolments (see enrol) in calls of up to 25 contacts of one
// programme, within Dotdigital's hourly allowance: what the allowance does not take waits, across runs
// and restarts, and is shown as waiting. Only the chunk in flight is ever uncertain: it is marked
// "sending" before the call, and a crash or an unclear answer is resolved at the next run by asking
// Dotdigital which of its contacts an enrolment made since includes; those not included are queued
// again, so each contact is enrolled once.
type enrolmentsStream struct{}

func (enrolmentsStream) name() string             { return streamEnrolments }
func (enrolmentsStream) enabled(*runContext) bool { return true }

func (enrolmentsStream) sync(ctx context.Context, rc *runContext) error {
	s := rc.e.store
	if err := rc.resolveEnrolments(ctx); err != nil {
		return err
	}
	paused, err := rc.enrolmentsPausedUntil(ctx)
	if err != nil {
		return err
	}
	if rc.e.opts.Now().Before(paused) {
		return nil
	}
	for {
		if rc.outOfTime() {
			return errYield
		}
		chunk, err := s.TakeEnrolments(ctx, rc.conn.ID, dotdigital.MaxEnrolmentContacts)
		if err != nil || len(chunk) == 0 {
			return err
		}
		if stop, err := rc.sendEnrolments(ctx, chunk); err != nil || stop {
			return err
		}
	}
}

// enrolmentsPausedUntil reads when the allowance was last found spent (the stream's cursor), plus the pause.
func (rc *runContext) enrolmentsPausedUntil(ctx context.Context) (time.Time, error) {
	cur, err := rc.e.store.Cursor(ctx, rc.conn.ID, streamEnrolments)
	if err != nil || cur == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, cur)
	if err != nil {
		return time.Time{}, err
	}
	return t.Add(enrolmentPause), nil
}

// sendEnrolments makes one enrolment call for a chunk of one programme and records its outcome. stop
// says the stream should send no more this run: the allowance is spent, or the outcome is unknown.
func (rc *runContext) sendEnrolments(ctx context.Context, chunk []store.Enrolment) (stop bool, err error) {
	s := rc.e.store
	chunk, unknown, err := rc.enrolmentContacts(ctx, chunk)
	if err != nil {
		return true, err
	}
	if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, unknown, store.EnrolmentFailed, "ContactNotFound"); err != nil {
		return true, err
	}
	if len(chunk) == 0 {
		return false, nil
	}
	program := chunk[0].ProgramID
	ids := make([]int64, len(chunk))
	for i, e := range chunk {
		ids[i] = e.ContactID
	}
	rep, err := rc.dd.EnrolContacts(ctx, int(program), ids)
	var apiErr *dotdigital.APIError
	switch {
	case err == nil:
		return false, rc.settleEnrolments(ctx, chunk, rep.Faults)
	case errors.Is(err, dotdigital.ErrEnrolmentAllowanceExceeded):
		// Refused: certainly not enrolled. They wait for the allowance.
		rc.log.Info("Dotdigital's hourly enrolment allowance is spent; enrolments wait", slog.Int64("program_id", program))
		if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, chunk, store.EnrolmentQueued, ""); err != nil {
			return true, err
		}
		return true, s.SetCursor(ctx, rc.conn.ID, streamEnrolments, formatCursor(rc.e.opts.Now()))
	case errors.Is(err, dotdigital.ErrProgramNotActive):
		rc.log.Warn("programme is not active: contacts not enrolled", slog.Int64("program_id", program))
		return false, s.SetEnrolmentStatus(ctx, rc.conn.ID, chunk, store.EnrolmentFailed, "the programme is not active")
	case errors.As(err, &apiErr) && apiErr.Status < 500 && !errors.Is(err, dotdigital.ErrRateLimited):
		// Refused as a whole (an unknown programme, an invalid enrolment): retrying would be refused too.
		rc.log.Warn("enrolment refused", slog.Int64("program_id", program), slog.Any("error", err))
		return false, s.SetEnrolmentStatus(ctx, rc.conn.ID, chunk, store.EnrolmentFailed, apiErr.Error())
	default:
		// The outcome is unknown: the chunk stays "sending", and the next run asks Dotdigital.
		rc.log.Warn("enrolment outcome unknown; the next sync asks Dotdigital", slog.Int64("program_id", program), slog.Any("error", err))
		return true, nil
	}
}

// settleEnrolments records a processed enrolment: its faults failed, the others enrolled.
func (rc *runContext) settleEnrolments(ctx context.Context, chunk []store.Enrolment, faults []dotdigital.EnrolmentFault) error {
	failed := map[int64]string{}
	for _, f := range faults {
		failed[f.ContactID] = f.Reason
	}
	var ok []store.Enrolment
	for _, e := range chunk {
		if reason, isFault := failed[e.ContactID]; isFault {
			if err := rc.e.store.SetEnrolmentStatus(ctx, rc.conn.ID, []store.Enrolment{e}, store.EnrolmentFailed, reason); err != nil {
				return err
			}
			continue
		}
		ok = append(ok, e)
	}
	return rc.e.store.SetEnrolmentStatus(ctx, rc.conn.ID, ok, store.EnrolmentEnrolled, "")
}

// enrolmentContacts fills in the contact ids enrolments lack (queued by an older release): from the
// state store, else from Dotdigital. Those Dotdigital does not know are returned apart.
func (rc *runContext) enrolmentContacts(ctx context.Context, es []store.Enrolment) (known, unknown []store.Enrolment, err error) {
	var emails []string
	for _, e := range es {
		if e.ContactID == 0 {
			emails = append(emails, e.Email)
		}
	}
	ids := map[string]int64{}
	if len(emails) > 0 {
		if ids, err = rc.e.store.ContactIDs(ctx, rc.conn.ID, emails); err != nil {
			return nil, nil, err
		}
	}
	for _, e := range es {
		if e.ContactID == 0 {
			e.ContactID = ids[e.Email]
		}
		if e.ContactID == 0 {
			d, err := rc.dd.ContactByEmail(ctx, e.Email)
			if isNotFound(err) {
				unknown = append(unknown, e)
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			e.ContactID = d.ContactID
		}
		known = append(known, e)
	}
	return known, unknown, nil
}

// resolveEnrolments settles the enrolments left "sending": those an enrolment made since they were taken
// includes get its outcome; the others were not enrolled and are queued again.
func (rc *runContext) resolveEnrolments(ctx context.Context) error {
	s := rc.e.store
	sending, err := s.SendingEnrolments(ctx, rc.conn.ID)
	if err != nil || len(sending) == 0 {
		return err
	}
	byProgram := map[int64][]store.Enrolment{}
	for _, e := range sending {
		byProgram[e.ProgramID] = append(byProgram[e.ProgramID], e)
	}
	for program, es := range byProgram {
		es, unknown, err := rc.enrolmentContacts(ctx, es)
		if err != nil {
			return err
		}
		if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, unknown, store.EnrolmentFailed, "ContactNotFound"); err != nil {
			return err
		}
		if len(es) == 0 {
			continue
		}
		since := es[0].SentAt
		ids := make([]int64, len(es))
		for i, e := range es {
			ids[i] = e.ContactID
			if e.SentAt.Before(since) {
				since = e.SentAt
			}
		}
		found, err := rc.dd.FindEnrolments(ctx, int(program), since.Add(-enrolmentSkew), ids)
		if err != nil {
			return err
		}
		byEnrolment := map[string][]store.Enrolment{}
		enrolments := map[string]dotdigital.Enrolment{}
		var requeue []store.Enrolment
		for _, e := range es {
			if d, ok := found[e.ContactID]; ok {
				byEnrolment[d.ID] = append(byEnrolment[d.ID], e)
				enrolments[d.ID] = d
			} else {
				requeue = append(requeue, e)
			}
		}
		for id, chunk := range byEnrolment {
			faults, err := rc.dd.EnrolmentOutcome(ctx, enrolments[id])
			if err != nil {
				return err
			}
			if err := rc.settleEnrolments(ctx, chunk, faults); err != nil {
				return err
			}
		}
		if len(requeue) > 0 {
			rc.log.Info("enrolments interrupted before Dotdigital made them are queued again", slog.Int("contacts", len(requeue)))
		}
		if err := s.SetEnrolmentStatus(ctx, rc.conn.ID, requeue, store.EnrolmentQueued, ""); err != nil {
			return err
		}
	}
	return nil
}
