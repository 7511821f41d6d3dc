package e2e

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
)

// Runs older than --keep-runs are deleted as each sync ends; the last sync stays whatever its age.
func TestOldRunsArePrunedAfterKeepRuns(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	runs := func() []resource.Run {
		var out []resource.Run
		if err := json.Unmarshal([]byte(w.bcsync("runs", strconv.FormatInt(id, 10), "--json")), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	w.sync(id)
	w.sync(id)
	if n := len(runs()); n != 2 {
		t.Fatalf("%d runs kept with the default retention, want 2", n)
	}
	time.Sleep(50 * time.Millisecond)
	last := parseRun(t, w.bcsync("sync", strconv.FormatInt(id, 10), "--wait", "--json", "--keep-runs", "10ms"))
	left := runs()
	if len(left) != 1 || left[0].ID != last.ID {
		t.Fatalf("runs after a sync with --keep-runs 10ms: %+v; want only run %d", left, last.ID)
	}
}
