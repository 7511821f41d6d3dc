//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrWorkersElsewhere means another process runs the workers of this SQLite database.
var ErrWorkersElsewhere = errors.New("another bcsync process runs the workers of this SQLite database")

// LockWorkers makes this process the one that runs sync workers on an SQLite database, until unlock.
// The lock is the operating system's: it goes with the process, even one killed with -9, so jobs it
// left running can safely be reclaimed by the next holder. With PostgreSQL any number of processes
// work, coordinated by River, and this does nothing.
func (s *Store) LockWorkers() (unlock func(), err error) {
	if s.engine != SQLite {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.path+".workers.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: workers lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrWorkersElsewhere
		}
		return nil, fmt.Errorf("store: workers lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// LockMigrations makes concurrent processes migrate an SQLite database one after the other (with
// PostgreSQL, goose's session lock does it). It blocks until the lock is free.
func (s *Store) LockMigrations() (unlock func(), err error) {
	if s.engine != SQLite {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.path+".migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: migrations lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: migrations lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
