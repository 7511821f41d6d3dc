package store

import (
	"errors"
	"fmt"

	"github.com/gofrs/flock"
)

// ErrWorkersElsewhere means another process runs the workers of this SQLite database.
var ErrWorkersElsewhere = errors.New("another bcsync process runs the workers of this SQLite database")

// The locks below are the operating system's file locks (flock(2) on Unix, LockFileEx on Windows,
// through github.com/gofrs/flock), taken on a file beside the database. Each call opens the file
// anew, so two holders in one process exclude each other as two processes do.

// LockWorkers makes this process the one that runs sync workers on an SQLite database, until unlock.
// The lock is the operating system's: it goes with the process, even one killed with -9, so jobs it
// left running can safely be reclaimed by the next holder. It does not wait: while another holds it,
// it fails with ErrWorkersElsewhere. With PostgreSQL any number of processes work, coordinated by
// River, and this does nothing.
func (s *Store) LockWorkers() (unlock func(), err error) {
	if s.engine != SQLite {
		return func() {}, nil
	}
	l := flock.New(s.path + ".workers.lock")
	locked, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("store: workers lock: %w", err)
	}
	if !locked {
		return nil, ErrWorkersElsewhere
	}
	return func() { l.Unlock() }, nil
}

// LockMigrations makes concurrent processes migrate an SQLite database one after the other (with
// PostgreSQL, goose's session lock does it). It blocks until the lock is free.
func (s *Store) LockMigrations() (unlock func(), err error) {
	if s.engine != SQLite {
		return func() {}, nil
	}
	l := flock.New(s.path + ".migrate.lock")
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("store: migrations lock: %w", err)
	}
	return func() { l.Unlock() }, nil
}
