package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Enrolment is one contact's enrolment in one programme. Subject distinguishes repeated reasons
// (an abandoned cart's id); it is "" for new customers and new subscribers, who are enrolled once.
type Enrolment struct {
	ProgramID int64
	Email     string
	Subject   string
	Reason    string // new_customer, new_subscriber, abandoned_cart
	ContactID int64  // the Dotdigital contact; 0 when not known yet
	SentAt    time.Time
}

// Enrolment statuses. An enrolment is queued, then taken in a chunk to be sent ("sending": at most the
// chunk in flight, and what a crash or an unknown answer left), then enrolled or failed (a fault).
const (
	EnrolmentQueued   = "queued"
	EnrolmentSending  = "sending"
	EnrolmentEnrolled = "enrolled"
	EnrolmentFailed   = "failed"
)

// QueueEnrolments queues enrolments and returns how many were new: a contact is queued at most once per
// programme and subject, so it is never enrolled twice for one reason.
func (s *Store) QueueEnrolments(ctx context.Context, syncID int64, es []Enrolment) (int, error) {
	n := 0
	now := ms(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO enrolments (sync_id, program_id, email, subject, reason, contact_id, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7) ON CONFLICT (sync_id, program_id, email, subject) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range es {
			res, err := stmt.ExecContext(ctx, syncID, e.ProgramID, e.Email, e.Subject, e.Reason, e.ContactID, now)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: queue enrolments: %w", err)
	}
	return n, nil
}

const enrolmentColumns = `program_id, email, subject, reason, contact_id, sent_at`

func scanEnrolments(rows *sql.Rows) ([]Enrolment, error) {
	defer rows.Close()
	var out []Enrolment
	for rows.Next() {
		var e Enrolment
		var sent int64
		if err := rows.Scan(&e.ProgramID, &e.Email, &e.Subject, &e.Reason, &e.ContactID, &sent); err != nil {
			return nil, err
		}
		e.SentAt = fromMS(sent)
		out = append(out, e)
	}
	return out, rows.Err()
}

// TakeEnrolments takes the next chunk to send: up to n of the oldest queued enrolments of one
// programme, one per contact, marked "sending" in the same transaction. Once the chunk's outcome is
// known the caller records it (SetEnrolmentStatus); a crash leaves it "sending", to be resolved.
func (s *Store) TakeEnrolments(ctx context.Context, syncID int64, n int) ([]Enrolment, error) {
	var out []Enrolment
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var program int64
		err := tx.QueryRowContext(ctx, `SELECT program_id FROM enrolments WHERE sync_id = $1 AND status = 'queued'
			ORDER BY created_at, program_id, email, subject LIMIT 1`, syncID).Scan(&program)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+enrolmentColumns+` FROM enrolments WHERE sync_id = $1 AND program_id = $2 AND status = 'queued'
			ORDER BY created_at, email, subject LIMIT $3`, syncID, program, 4*n)
		if err != nil {
			return err
		}
		queued, err := scanEnrolments(rows)
		if err != nil {
			return err
		}
		seen := map[string]bool{} // one enrolment of a contact per call: its second subject waits for the next
		for _, e := range queued {
			if len(out) == n || seen[e.Email] {
				continue
			}
			seen[e.Email] = true
			e.SentAt = now
			out = append(out, e)
		}
		for _, e := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE enrolments SET status = 'sending', sent_at = $5, updated_at = $5
				WHERE sync_id = $1 AND program_id = $2 AND email = $3 AND subject = $4`, syncID, e.ProgramID, e.Email, e.Subject, ms(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: take enrolments: %w", err)
	}
	return out, nil
}

// SendingEnrolments returns the enrolments whose outcome is not known: a chunk a crash interrupted, or
// one whose call got no clear answer.
func (s *Store) SendingEnrolments(ctx context.Context, syncID int64) ([]Enrolment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+enrolmentColumns+` FROM enrolments WHERE sync_id = $1 AND status = 'sending'
		ORDER BY program_id, sent_at, email, subject`, syncID)
	if err != nil {
		return nil, fmt.Errorf("store: enrolments being sent: %w", err)
	}
	out, err := scanEnrolments(rows)
	if err != nil {
		return nil, fmt.Errorf("store: enrolments being sent: %w", err)
	}
	return out, nil
}

// SetEnrolmentStatus records the outcome of enrolments (enrolled, failed with a detail), or queues
// them again (certainly not enrolled).
func (s *Store) SetEnrolmentStatus(ctx context.Context, syncID int64, es []Enrolment, status, detail string) error {
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, `UPDATE enrolments SET status = $5, detail = $6, contact_id = $7, updated_at = $8
				WHERE sync_id = $1 AND program_id = $2 AND email = $3 AND subject = $4`,
				syncID, e.ProgramID, e.Email, e.Subject, status, detail, e.ContactID, now); err != nil {
				return fmt.Errorf("store: set enrolment status: %w", err)
			}
		}
		return nil
	})
}

// EnrolmentCounts counts a marketing sync's enrolments by status.
func (s *Store) EnrolmentCounts(ctx context.Context, syncID int64) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM enrolments WHERE sync_id = $1 GROUP BY status`, syncID)
	if err != nil {
		return nil, fmt.Errorf("store: enrolment counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: enrolment counts: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// EnrolmentsWaiting counts a marketing sync's enrolments not made yet: queued, or being sent.
func (s *Store) EnrolmentsWaiting(ctx context.Context, syncID int64) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrolments WHERE sync_id = $1 AND status IN ('queued', 'sending')`, syncID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: enrolments waiting: %w", err)
	}
	return n, nil
}
