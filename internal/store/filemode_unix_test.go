//go:build unix

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// The SQLite database and its -wal and -shm files hold customers' personal data and recorded API
// bodies: they are readable by their owner only, whatever the mode of the directory they are in and
// whatever the umask. (Not in parallel: the umask is the process's.)
func TestTheSQLiteFilesAreReadableByTheirOwnerOnly(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()

	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "bcsync.db")
	s := openAt(t, path)
	storetest.NewConnection(t, s) // writes, so the -wal and -shm files exist
	wantOwnerOnly(t, path, "-wal", "-shm")
	s.Close()

	// A database an older release left readable by others is made private as it opens.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			if err := os.Chmod(path+suffix, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	s = openAt(t, path)
	defer s.Close()
	if _, err := s.Connections(ctx); err != nil {
		t.Fatal(err)
	}
	wantOwnerOnly(t, path, "-wal", "-shm")
}

func openAt(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+path, storetest.Box(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantOwnerOnly(t *testing.T, path string, suffixes ...string) {
	t.Helper()
	for _, suffix := range append([]string{""}, suffixes...) {
		info, err := os.Stat(path + suffix)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path+suffix), err)
			continue
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v: readable by others", filepath.Base(path+suffix), perm)
		}
	}
}
