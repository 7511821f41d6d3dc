//go:build unix

package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// bcsync's state in a data directory that others may read (mode 0755, as many are): the database,
// its -wal and -shm files and the key file are readable by their owner only.
func TestTheStateInAnOpenDataDirectoryIsPrivate(t *testing.T) {
	w := newWorld(t, small)
	if err := os.Chmod(w.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr)
	defer w.stop(serve)
	w.eventually("bcsync serve to answer", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	w.connect() // credentials and data written while serve holds the database open
	for _, name := range []string{"bcsync.db", "bcsync.db-wal", "bcsync.db-shm", "bcsync.key"} {
		info, err := os.Stat(filepath.Join(w.dataDir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v: readable by others", name, perm)
		}
	}
}
