package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
)

// FieldMapping maps a BigCommerce customer field (or a computed field) to a Dotdigital data field.
type FieldMapping struct {
	Source    string
	DataField string
	// DataFieldType is the Dotdigital field's type when the mapping was saved: String, Numeric, Date or
	// Boolean. Values are converted to it.
	DataFieldType string
}

// FieldMappings returns a marketing sync's mappings, sorted by source field.
func (s *Store) FieldMappings(ctx context.Context, syncID int64) ([]FieldMapping, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source_field, data_field, data_field_type FROM field_mappings WHERE sync_id = $1 ORDER BY source_field`, syncID)
	if err != nil {
		return nil, fmt.Errorf("store: field mappings: %w", err)
	}
	defer rows.Close()
	var out []FieldMapping
	for rows.Next() {
		var m FieldMapping
		if err := rows.Scan(&m.Source, &m.DataField, &m.DataFieldType); err != nil {
			return nil, fmt.Errorf("store: field mappings: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReplaceFieldMappings saves a marketing sync's whole mapping. When it differs from the saved one, the
// cursors of resetStreams are cleared in the same transaction, so the next sync re-reads those streams
// (and sends only the records whose output changed). It reports whether the mapping changed.
func (s *Store) ReplaceFieldMappings(ctx context.Context, syncID int64, mappings []FieldMapping, resetStreams ...string) (bool, error) {
	old, err := s.FieldMappings(ctx, syncID)
	if err != nil {
		return false, err
	}
	want := map[string]FieldMapping{}
	for _, m := range mappings {
		if m.DataFieldType == "" {
			m.DataFieldType = "String"
		}
		want[m.Source] = m
	}
	have := map[string]FieldMapping{}
	for _, m := range old {
		have[m.Source] = m
	}
	if maps.Equal(want, have) {
		return false, nil
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM field_mappings WHERE sync_id = $1`, syncID); err != nil {
			return err
		}
		for _, src := range slices.Sorted(maps.Keys(want)) {
			m := want[src]
			if _, err := tx.ExecContext(ctx, `INSERT INTO field_mappings (sync_id, source_field, data_field, data_field_type) VALUES ($1, $2, $3, $4)`,
				syncID, src, m.DataField, m.DataFieldType); err != nil {
				return err
			}
		}
		for _, stream := range resetStreams {
			if _, err := tx.ExecContext(ctx, `DELETE FROM stream_cursors WHERE sync_id = $1 AND stream = $2`, syncID, stream); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: replace field mappings: %w", err)
	}
	return true, nil
}
