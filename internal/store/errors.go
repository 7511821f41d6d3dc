package store

import "errors"

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
)
