package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// A connection's runs are numbered from 1 on its pages, however many runs other connections had:
// the headings, the runs list, the chart, the rejected records and the API calls say the number, and
// the links still take the run's id.
func TestASecondConnectionsFirstRunReadsRun1(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	st := s.env.Services.Store
	first, second := storetest.NewConnection(t, st), storetest.NewConnection(t, st)
	run := func(syncID int64) *store.Run {
		r, err := st.StartRun(ctx, syncID, "manual", []string{"customers"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, r.ID, store.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	run(first.ID)
	run(first.ID)
	r := run(second.ID)
	if err := st.AddRejected(ctx, []store.Rejected{{SyncID: second.ID, RunID: r.ID, Stream: "customers", Key: "101",
		Email: "bad@example.com", Reason: "InvalidEmail"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddAPICalls(ctx, []store.APICall{{SyncID: second.ID, RunID: r.ID, API: "bigcommerce", Method: "GET",
		URL: "https://api.bigcommerce.com/stores/abc123/v3/customers", Status: 200, StartedAt: time.Now()}}, 100); err != nil {
		t.Fatal(err)
	}
	if r.ID < 3 {
		t.Fatalf("the second connection's run has id %d: the test needs ids that differ from numbers", r.ID)
	}

	status, page := s.get(fmt.Sprintf("/connections/%d/runs/%d", second.ID, r.ID))
	if status != 200 {
		t.Fatalf("run page: %d", status)
	}
	see(t, page, "Run 1 succeeded")
	if strings.Contains(text(page), fmt.Sprintf("Run %d ", r.ID)) {
		t.Fatalf("the run page names the run by its id %d:\n%s", r.ID, text(page))
	}

	status, page = s.get(fmt.Sprintf("/connections/%d/runs", second.ID))
	if status != 200 {
		t.Fatalf("runs page: %d", status)
	}
	if link := fmt.Sprintf(`<a href="/connections/%d/runs/%d">1</a>`, second.ID, r.ID); !strings.Contains(page, link) {
		t.Fatalf("the runs list has no link %s:\n%s", link, page)
	}
	see(t, page, "Run 1, ")

	link := fmt.Sprintf(`<a href="/connections/%d/runs/%d">1</a>`, second.ID, r.ID)
	for _, path := range []string{"rejected", "debugger"} {
		status, page = s.get(fmt.Sprintf("/connections/%d/%s", second.ID, path))
		if status != 200 || !strings.Contains(page, link) {
			t.Fatalf("%s: %d, no link %s:\n%s", path, status, link, page)
		}
	}
	calls, err := st.APICalls(ctx, second.ID, store.APICallFilter{})
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %+v, %v", calls, err)
	}
	status, page = s.get(fmt.Sprintf("/connections/%d/debugger/%d", second.ID, calls[0].ID))
	if status != 200 || !strings.Contains(page, link) {
		t.Fatalf("the call's page: %d, no link %s:\n%s", status, link, page)
	}
}
