package store

import "errors"

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a row with the same unique name exists already.
	ErrExists = errors.New("store: already exists")
	// ErrAccountLinked means the Dotdigital account of a new link syncs another store already.
	ErrAccountLinked = errors.New("store: the Dotdigital account syncs another store")
)
