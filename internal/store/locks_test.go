package store_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// The workers lock does not wait: a second holder, in this process or another, is told the workers
// run elsewhere, until the first lets go.
func TestTheWorkersLockHasOneHolder(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "bcsync.db")
	a, b := openSQLite(t, url), openSQLite(t, url)
	unlock, err := a.LockWorkers()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.LockWorkers(); !errors.Is(err, store.ErrWorkersElsewhere) {
		t.Fatalf("second LockWorkers: %v, want ErrWorkersElsewhere", err)
	}
	if alive, err := b.WorkersAlive(context.Background()); err != nil || !alive {
		t.Fatalf("WorkersAlive while locked: %v %v", alive, err)
	}
	unlock()
	if alive, err := b.WorkersAlive(context.Background()); err != nil || alive {
		t.Fatalf("WorkersAlive once unlocked: %v %v", alive, err)
	}
	unlock, err = b.LockWorkers()
	if err != nil {
		t.Fatalf("LockWorkers once the first let go: %v", err)
	}
	unlock()
}

// The workers lock goes with its process, even one killed without a chance to let go.
func TestTheWorkersLockGoesWithAKilledProcess(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "bcsync.db")
	s := openSQLite(t, url)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperHoldTheWorkersLock$")
	child.Env = append(os.Environ(), "BCSYNC_TEST_HOLD_WORKERS_LOCK="+url)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	locked := false
	for lines := bufio.NewScanner(out); !locked && lines.Scan(); {
		locked = lines.Text() == "locked"
	}
	if !locked {
		t.Fatal("the child did not take the lock")
	}
	if _, err := s.LockWorkers(); !errors.Is(err, store.ErrWorkersElsewhere) {
		t.Fatalf("LockWorkers while the child holds it: %v, want ErrWorkersElsewhere", err)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	unlock, err := s.LockWorkers()
	if err != nil {
		t.Fatalf("LockWorkers after the holder was killed: %v", err)
	}
	unlock()
}

// TestHelperHoldTheWorkersLock is the child process of TestTheWorkersLockGoesWithAKilledProcess.
func TestHelperHoldTheWorkersLock(t *testing.T) {
	url := os.Getenv("BCSYNC_TEST_HOLD_WORKERS_LOCK")
	if url == "" {
		t.Skip("the child of TestTheWorkersLockGoesWithAKilledProcess")
	}
	s, err := store.Open(context.Background(), url, storetest.Box(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LockWorkers(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute) // killed long before
}

// The migrations lock waits for its holder.
func TestTheMigrationsLockWaits(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "bcsync.db")
	a, b := openSQLite(t, url), openSQLite(t, url)
	unlock, err := a.LockMigrations()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		unlock, err := b.LockMigrations()
		if err == nil {
			unlock()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the second LockMigrations did not wait: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second LockMigrations still waits after the first let go")
	}
}

func openSQLite(t *testing.T, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url, storetest.Box(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
