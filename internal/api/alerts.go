package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/resource"
)

// alertRoutes adds /api/v1/alerts: channels, rules, the history of notifications, what holds now.
func (h *Handler) alertRoutes(route func(string, func(http.ResponseWriter, *http.Request) error)) {
	route("GET /api/v1/alerts/channels", h.listAlertChannels)
	route("POST /api/v1/alerts/channels", h.createAlertChannel)
	route("GET /api/v1/alerts/channels/{id}", h.getAlertChannel)
	route("DELETE /api/v1/alerts/channels/{id}", h.deleteAlertChannel)
	route("POST /api/v1/alerts/channels/{id}/test", h.testAlertChannel)
	route("GET /api/v1/alerts/rules", h.listAlertRules)
	route("POST /api/v1/alerts/rules", h.createAlertRule)
	route("DELETE /api/v1/alerts/rules/{id}", h.deleteAlertRule)
	route("GET /api/v1/alerts/history", h.listNotifications)
	route("GET /api/v1/alerts/history/{id}", h.getNotification)
	route("GET /api/v1/alerts/active", h.listActiveAlerts)
}

func (h *Handler) listAlertChannels(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.svc.Alerts.Channels(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.AlertChannel, len(cs))
	for i, c := range cs {
		out[i] = resource.NewAlertChannel(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
	return nil
}

// stringList takes a JSON string array or one comma-separated string, as "to" and "on" may come.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = strings.Split(one, ",")
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

func (h *Handler) createAlertChannel(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name       string     `json:"name"`
		Type       string     `json:"type"`
		URL        string     `json:"url"`
		RoutingKey string     `json:"routing_key"`
		SMTPURL    string     `json:"smtp_url"`
		From       string     `json:"from"`
		To         stringList `json:"to"`
		Secret     string     `json:"secret"`
		AccountSID string     `json:"account_sid"`
		AuthToken  string     `json:"auth_token"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: "name", Value: b.Name}, resource.Text{Field: "url", Value: b.URL},
		resource.Text{Field: "routing_key", Value: b.RoutingKey}, resource.Text{Field: "smtp_url", Value: b.SMTPURL},
		resource.Text{Field: "from", Value: b.From}, resource.Text{Field: "to", Value: strings.Join(b.To, ",")},
		resource.Text{Field: "secret", Value: b.Secret}, resource.Text{Field: "account_sid", Value: b.AccountSID},
		resource.Text{Field: "auth_token", Value: b.AuthToken}); err != nil {
		return err
	}
	c, err := h.svc.Alerts.AddChannel(r.Context(), b.Name, notify.Config{Type: notify.Type(b.Type), URL: b.URL, RoutingKey: b.RoutingKey,
		SMTPURL: b.SMTPURL, From: b.From, To: b.To, Secret: b.Secret, AccountSID: b.AccountSID, AuthToken: b.AuthToken})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resource.NewAlertChannel(c))
	return nil
}

func (h *Handler) getAlertChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.svc.Alerts.Channel(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewAlertChannel(c))
	return nil
}

func (h *Handler) deleteAlertChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Alerts.RemoveChannel(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testAlertChannel sends a test notification now: 200 with it when delivered, else 502
// channel_test_failed saying what the service answered.
func (h *Handler) testAlertChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.Alerts.Test(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewNotification(d, true))
	return nil
}

func (h *Handler) listAlertRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := h.svc.Alerts.Rules(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.AlertRule, len(rules))
	for i, rule := range rules {
		out[i] = resource.NewAlertRule(rule)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": out})
	return nil
}

func (h *Handler) createAlertRule(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		ChannelID        int64      `json:"channel_id"`
		SyncID           int64      `json:"sync_id"`
		All              bool       `json:"all"`
		On               stringList `json:"on"`
		RejectedWarning  float64    `json:"rejected_warning"`
		RejectedCritical float64    `json:"rejected_critical"`
		SlowFactor       float64    `json:"slow_factor"`
		StaleIntervals   float64    `json:"stale_intervals"`
		QuietS           *float64   `json:"quiet_s"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	in := alert.RuleInput{ChannelID: b.ChannelID, SyncID: b.SyncID, All: b.All, Conditions: b.On,
		Thresholds: alert.Thresholds{RejectedWarning: b.RejectedWarning, RejectedCritical: b.RejectedCritical, SlowFactor: b.SlowFactor, StaleIntervals: b.StaleIntervals}}
	if b.QuietS != nil {
		in.QuietSet, in.Thresholds.Quiet = true, time.Duration(*b.QuietS*float64(time.Second))
	}
	rule, err := h.svc.Alerts.AddRule(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resource.NewAlertRule(rule))
	return nil
}

func (h *Handler) deleteAlertRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Alerts.RemoveRule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listNotifications pages through the history, newest first: ?limit= (≤ 500), ?before=<id>, ?sync=<id>.
func (h *Handler) listNotifications(w http.ResponseWriter, r *http.Request) error {
	n, err := limit(r, 50, 500)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	syncID, err := queryInt(r, "sync", 0)
	if err != nil {
		return err
	}
	list, err := h.svc.Alerts.History(r.Context(), syncID, n+1, before)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(list) > n {
		list = list[:n]
		out["next_before"] = list[n-1].ID
	}
	items := make([]resource.Notification, len(list))
	for i, d := range list {
		items[i] = resource.NewNotification(d, false)
	}
	out["notifications"] = items
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.Alerts.Notification(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewNotification(d, true))
	return nil
}

func (h *Handler) listActiveAlerts(w http.ResponseWriter, r *http.Request) error {
	active, err := h.svc.Alerts.Active(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.ActiveAlert, len(active))
	for i, st := range active {
		out[i] = resource.NewActiveAlert(st)
	}
	writeJSON(w, http.StatusOK, map[string]any{"active": out})
	return nil
}
