package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

func newAlertChannel(t *testing.T, s *store.Store, name string) *store.AlertChannel {
	t.Helper()
	c := &store.AlertChannel{Name: name, Type: "webhook", Config: `{"URL":"https://hooks.example.com/abc","Secret":"whsec-topsecret-0123456789"}`, Target: "hooks.example.com"}
	if err := s.CreateAlertChannel(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAlertChannelsAreSealedAndRulesCoverTheirSyncs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		conn := newConnection(t, s)
		other := &store.Sync{Kind: store.KindWarehouse, StoreID: conn.StoreID, Name: "Customers from the warehouse"}
		if err := s.CreateSync(ctx, other); err != nil {
			t.Fatal(err)
		}
		ch := newAlertChannel(t, s, "Ops hook")
		if err := s.CreateAlertChannel(ctx, &store.AlertChannel{Name: "Ops hook", Type: "slack", Config: "{}"}); !errors.Is(err, store.ErrExists) {
			t.Fatalf("a second channel of the same name: %v", err)
		}
		got, err := s.AlertChannel(ctx, ch.ID)
		if err != nil || got.Config != ch.Config || got.Target != "hooks.example.com" || got.Type != "webhook" {
			t.Fatalf("channel = %+v, %v", got, err)
		}
		var sealed string
		if err := s.DB().QueryRow(`SELECT config FROM alert_channels WHERE id = $1`, ch.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v2:") || strings.Contains(sealed, "topsecret") || strings.Contains(sealed, "hooks.example.com") {
			t.Fatalf("a channel's configuration is stored in the clear: %q", sealed)
		}

		if err := s.CreateAlertRule(ctx, &store.AlertRule{ChannelID: ch.ID + 100, Conditions: []string{"failed"}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rule of a missing channel: %v", err)
		}
		if err := s.CreateAlertRule(ctx, &store.AlertRule{ChannelID: ch.ID, SyncID: other.ID + 100, Conditions: []string{"failed"}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a rule of a missing sync: %v", err)
		}
		own := &store.AlertRule{ChannelID: ch.ID, SyncID: conn.ID, Conditions: []string{"failed", "rejected"}, RejectedWarning: 0.01,
			RejectedCritical: 0.1, SlowFactor: 3, StaleIntervals: 3, Quiet: 15 * time.Minute}
		all := &store.AlertRule{ChannelID: ch.ID, Conditions: []string{"stale"}, Quiet: time.Minute}
		for _, r := range []*store.AlertRule{own, all} {
			if err := s.CreateAlertRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		rules, err := s.AlertRulesFor(ctx, conn.ID)
		if err != nil || len(rules) != 2 || rules[0].ID != own.ID || rules[0].Quiet != 15*time.Minute ||
			strings.Join(rules[0].Conditions, ",") != "failed,rejected" || rules[0].RejectedCritical != 0.1 || rules[1].SyncID != 0 {
			t.Fatalf("rules of the connection = %+v, %v", rules, err)
		}
		if rules, err := s.AlertRulesFor(ctx, other.ID); err != nil || len(rules) != 1 || rules[0].ID != all.ID {
			t.Fatalf("rules of the other sync = %+v, %v", rules, err)
		}

		// Removing the channel removes its rules, not its history.
		d := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, State: "test", Message: "{}"}
		if err := s.AddAlertDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAlertChannel(ctx, ch.ID); err != nil {
			t.Fatal(err)
		}
		if rules, err := s.AlertRules(ctx); err != nil || len(rules) != 0 {
			t.Fatalf("rules after the channel was removed: %+v, %v", rules, err)
		}
		kept, err := s.AlertDelivery(ctx, d.ID)
		if err != nil || kept.ChannelID != 0 || kept.ChannelName != "Ops hook" || kept.SyncID != 0 {
			t.Fatalf("the history of a removed channel = %+v, %v", kept, err)
		}
	})
}

func TestANotificationIsQueuedOnceWithItsStateChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		conn := newConnection(t, s)
		ch := newAlertChannel(t, s, "hook")
		rule := &store.AlertRule{ChannelID: ch.ID, SyncID: conn.ID, Conditions: []string{"failed"}}
		if err := s.CreateAlertRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		since := time.Now().UTC().Truncate(time.Millisecond)
		st := store.AlertState{RuleID: rule.ID, SyncID: conn.ID, Condition: "failed", Severity: "critical", Since: since, Message: `{"summary":"run 3 failed"}`}
		if err := s.SaveAlertState(ctx, st); err != nil {
			t.Fatal(err)
		}
		states, err := s.AlertStates(ctx, conn.ID)
		if err != nil || len(states) != 1 || states[0].Severity != "critical" || !states[0].Since.Equal(since) || states[0].Version != 0 {
			t.Fatalf("states = %+v, %v", states, err)
		}
		st = states[0]

		// Two processes decide to tell the channel at once: one does.
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, enqueued := 0, []int64{}
		for range 2 {
			wg.Go(func() {
				d := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, RuleID: rule.ID, SyncID: conn.ID,
					State: "triggered", Condition: "failed", Severity: "critical", Message: st.Message}
				ok, err := s.NotifyAlert(ctx, st, "critical", since, d, func(ctx context.Context, tx *sql.Tx, id int64) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_deliveries WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
						t.Errorf("the delivery is not visible to the enqueue's transaction: %d %v", n, err)
					}
					mu.Lock()
					enqueued = append(enqueued, id)
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if won != 1 || len(enqueued) != 1 {
			t.Fatalf("%d notifications won and %d were enqueued, want 1 and 1", won, len(enqueued))
		}
		states, _ = s.AlertStates(ctx, conn.ID)
		if states[0].NotifiedSeverity != "critical" || !states[0].NotifiedAt.Equal(since) || states[0].Version != 1 {
			t.Fatalf("after the notification: %+v", states[0])
		}
		// What is true now changes without touching what was notified.
		st = states[0]
		st.Severity, st.Message = "", `{"summary":"run 4 succeeded"}`
		if err := s.SaveAlertState(ctx, st); err != nil {
			t.Fatal(err)
		}
		if active, err := s.ActiveAlerts(ctx); err != nil || len(active) != 0 {
			t.Fatalf("active alerts once resolved: %+v, %v", active, err)
		}
		states, _ = s.AlertStates(ctx, conn.ID)
		if states[0].NotifiedSeverity != "critical" || states[0].Version != 1 {
			t.Fatalf("saving what is true changed what was notified: %+v", states[0])
		}

		// A failed enqueue leaves nothing behind: no state change, no delivery.
		refused := errors.New("queue refused")
		d := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, RuleID: rule.ID, SyncID: conn.ID, State: "resolved", Message: "{}"}
		if _, err := s.NotifyAlert(ctx, states[0], "", time.Now(), d, func(context.Context, *sql.Tx, int64) error { return refused }); !errors.Is(err, refused) {
			t.Fatalf("a refused enqueue: %v", err)
		}
		states, _ = s.AlertStates(ctx, conn.ID)
		list, _ := s.AlertDeliveries(ctx, conn.ID, 10, 0)
		if states[0].NotifiedSeverity != "critical" || states[0].Version != 1 || len(list) != 1 {
			t.Fatalf("a refused enqueue left %+v and %d deliveries", states[0], len(list))
		}

		// A later notification of the same condition waits while this one is not delivered.
		later := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, RuleID: rule.ID, SyncID: conn.ID,
			State: "resolved", Condition: "failed", Message: "{}"}
		if err := s.AddAlertDelivery(ctx, later); err != nil {
			t.Fatal(err)
		}
		if pending, err := s.EarlierAlertDeliveryPending(ctx, later); err != nil || !pending {
			t.Fatalf("an earlier notification is queued: pending = %v, %v", pending, err)
		}
		if pending, err := s.EarlierAlertDeliveryPending(ctx, list[0]); err != nil || pending {
			t.Fatalf("the first notification waits for nothing: pending = %v, %v", pending, err)
		}

		// Delivery outcomes are saved; old finished ones are pruned, unfinished ones stay.
		sent := list[0]
		sent.Status, sent.Attempts, sent.SentAt, sent.LastCall = store.DeliverySent, 2, time.Now(), `{"status":200}`
		if err := s.UpdateAlertDelivery(ctx, sent); err != nil {
			t.Fatal(err)
		}
		if pending, err := s.EarlierAlertDeliveryPending(ctx, later); err != nil || pending {
			t.Fatalf("the earlier notification was sent: pending = %v, %v", pending, err)
		}
		later.Status = store.DeliverySent
		s.UpdateAlertDelivery(ctx, later)
		got, err := s.AlertDelivery(ctx, sent.ID)
		if err != nil || got.Status != store.DeliverySent || got.Attempts != 2 || got.SentAt.IsZero() || got.LastCall != `{"status":200}` || got.SyncID != conn.ID {
			t.Fatalf("delivery = %+v, %v", got, err)
		}
		waiting := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, SyncID: conn.ID, State: "triggered", Message: "{}",
			Status: store.DeliveryRetrying}
		if err := s.AddAlertDelivery(ctx, waiting); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PruneAlertDeliveries(ctx, time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Fatalf("pruned %d, %v; want the two sent ones only", n, err)
		}
		if list, _ := s.AlertDeliveries(ctx, 0, 10, 0); len(list) != 1 || list[0].ID != waiting.ID {
			t.Fatalf("after pruning: %+v", list)
		}

		// Removing the sync removes its rules, states and history.
		if err := s.DeleteSync(ctx, conn.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.AlertDeliveries(ctx, 0, 10, 0); len(list) != 0 {
			t.Fatalf("the history of a removed sync stayed: %+v", list)
		}
		if rules, _ := s.AlertRules(ctx); len(rules) != 0 {
			t.Fatalf("the rules of a removed sync stayed: %+v", rules)
		}
	})
}

func TestActiveAlertsAreCountedOncePerSync(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		conn := newConnection(t, s)
		ch := newAlertChannel(t, s, "hook")
		var rules []*store.AlertRule
		for range 2 {
			r := &store.AlertRule{ChannelID: ch.ID, Conditions: []string{"failed", "stale"}}
			if err := s.CreateAlertRule(ctx, r); err != nil {
				t.Fatal(err)
			}
			rules = append(rules, r)
		}
		for _, r := range rules {
			s.SaveAlertState(ctx, store.AlertState{RuleID: r.ID, SyncID: conn.ID, Condition: "failed", Severity: "critical"})
			s.SaveAlertState(ctx, store.AlertState{RuleID: r.ID, SyncID: conn.ID, Condition: "stale"})
		}
		counts, err := s.AlertCounts(ctx)
		if err != nil || len(counts) != 1 || counts[[2]string{"failed", "critical"}] != 1 {
			t.Fatalf("counts = %v, %v", counts, err)
		}
		if active, err := s.ActiveAlerts(ctx); err != nil || len(active) != 2 {
			t.Fatalf("active = %+v, %v", active, err)
		}
	})
}

func TestLastSucceededRunAndRejectedReasons(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		conn := newConnection(t, s)
		if r, err := s.LastSucceededRun(ctx, conn.ID); err != nil || r != nil {
			t.Fatalf("a sync without runs: %+v, %v", r, err)
		}
		var ids []int64
		for _, status := range []store.RunStatus{store.RunSucceeded, store.RunPartial, store.RunFailed, store.RunBlocked} {
			run, err := s.StartRun(ctx, conn.ID, "manual", []string{"customers"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishRun(ctx, run.ID, status, ""); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, run.ID)
		}
		if r, err := s.LastSucceededRun(ctx, conn.ID); err != nil || r == nil || r.ID != ids[1] || r.Status != store.RunPartial {
			t.Fatalf("last succeeded = %+v, %v; want the partial run %d", r, err, ids[1])
		}
		if r, err := s.LastFinishedRun(ctx, conn.ID); err != nil || r.ID != ids[3] || r.Status != store.RunBlocked {
			t.Fatalf("a blocked run is finished: %+v, %v", r, err)
		}
		var rs []store.Rejected
		for i, reason := range []string{"InvalidEmail", "Refused", "InvalidEmail", "InvalidEmail", "Refused", "TooLong"} {
			rs = append(rs, store.Rejected{SyncID: conn.ID, RunID: ids[1], Stream: "customers", Key: string(rune('a' + i)), Reason: reason})
		}
		rs = append(rs, store.Rejected{SyncID: conn.ID, RunID: ids[0], Stream: "customers", Key: "z", Reason: "Elsewhere"})
		if err := s.AddRejected(ctx, rs); err != nil {
			t.Fatal(err)
		}
		reasons, err := s.RejectedReasons(ctx, ids[1], 2)
		if err != nil || len(reasons) != 2 || reasons[0] != (store.ReasonCount{Reason: "InvalidEmail", Count: 3}) || reasons[1] != (store.ReasonCount{Reason: "Refused", Count: 2}) {
			t.Fatalf("reasons = %+v, %v", reasons, err)
		}
	})
}
