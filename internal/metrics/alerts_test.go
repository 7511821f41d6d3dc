package metrics

import (
	"context"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

func TestAlertsSentAndFailedAreCountedAndActiveOnesReadFromTheState(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	conn := newConnection(t, s)
	ch := &store.AlertChannel{Name: "ops", Type: "slack", Config: "{}"}
	if err := s.CreateAlertChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	// Two rules see the same failure: it is one condition of one sync.
	for range 2 {
		r := &store.AlertRule{ChannelID: ch.ID, SyncID: conn.ID, Conditions: []string{"failed", "rejected"}}
		if err := s.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		s.SaveAlertState(ctx, store.AlertState{RuleID: r.ID, SyncID: conn.ID, Condition: "failed", Severity: "critical"})
		s.SaveAlertState(ctx, store.AlertState{RuleID: r.ID, SyncID: conn.ID, Condition: "rejected"})
	}
	m := New(s)
	m.AlertSent("slack", "triggered")
	m.AlertSent("slack", "triggered")
	m.AlertSent("webhook", "resolved")
	m.AlertFailed("pagerduty", "triggered")
	m.AlertFailed("carrier-pigeon", "panicked")
	expectLines(t, scrape(t, m),
		`bcsync_alerts_sent_total{channel="slack",state="triggered"} 2`,
		`bcsync_alerts_sent_total{channel="webhook",state="resolved"} 1`,
		`bcsync_alerts_sent_total{channel="email",state="test"} 0`,
		`bcsync_alerts_failed_total{channel="pagerduty",state="triggered"} 1`,
		`bcsync_alerts_failed_total{channel="other",state="other"} 1`,
		`bcsync_alerts_active{condition="failed",severity="critical"} 1`,
		`bcsync_alerts_active{condition="rejected",severity="warning"} 0`,
		`bcsync_alerts_active{condition="webhooks",severity="warning"} 0`,
		`bcsync_scrape_errors_total{family="alerts"} 0`,
	)
	s.Close()
	lines := scrape(t, m)
	expectLines(t, lines, `bcsync_scrape_errors_total{family="alerts"} 1`, `bcsync_alerts_sent_total{channel="slack",state="triggered"} 2`)
	expectNoMetric(t, lines, "bcsync_alerts_active")
}
