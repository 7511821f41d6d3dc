//go:build !linux

package e2e

import (
	"os"
	"testing"
)

// openPTY skips: the pseudo-terminal tests open /dev/ptmx the Linux way.
func openPTY(t *testing.T) (term, tty *os.File) {
	t.Helper()
	t.Skip("the pseudo-terminal tests run on Linux")
	return nil, nil
}
