package store

import "context"

// Remigrate undoes the migrations from version on and applies them again, as an upgrade from the
// version before it would: tests see what a migration does to rows that already exist.
func (s *Store) Remigrate(ctx context.Context, version int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version-1); err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}
