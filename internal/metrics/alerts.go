package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

// alertStates are the states a notification tells (the state label).
var alertStates = []notify.State{notify.Triggered, notify.Resolved, notify.Test}

// alertCounters count the notifications whose delivery ended in this process: per process, like API
// calls, as each is counted once where it ended.
type alertCounters struct {
	sent, failed *prometheus.CounterVec
}

func newAlertCounters() alertCounters {
	c := alertCounters{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "alerts_sent_total",
			Help: "Notifications this process delivered, by channel type and state (triggered, resolved, test).",
		}, []string{"channel", "state"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "alerts_failed_total",
			Help: "Notifications this process gave up delivering (refused, or every attempt failed), by channel type and state.",
		}, []string{"channel", "state"}),
	}
	for _, t := range notify.Types {
		for _, s := range alertStates {
			c.sent.WithLabelValues(string(t), string(s))
			c.failed.WithLabelValues(string(t), string(s))
		}
	}
	return c
}

// AlertSent counts a delivered notification (alert.Outcomes).
func (m *Metrics) AlertSent(channelType, state string) {
	m.alerts.sent.WithLabelValues(channelLabel(channelType), stateLabel(state)).Inc()
}

// AlertFailed counts a notification given up (alert.Outcomes).
func (m *Metrics) AlertFailed(channelType, state string) {
	m.alerts.failed.WithLabelValues(channelLabel(channelType), stateLabel(state)).Inc()
}

func channelLabel(t string) string {
	for _, k := range notify.Types {
		if string(k) == t {
			return t
		}
	}
	return "other"
}

func stateLabel(s string) string {
	for _, k := range alertStates {
		if string(k) == s {
			return s
		}
	}
	return "other"
}

const familyAlerts = "alerts"

var alertsActiveDesc = prometheus.NewDesc("bcsync_alerts_active",
	"Conditions that hold now, by condition and severity, counted once per sync however many rules watch it. From the state database: the same in every process.",
	[]string{"condition", "severity"}, nil)

// alertsCollector reads the conditions that hold now at each scrape.
type alertsCollector struct {
	store interface {
		AlertCounts(ctx context.Context) (map[[2]string]int64, error)
	}
	db *dbCollector // counts a failed query in bcsync_scrape_errors_total
}

func newAlertsCollector(s *store.Store, db *dbCollector) *alertsCollector {
	db.errors.WithLabelValues(familyAlerts)
	return &alertsCollector{store: s, db: db}
}

func (c *alertsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- alertsActiveDesc }

func (c *alertsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	counts, err := c.store.AlertCounts(ctx)
	if err != nil {
		c.db.failed(familyAlerts, err)
		return
	}
	// Every condition at every severity, at zero when none holds: rules can compare with zero.
	for _, cond := range alert.Conditions {
		for _, sev := range []notify.Severity{notify.Warning, notify.Critical} {
			ch <- prometheus.MustNewConstMetric(alertsActiveDesc, prometheus.GaugeValue, float64(counts[[2]string{cond, string(sev)}]), cond, string(sev))
		}
	}
}
