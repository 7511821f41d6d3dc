package alert

import (
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

var now = time.Date(2026, 8, 20, 14, 0, 0, 0, time.UTC)

// run is a finished run that took took and ended ago before now, with one part's counts.
// run makes the sync's run number n; its id is another database-wide number, as it is once other
// syncs have run: messages say the number, links take the id.
func run(n int64, status store.RunStatus, ago, took time.Duration, sent, rejected int64) *store.Run {
	end := now.Add(-ago)
	r := &store.Run{ID: 100 + n, Number: n, SyncID: 7, TriggeredBy: "schedule", Status: status, StartedAt: end.Add(-took), FinishedAt: end,
		Streams: []store.StreamCounts{{Stream: "customers", Read: sent + rejected, Sent: sent, Rejected: rejected}}}
	if status == store.RunRunning {
		r.FinishedAt = time.Time{}
		r.StartedAt = now.Add(-took)
	}
	return r
}

func newFacts(runs ...*store.Run) *facts {
	f := &facts{now: now, publicURL: "https://bcsync.example.com",
		sync: &store.Sync{ID: 7, StoreID: 3, Kind: store.KindMarketing, Name: "Shop", Enabled: true, Status: store.StatusOK, Interval: 5 * time.Minute,
			CreatedAt: now.Add(-48 * time.Hour)},
		shop: &store.Shop{ID: 3, Name: "Müller & Søn", Status: store.StatusOK, WebhooksURL: "https://bcsync.example.com/webhooks/bigcommerce/3"},
		runs: runs}
	for _, r := range runs {
		if r.Status == store.RunSucceeded || r.Status == store.RunPartial {
			f.succeeded = r
			break
		}
	}
	return f
}

func TestConditions(t *testing.T) {
	th := Defaults
	usual := func(from int64) []*store.Run { // five runs of two minutes that succeeded, before id from
		var rs []*store.Run
		for i := int64(1); i <= 5; i++ {
			rs = append(rs, run(from-i, store.RunSucceeded, time.Duration(i)*10*time.Minute, 2*time.Minute, 10, 0))
		}
		return rs
	}
	cases := []struct {
		name    string
		cond    string
		f       *facts
		applies bool
		want    notify.Severity
		says    string
	}{
		{"a failed run", Failed, newFacts(run(9, store.RunFailed, time.Minute, time.Second, 0, 0)), true, notify.Critical, "Run #9 failed."},
		{"the run going on does not count", Failed, newFacts(run(10, store.RunRunning, 0, time.Second, 0, 0), run(9, store.RunFailed, time.Minute, time.Second, 0, 0)), true, notify.Critical, "Run #9 failed."},
		{"a run that succeeded", Failed, newFacts(run(9, store.RunSucceeded, time.Minute, time.Second, 5, 0)), true, "", "Run #9 succeeded."},
		{"no run yet", Failed, newFacts(), true, "", ""},

		{"under 1% rejected", Rejected, newFacts(run(9, store.RunPartial, time.Minute, time.Second, 996, 4)), true, "", "4 of 1,000 records (0.4%), under 1%"},
		{"1% rejected", Rejected, newFacts(run(9, store.RunPartial, time.Minute, time.Second, 990, 10)), true, notify.Warning, "10 of 1,000 records (1%), at least 1%"},
		{"10% rejected", Rejected, newFacts(run(9, store.RunPartial, time.Minute, time.Second, 900, 100)), true, notify.Critical, "100 of 1,000 records (10%), at least 10%"},
		{"nothing tried", Rejected, newFacts(run(9, store.RunSucceeded, time.Minute, time.Second, 0, 0)), true, "", "0 of 0 records"},

		{"a blocked run", Blocked, newFacts(run(9, store.RunBlocked, time.Minute, time.Second, 0, 0)), true, notify.Warning, "stopped by its guard"},
		{"approved and run", Blocked, newFacts(run(10, store.RunSucceeded, 0, time.Second, 1, 0), run(9, store.RunBlocked, time.Minute, time.Second, 0, 0)), true, "", "Run #10 succeeded."},

		{"a run three times and a half as long", Slow, newFacts(append([]*store.Run{run(20, store.RunSucceeded, 0, 7*time.Minute, 10, 0)}, usual(20)...)...), true, notify.Warning, "took 7m 0s, 3.5 times the usual 2m 0s"},
		{"a run as long as usual", Slow, newFacts(append([]*store.Run{run(20, store.RunSucceeded, 0, 5*time.Minute, 10, 0)}, usual(20)...)...), true, "", "took 5m 0s, as usual"},
		{"a run going on far too long", Slow, newFacts(append([]*store.Run{run(21, store.RunRunning, 0, 10*time.Minute, 0, 0), run(20, store.RunSucceeded, time.Minute, 2*time.Minute, 10, 0)}, usual(20)...)...), true, notify.Warning, "has been running for 10m 0s"},
		{"too few runs to know what is usual", Slow, newFacts(run(20, store.RunSucceeded, 0, time.Hour, 10, 0), run(19, store.RunSucceeded, time.Hour, time.Minute, 10, 0)), true, "", ""},

		{"stale after three intervals", Stale, func() *facts {
			f := newFacts(run(9, store.RunFailed, time.Minute, time.Second, 0, 0), run(8, store.RunSucceeded, 16*time.Minute, time.Second, 1, 0))
			return f
		}(), true, notify.Critical, "No successful run for 16m 0s since run #8, more than 3 intervals of 5m 0s."},
		{"within three intervals", Stale, newFacts(run(8, store.RunSucceeded, 14*time.Minute, time.Second, 1, 0)), true, "", "Run #8 succeeded"},
		{"a sync turned off is not stale", Stale, func() *facts { f := newFacts(); f.sync.Enabled = false; return f }(), true, "", ""},
		{"a sync run by hand is not stale", Stale, func() *facts { f := newFacts(); f.sync.Interval = 0; return f }(), true, "", ""},
		{"never succeeded since it was created", Stale, newFacts(run(1, store.RunFailed, time.Minute, time.Second, 0, 0)), true, notify.Critical, "since the sync was created"},
		{"its first run goes on", Stale, newFacts(run(1, store.RunRunning, 0, time.Hour, 0, 0)), true, "", ""},
		{"a cron schedule's interval", Stale, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 35*time.Minute, time.Second, 1, 0))
			f.sync.Interval, f.sync.Cron = 0, "*/10 * * * *"
			return f
		}(), true, notify.Critical, "more than 3 intervals of 10m 0s"},

		{"the store's token refused", Credentials, func() *facts {
			f := newFacts()
			f.shop.Status, f.shop.StatusMessage = store.StatusNeedsAttention, "bigcommerce: 401"
			return f
		}(), true, notify.Critical, "BigCommerce refused the store's credentials"},
		{"the sync's password refused", Credentials, func() *facts {
			f := newFacts()
			f.sync.Status, f.sync.StatusMessage = store.StatusNeedsAttention, "dotdigital: 401"
			return f
		}(), true, notify.Critical, "The sync's credentials were refused"},
		{"credentials accepted", Credentials, newFacts(), true, "", "accepted again"},

		{"webhooks not read this time", Webhooks, newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0)), false, "", ""},
		{"a warehouse sync has no webhooks", Webhooks, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0))
			f.sync.Kind, f.hooks = store.KindWarehouse, &hookFacts{}
			return f
		}(), false, "", ""},
		{"no public URL, no webhooks", Webhooks, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0))
			f.publicURL, f.hooks = "", &hookFacts{}
			return f
		}(), false, "", ""},
		{"webhooks not registered", Webhooks, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0))
			f.shop.WebhooksURL, f.hooks = "", &hookFacts{}
			return f
		}(), true, notify.Warning, "not registered"},
		{"webhooks deactivated", Webhooks, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0))
			f.hooks = &hookFacts{expected: []string{"a", "b", "c"}, inactive: []string{"b"}, missing: []string{"c"}}
			return f
		}(), true, notify.Warning, "2 of the store's 3 webhooks do not deliver"},
		{"webhooks active", Webhooks, func() *facts {
			f := newFacts(run(8, store.RunSucceeded, 0, time.Second, 1, 0))
			f.hooks = &hookFacts{expected: []string{"a", "b"}}
			return f
		}(), true, "", "The store's 2 webhooks are active."},
	}
	for _, c := range cases {
		o, applies := observe(c.cond, c.f, th)
		if applies != c.applies {
			t.Errorf("%s: applies = %v, want %v", c.name, applies, c.applies)
			continue
		}
		if o.severity != c.want {
			t.Errorf("%s: severity %q, want %q (%s)", c.name, o.severity, c.want, o.msg.Summary)
		}
		if !strings.Contains(o.msg.Summary, c.says) {
			t.Errorf("%s: says %q, want it to say %q", c.name, o.msg.Summary, c.says)
		}
		if applies && (o.msg.Condition != c.cond || o.msg.Sync.ID != 7 || o.msg.Store != "Müller & Søn" || o.msg.Severity != c.want) {
			t.Errorf("%s: the message does not name its condition, sync and store: %+v", c.name, o.msg)
		}
	}
}

func TestAMessageLinksToItsRunAndSaysWhyRecordsWereRejected(t *testing.T) {
	f := newFacts(run(9, store.RunPartial, time.Minute, 4*time.Minute+10*time.Second, 1188, 12))
	f.reasons = []store.ReasonCount{{Reason: "InvalidEmail", Count: 8}, {Reason: "Refused", Count: 4}}
	o, _ := observe(Rejected, f, Defaults)
	if o.msg.URL != "https://bcsync.example.com/connections/7/runs/109" {
		t.Errorf("url = %q", o.msg.URL)
	}
	if !strings.Contains(o.msg.Detail, "InvalidEmail (8), Refused (4)") {
		t.Errorf("detail = %q", o.msg.Detail)
	}
	figs := map[string]string{}
	for _, fig := range o.msg.Figures {
		figs[fig.Label] = fig.Value
	}
	if figs["Rejected"] != "12 of 1,200 records (1%)" || figs["Duration"] != "4m 10s" || figs["Run"] != "#9 (schedule), partial" {
		t.Errorf("figures = %v", figs)
	}
	f.publicURL = ""
	if o, _ := observe(Rejected, f, Defaults); o.msg.URL != "" {
		t.Errorf("without a public URL, a link: %q", o.msg.URL)
	}
	f.publicURL, f.sync.Kind = "https://bcsync.example.com/", store.KindWarehouse
	if o, _ := observe(Rejected, f, Defaults); o.msg.URL != "https://bcsync.example.com/warehouse/syncs/7/runs/109" {
		t.Errorf("a warehouse sync's link: %q", o.msg.URL)
	}
}

// Runs of webhooks' changes take seconds; a full read of the same sync is not judged slow against them,
// nor one of them against full reads.
func TestAFullReadIsNotSlowAgainstRunsOfChanges(t *testing.T) {
	var runs []*store.Run
	full := run(20, store.RunSucceeded, time.Minute, 3*time.Minute, 10, 0) // the newest: a full read of 3 minutes
	runs = append(runs, full)
	for i := int64(19); i >= 10; i-- {
		r := run(i, store.RunSucceeded, time.Duration(25-i)*time.Minute, 5*time.Second, 1, 0)
		r.TriggeredBy = marketing.TriggerChanges
		runs = append(runs, r)
	}
	for i := int64(9); i >= 6; i-- {
		runs = append(runs, run(i, store.RunSucceeded, time.Duration(60-i)*time.Minute, 2*time.Minute+50*time.Second, 10, 0))
	}
	median, ok := medianBefore(runs, full)
	if !ok || median != 2*time.Minute+50*time.Second {
		t.Fatalf("the full read's usual duration: %s %v, want the full reads' 2m50s", median, ok)
	}
	if isSlow(full.FinishedAt.Sub(full.StartedAt), median, Defaults) {
		t.Error("a full read of 3 minutes is slow against full reads of 2m50s")
	}
	if m, ok := medianBefore(runs, runs[1]); !ok || m != 5*time.Second {
		t.Errorf("a run of changes' usual duration: %s %v, want the runs of changes' 5s", m, ok)
	}
}
