//go:build !unix

package source_test

import "errors"

// mkfifo: named pipes are a Unix thing; the test that needs one skips elsewhere.
func mkfifo(string) error { return errors.ErrUnsupported }
