//go:build unix

package source_test

import "syscall"

// mkfifo makes a named pipe: a file that never ends, to test read timeouts.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
