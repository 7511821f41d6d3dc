package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Cursor returns where a stream of a sync resumes reading ("" when it starts from the beginning).
func (s *Store) Cursor(ctx context.Context, syncID int64, stream string) (string, error) {
	var c string
	err := s.db.QueryRowContext(ctx, `SELECT cursor FROM stream_cursors WHERE sync_id = $1 AND stream = $2`, syncID, stream).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: cursor %s: %w", stream, err)
	}
	return c, nil
}

// SetCursor saves where a stream resumes. Callers save it only after the destination accepted
// everything before it.
func (s *Store) SetCursor(ctx context.Context, syncID int64, stream, cursor string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO stream_cursors (sync_id, stream, cursor, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sync_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
		syncID, stream, cursor, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: set cursor %s: %w", stream, err)
	}
	return nil
}

// ResetCursors makes the given streams start from the beginning on the next sync.
func (s *Store) ResetCursors(ctx context.Context, syncID int64, streams ...string) error {
	for _, stream := range streams {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM stream_cursors WHERE sync_id = $1 AND stream = $2`, syncID, stream); err != nil {
			return fmt.Errorf("store: reset cursor %s: %w", stream, err)
		}
	}
	return nil
}
