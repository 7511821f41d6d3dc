package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// `bcsync runs` and the summary of `bcsync sync --wait` number a connection's runs from 1, however
// many runs other connections had; the table also gives the id that --run options take.
func TestASecondConnectionsFirstRunIsRun1InTheCLI(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	first, second := storetest.NewConnection(t, st), storetest.NewConnection(t, st)
	var last *store.Run
	for _, syncID := range []int64{first.ID, first.ID, second.ID} {
		r, err := st.StartRun(ctx, syncID, "manual", []string{"customers"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, r.ID, store.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		last = r
	}
	runs, err := st.Runs(ctx, second.ID, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	cli.Runs(&table, runs)
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(strings.Join(strings.Fields(lines[0]), " "), "RUN ID TRIGGER") {
		t.Fatalf("runs table:\n%s", table.String())
	}
	if row, want := strings.Fields(lines[1]), []string{"1", fmt.Sprint(last.ID), "manual", "succeeded"}; strings.Join(row[:4], " ") != strings.Join(want, " ") {
		t.Fatalf("runs row %q, want it to start %q", lines[1], want)
	}

	got, err := st.Run(ctx, last.ID)
	if err != nil {
		t.Fatal(err)
	}
	var summary bytes.Buffer
	cli.Summary(&summary, got)
	if !strings.HasPrefix(summary.String(), "run 1 succeeded in ") {
		t.Fatalf("summary %q, want it to start %q", summary.String(), "run 1 succeeded in ")
	}
}
