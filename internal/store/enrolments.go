package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Enrolment is one contact's enrolment in one programme. Subject distinguishes repeated reasons
// (an abandoned cart's id); it is "" for new customers and new subscribers, who are enrolled once.
type Enrolment struct {
	ProgramID int64
	Email     string
	Subject   string
	Reason    string // new_customer, new_subscriber, abandoned_cart
}

// ClaimEnrolments records enrolments before they are made and returns those not claimed before. A
// contact is therefore enrolled at most once per programme and subject, even across crashes: a crash
// between the claim and the call loses an enrolment rather than sending the programme twice.
func (s *Store) ClaimEnrolments(ctx context.Context, syncID int64, es []Enrolment) ([]Enrolment, error) {
	var claimed []Enrolment
	now := ms(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO enrolments (sync_id, program_id, email, subject, reason, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'claimed', $6, $6) ON CONFLICT (sync_id, program_id, email, subject) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range es {
			res, err := stmt.ExecContext(ctx, syncID, e.ProgramID, e.Email, e.Subject, e.Reason, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed = append(claimed, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim enrolments: %w", err)
	}
	return claimed, nil
}

// SetEnrolmentStatus records the outcome of claimed enrolments (enrolled, failed with a detail).
func (s *Store) SetEnrolmentStatus(ctx context.Context, syncID int64, es []Enrolment, status, detail string) error {
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, `UPDATE enrolments SET status = $5, detail = $6, updated_at = $7
				WHERE sync_id = $1 AND program_id = $2 AND email = $3 AND subject = $4`,
				syncID, e.ProgramID, e.Email, e.Subject, status, detail, now); err != nil {
				return fmt.Errorf("store: set enrolment status: %w", err)
			}
		}
		return nil
	})
}

// ReleaseEnrolments forgets claims whose enrolment certainly did not happen, so a later sync tries again.
func (s *Store) ReleaseEnrolments(ctx context.Context, syncID int64, es []Enrolment) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, `DELETE FROM enrolments WHERE sync_id = $1 AND program_id = $2 AND email = $3 AND subject = $4`,
				syncID, e.ProgramID, e.Email, e.Subject); err != nil {
				return fmt.Errorf("store: release enrolments: %w", err)
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
