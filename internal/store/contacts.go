package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Contact is a Dotdigital contact bcsync knows to exist, by lower-cased email.
type Contact struct {
	Email     string
	ContactID int64
}

// SaveContacts records contacts known to exist (from import reports).
func (s *Store) SaveContacts(ctx context.Context, syncID int64, contacts []Contact) error {
	if len(contacts) == 0 {
		return nil
	}
	now := ms(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO contacts (sync_id, email, contact_id, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (sync_id, email) DO UPDATE SET contact_id = CASE WHEN excluded.contact_id <> 0 THEN excluded.contact_id ELSE contacts.contact_id END,
			updated_at = excluded.updated_at`)
		if err != nil {
			return fmt.Errorf("store: save contacts: %w", err)
		}
		defer stmt.Close()
		for _, c := range contacts {
			if _, err := stmt.ExecContext(ctx, syncID, c.Email, c.ContactID, now); err != nil {
				return fmt.Errorf("store: save contact: %w", err)
			}
		}
		return nil
	})
}

// ContactIDs returns the known contact ids of the given emails; unknown emails are absent.
func (s *Store) ContactIDs(ctx context.Context, syncID int64, emails []string) (map[string]int64, error) {
	out := make(map[string]int64, len(emails))
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID}
		for _, e := range part {
			args = append(args, e)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT email, contact_id FROM contacts WHERE sync_id = $1 AND email IN (`+placeholders(2, len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: contact ids: %w", err)
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var e string
				var id int64
				if err := rows.Scan(&e, &id); err != nil {
					return err
				}
				out[e] = id
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("store: contact ids: %w", err)
		}
	}
	return out, nil
}

// RenameContact moves what bcsync knows of a contact from one email to another (the store changed a
// customer's email and the Dotdigital contact was renamed to match).
func (s *Store) RenameContact(ctx context.Context, syncID int64, from, to string, contactID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE sync_id = $1 AND email IN ($2, $3)`, syncID, from, to); err != nil {
			return fmt.Errorf("store: rename contact: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (sync_id, email, contact_id, updated_at) VALUES ($1, $2, $3, $4)`,
			syncID, to, contactID, ms(s.now())); err != nil {
			return fmt.Errorf("store: rename contact: %w", err)
		}
		return nil
	})
}

// ForgetContacts drops emails bcsync believed to be contacts (Dotdigital said they do not exist).
func (s *Store) ForgetContacts(ctx context.Context, syncID int64, emails []string) error {
	for start := 0; start < len(emails); start += batchSize {
		part := emails[start:min(start+batchSize, len(emails))]
		args := []any{syncID}
		for _, e := range part {
			args = append(args, e)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM contacts WHERE sync_id = $1 AND email IN (`+placeholders(2, len(part))+`)`, args...); err != nil {
			return fmt.Errorf("store: forget contacts: %w", err)
		}
	}
	return nil
}
