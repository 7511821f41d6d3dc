package resource

import (
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

// AlertChannel is where alerts go; its configuration, mostly secret, is never shown. Target says
// where without secrets: a URL's host, the numbers or addresses.
type AlertChannel struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Target    string    `json:"target"`
	CreatedAt time.Time `json:"created_at"`
}

// NewAlertChannel converts a channel.
func NewAlertChannel(c alert.Channel) AlertChannel {
	return AlertChannel{ID: c.ID, Name: c.Name, Type: string(c.Type), Target: c.Target, CreatedAt: c.CreatedAt}
}

// AlertRule makes a channel hear of conditions of one sync (SyncID) or of all (All, SyncID null).
type AlertRule struct {
	ID               int64     `json:"id"`
	ChannelID        int64     `json:"channel_id"`
	SyncID           *int64    `json:"sync_id"`
	All              bool      `json:"all"`
	On               []string  `json:"on"`
	RejectedWarning  float64   `json:"rejected_warning"`
	RejectedCritical float64   `json:"rejected_critical"`
	SlowFactor       float64   `json:"slow_factor"`
	StaleIntervals   float64   `json:"stale_intervals"`
	QuietS           float64   `json:"quiet_s"`
	CreatedAt        time.Time `json:"created_at"`
}

// NewAlertRule converts a rule.
func NewAlertRule(r *store.AlertRule) AlertRule {
	out := AlertRule{ID: r.ID, ChannelID: r.ChannelID, All: r.SyncID == 0, On: r.Conditions, RejectedWarning: r.RejectedWarning,
		RejectedCritical: r.RejectedCritical, SlowFactor: r.SlowFactor, StaleIntervals: r.StaleIntervals, QuietS: r.Quiet.Seconds(), CreatedAt: r.CreatedAt}
	if r.SyncID != 0 {
		id := r.SyncID
		out.SyncID = &id
	}
	if out.On == nil {
		out.On = []string{}
	}
	return out
}

// Notification is one alert, recovery or test sent (or being sent) to a channel, with how its
// delivery went: status queued, retrying, sent or failed.
type Notification struct {
	ID        int64                  `json:"id"`
	Channel   NotificationChannel    `json:"channel"`
	RuleID    *int64                 `json:"rule_id"`
	Sync      *notify.WebhookSync    `json:"sync"` // null for a test
	Store     string                 `json:"store,omitempty"`
	State     string                 `json:"state"`
	Condition string                 `json:"condition"`
	Severity  string                 `json:"severity"`
	Title     string                 `json:"title"`
	Message   string                 `json:"message"`
	Detail    string                 `json:"detail,omitempty"`
	Figures   []notify.WebhookFigure `json:"figures"`
	URL       string                 `json:"url"`
	Status    string                 `json:"status"`
	Attempts  int                    `json:"attempts"`
	Error     string                 `json:"error,omitempty"`
	CreatedAt time.Time              `json:"created_at"`
	SentAt    *time.Time             `json:"sent_at"`
	// Call is the last attempt's exchange, redacted (one notification asked for).
	Call *APICall `json:"call,omitempty"`
}

// NotificationChannel names the channel of a notification; ID is null once it was removed.
type NotificationChannel struct {
	ID   *int64 `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// NewNotification converts a notification; withCall adds its last exchange.
func NewNotification(d *store.AlertDelivery, withCall bool) Notification {
	m, _ := alert.MessageOf(d.Message)
	out := Notification{ID: d.ID, Channel: NotificationChannel{Name: d.ChannelName, Type: d.ChannelType}, Store: m.Store, State: d.State,
		Condition: d.Condition, Severity: d.Severity, Title: notify.Title(m), Message: m.Summary, Detail: m.Detail, URL: m.URL,
		Status: string(d.Status), Attempts: d.Attempts, Error: d.Error, CreatedAt: d.CreatedAt, Figures: []notify.WebhookFigure{}}
	if d.ChannelID != 0 {
		id := d.ChannelID
		out.Channel.ID = &id
	}
	if d.RuleID != 0 {
		id := d.RuleID
		out.RuleID = &id
	}
	if d.SyncID != 0 {
		out.Sync = &notify.WebhookSync{ID: d.SyncID, Name: m.Sync.Name, Kind: m.Sync.Kind}
	}
	for _, f := range m.Figures {
		out.Figures = append(out.Figures, notify.WebhookFigure{Label: f.Label, Value: f.Value})
	}
	if !d.SentAt.IsZero() {
		t := d.SentAt
		out.SentAt = &t
	}
	if c, ok := alert.CallOf(d.LastCall); ok && withCall {
		out.Call = &APICall{API: c.API, Method: c.Method, URL: c.URL, Status: c.Status, Error: c.Error, DurationMS: c.DurationMS,
			StartedAt: d.UpdatedAt, RequestHeaders: nonEmpty(c.RequestHeader), RequestBody: c.RequestBody,
			ResponseHeaders: nonEmpty(c.ResponseHeader), ResponseBody: c.ResponseBody}
	}
	return out
}

// ActiveAlert is a condition that holds now for a sync.
type ActiveAlert struct {
	SyncID    int64     `json:"sync_id"`
	Condition string    `json:"condition"`
	Severity  string    `json:"severity"`
	Since     time.Time `json:"since"`
	Message   string    `json:"message"`
	URL       string    `json:"url"`
}

// NewActiveAlert converts a state that holds.
func NewActiveAlert(st store.AlertState) ActiveAlert {
	m, _ := alert.MessageOf(st.Message)
	return ActiveAlert{SyncID: st.SyncID, Condition: st.Condition, Severity: st.Severity, Since: st.Since, Message: m.Summary, URL: m.URL}
}
