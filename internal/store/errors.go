package store

import "errors"

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a row with the same unique name exists already.
	ErrExists = errors.New("store: already exists")
)
