package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PruneRuns deletes up to batchSize of a sync's runs that finished before cutoff, with their
// stream counts, rejected records and recorded API calls, and says how many runs it deleted. The
// sync's last finished run is always kept: it is what the UI shows as its last sync.
func (s *Store) PruneRuns(ctx context.Context, syncID int64, cutoff time.Time) (int, error) {
	var ids []any
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE sync_id = $1 AND finished_at IS NOT NULL AND finished_at < $2
			AND id < (SELECT MAX(id) FROM runs WHERE sync_id = $1 AND finished_at IS NOT NULL) ORDER BY id LIMIT $3`,
			syncID, ms(cutoff), batchSize)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		in := placeholders(1, len(ids))
		for _, q := range []string{
			`DELETE FROM rejected_records WHERE run_id IN (` + in + `)`,
			`DELETE FROM api_calls WHERE run_id IN (` + in + `)`,
			`DELETE FROM run_streams WHERE run_id IN (` + in + `)`,
			`DELETE FROM runs WHERE id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, ids...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune runs: %w", err)
	}
	return len(ids), nil
}
