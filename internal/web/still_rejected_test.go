package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

// Records refused before and unchanged since are told apart from this run's rejections on the store
// tab, the runs list and the run's page.
func TestPagesTellStillRejectedRecordsApartFromThisRunsRejections(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	ctx := context.Background()
	st := s.env.Services.Store
	run, err := st.StartRun(ctx, c.ID, "manual", []string{"subscribers"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveStreamCounts(ctx, run.ID, store.StreamCounts{Stream: "subscribers", State: "done", Read: 12, Unchanged: 9, StillRejected: 3, Total: -1}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run.ID, store.RunSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	s.signIn()
	for path, want := range map[string]string{
		fmt.Sprintf("/connections/%d", c.ID):                 "0 rejected, 3 still rejected",
		fmt.Sprintf("/connections/%d/runs", c.ID):            "3 still",
		fmt.Sprintf("/connections/%d/runs/%d", c.ID, run.ID): "Still rejected",
	} {
		status, page := s.get(path)
		if status != http.StatusOK || !strings.Contains(page, want) || (strings.Contains(path, "/runs/") && !strings.Contains(page, `<td class="num">3</td>`)) {
			t.Errorf("%s (%d) does not say %q", path, status, want)
		}
	}
}
