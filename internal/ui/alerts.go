package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// registerAlerts adds the Alerts page: channels with send test, rules, what holds now and the history.
func (h *Handler) registerAlerts(mux *http.ServeMux) {
	mux.HandleFunc("GET /alerts", h.signedIn(h.alertsPage))
	mux.HandleFunc("POST /alerts/channels", h.signedIn(h.alertChannelCreate))
	mux.HandleFunc("POST /alerts/channels/{id}/test", h.signedIn(h.alertChannelTest))
	mux.HandleFunc("POST /alerts/channels/{id}/remove", h.signedIn(h.alertChannelRemove))
	mux.HandleFunc("POST /alerts/rules", h.signedIn(h.alertRuleCreate))
	mux.HandleFunc("POST /alerts/rules/{id}/remove", h.signedIn(h.alertRuleRemove))
	mux.HandleFunc("GET /alerts/notifications/{id}", h.signedIn(h.alertNotification))
}

// historyPage is how many notifications the page lists at once.
const historyPage = 25

// alertsView is the Alerts page.
type alertsView struct {
	Active     []activeRow
	Channels   []channelRow
	Rules      []ruleRow
	Syncs      []syncOption
	History    []historyRow
	Older      int64 // the before= of the next page of history; 0: none
	Types      []channelType
	Conditions []conditionLabel
	// The forms, kept when shown again with a problem (secrets are never written back).
	Channel channelForm
	Rule    ruleForm
}

type activeRow struct {
	State resource.ActiveAlert
	Sync  *store.Sync
	Path  string
}

type ruleRow struct {
	Rule       resource.AlertRule
	Channel    string
	Sync       string
	On         string
	Thresholds string
}

type channelRow struct {
	alert.Channel
	Title string // the type as people know it
}

type syncOption struct {
	Value, Label string
}

type historyRow struct {
	resource.Notification
	StateClass   string // the badge: the severity of an alert, else its state
	ChannelTitle string
}

type conditionLabel struct{ Name, Label string }

var conditionLabels = []conditionLabel{
	{alert.Failed, "A run failed"}, {alert.Rejected, "A run rejected records (share)"}, {alert.Blocked, "A run was blocked by its guard"},
	{alert.Slow, "A run is slow"}, {alert.Stale, "No successful run for several intervals"}, {alert.Credentials, "Credentials refused"},
	{alert.Webhooks, "The store's webhooks are deactivated or missing"},
}

// channelType is one kind of channel with the fields of its form.
type channelType struct {
	Type   notify.Type
	Title  string
	Hint   string
	Fields []channelField
}

type channelField struct {
	Name, Label, Hint, Kind, Placeholder string
	Secret                               bool // never written back into the page
}

var channelTypes = []channelType{
	{notify.TypeSlack, "Slack", "An incoming webhook of a Slack app (api.slack.com › Your apps › Incoming Webhooks): messages with the sync, the store, the figures and a link to the run.",
		[]channelField{{"url", "Webhook URL", "", "url", "https://hooks.slack.com/services/…", true}}},
	{notify.TypePagerDuty, "PagerDuty", "An Events API v2 integration of a PagerDuty service: an alert per sync and condition, resolved on recovery.",
		[]channelField{{"routing_key", "Integration key", "32 letters and digits.", "text", "", true}}},
	{notify.TypeSMS, "SMS (Twilio)", "A short text through Twilio's Messages API, to one number per channel.",
		[]channelField{{"account_sid", "Account SID", "", "text", "AC…", false}, {"auth_token", "Auth token", "", "password", "", true},
			{"from", "From", "A Twilio number, a messaging service SID (MG…) or a sender ID.", "text", "+14155550100", false},
			{"to", "To", "The number to text, in international form.", "tel", "+14155550123", false}}},
	{notify.TypeEmail, "Email", "Plain text and HTML over SMTP, with STARTTLS (smtp://, port 587) or implicit TLS (smtps://, port 465).",
		[]channelField{{"smtp_url", "SMTP server", "smtp://user:password@host:587 (percent-encode @ : / in the password).", "password", "smtp://user:password@smtp.example.com:587", true},
			{"from", "From", "", "text", "bcsync <alerts@example.com>", false},
			{"to", "To", "One or more addresses, separated by commas.", "text", "ops@example.com", false}}},
	{notify.TypeWebhook, "Webhook", "A JSON POST to an endpoint of yours, signed with X-Bcsync-Signature: sha256=<HMAC-SHA256 of the body>.",
		[]channelField{{"url", "URL", "", "url", "https://alerts.example.com/bcsync", true},
			{"secret", "Secret", "At least 16 characters, e.g. from openssl rand -hex 32; the receiver checks signatures with it.", "password", "", true}}},
}

// channelForm is the add-a-channel form that was posted.
type channelForm struct {
	Type    notify.Type
	Name    string
	Values  map[string]string // fields that are not secret
	Problem *resource.Problem
}

// ruleForm is the add-a-rule form that was posted.
type ruleForm struct {
	Channel    int64
	Sync       string // "all" or an id
	On         map[string]bool
	Warning    string
	Critical   string
	SlowFactor string
	Stale      string
	Quiet      string
	Problem    *resource.Problem
}

func defaultRuleForm() ruleForm {
	on := map[string]bool{}
	for _, c := range alert.Conditions {
		on[c] = true
	}
	d := alert.Defaults
	return ruleForm{Sync: "all", On: on, Warning: trimFloat(100 * d.RejectedWarning), Critical: trimFloat(100 * d.RejectedCritical),
		SlowFactor: trimFloat(d.SlowFactor), Stale: trimFloat(d.StaleIntervals), Quiet: strconv.Itoa(int(d.Quiet / time.Minute))}
}

// quietText writes a quiet period as people read it: 15m, 1h30m, none.
func quietText(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func (h *Handler) alertsPage(w http.ResponseWriter, r *http.Request) {
	h.showAlerts(w, r, http.StatusOK, alertsView{Rule: defaultRuleForm()})
}

func (h *Handler) showAlerts(w http.ResponseWriter, r *http.Request, status int, v alertsView) {
	ctx := r.Context()
	a := h.svc.Alerts
	channels, err := a.Channels(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, c := range channels {
		names[c.ID] = c.Name
		v.Channels = append(v.Channels, channelRow{Channel: c, Title: channelTitle(string(c.Type))})
	}
	all, err := h.svc.Store.Syncs(ctx, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	syncs := map[int64]*store.Sync{}
	for _, y := range all {
		syncs[y.ID] = y
		v.Syncs = append(v.Syncs, syncOption{Value: strconv.FormatInt(y.ID, 10), Label: syncLabel(y)})
	}
	rules, err := a.Rules(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, rule := range rules {
		rr := resource.NewAlertRule(rule)
		row := ruleRow{Rule: rr, Channel: names[rule.ChannelID], Sync: "Every sync", On: strings.Join(rule.Conditions, ", "),
			Thresholds: fmt.Sprintf("rejected %s%% / %s%%, slow at %s× the median, stale after %s intervals, quiet %s",
				trimFloat(100*rule.RejectedWarning), trimFloat(100*rule.RejectedCritical), trimFloat(rule.SlowFactor), trimFloat(rule.StaleIntervals),
				quietText(rule.Quiet))}
		if y := syncs[rule.SyncID]; y != nil {
			row.Sync = syncLabel(y)
		}
		v.Rules = append(v.Rules, row)
	}
	active, err := a.Active(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, st := range active {
		row := activeRow{State: resource.NewActiveAlert(st), Sync: syncs[st.SyncID]}
		if row.Sync != nil {
			row.Path = syncPath(row.Sync)
		}
		v.Active = append(v.Active, row)
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := a.History(ctx, 0, historyPage+1, before)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(list) > historyPage {
		list = list[:historyPage]
		v.Older = list[historyPage-1].ID
	}
	for _, d := range list {
		v.History = append(v.History, newHistoryRow(d))
	}
	v.Types, v.Conditions = channelTypes, conditionLabels
	h.render(w, r, status, "alerts", page{Title: "Alerts", Section: "alerts", Data: v})
}

func newHistoryRow(d *store.AlertDelivery) historyRow {
	row := historyRow{Notification: resource.NewNotification(d, false), StateClass: d.State, ChannelTitle: channelTitle(d.ChannelType)}
	if d.State == string(notify.Triggered) {
		row.StateClass = d.Severity
	}
	return row
}

// channelTitle is a channel type as people know it.
func channelTitle(t string) string {
	for _, ct := range channelTypes {
		if string(ct.Type) == t {
			return ct.Title
		}
	}
	return t
}

// syncLabel names a sync in lists: "Shop (Dotdigital, sync 1)".
func syncLabel(y *store.Sync) string {
	kind := "warehouse"
	if y.Kind == store.KindMarketing {
		kind = "Dotdigital"
	}
	return fmt.Sprintf("%s (%s, sync %d)", y.Name, kind, y.ID)
}

// syncPath is where the UI shows a sync: a connection's page, or its store's for other kinds.
func syncPath(y *store.Sync) string {
	if y.Kind == store.KindMarketing {
		return fmt.Sprintf("/connections/%d", y.ID)
	}
	return fmt.Sprintf("/stores/%d", y.StoreID)
}

func (h *Handler) alertChannelCreate(w http.ResponseWriter, r *http.Request) {
	f := channelForm{Type: notify.Type(r.PostFormValue("type")), Name: r.PostFormValue("name"), Values: map[string]string{}}
	cfg := notify.Config{Type: f.Type}
	for _, t := range channelTypes {
		if t.Type != f.Type {
			continue
		}
		for _, fd := range t.Fields {
			v := r.PostFormValue(fd.Name)
			if !fd.Secret {
				f.Values[fd.Name] = v
			}
			switch fd.Name {
			case "url":
				cfg.URL = v
			case "routing_key":
				cfg.RoutingKey = v
			case "account_sid":
				cfg.AccountSID = v
			case "auth_token":
				cfg.AuthToken = v
			case "from":
				cfg.From = v
			case "to":
				if strings.TrimSpace(v) != "" {
					cfg.To = []string{v}
				}
			case "smtp_url":
				cfg.SMTPURL = v
			case "secret":
				cfg.Secret = v
			}
		}
	}
	c, err := h.svc.Alerts.AddChannel(r.Context(), f.Name, cfg)
	if err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		f.Problem = p
		h.showAlerts(w, r, p.Status, alertsView{Channel: f, Rule: defaultRuleForm()})
		return
	}
	h.redirectWith(w, r, "/alerts#channels", "ok", fmt.Sprintf("Channel %s added: send it a test to check that notifications reach you.", c.Name))
}

func (h *Handler) alertChannelTest(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	d, err := h.svc.Alerts.Test(r.Context(), id)
	var te *alert.TestError
	switch {
	case errors.As(err, &te):
		h.redirectWith(w, r, "/alerts#history", "error", fmt.Sprintf("The test to %s was not delivered: %s", d.ChannelName, te.Err.Error()))
	case errors.Is(err, store.ErrNotFound):
		h.redirectWith(w, r, "/alerts#channels", "error", "That channel does not exist (any more).")
	case err != nil:
		h.fail(w, r, err)
	default:
		h.redirectWith(w, r, "/alerts#history", "ok", fmt.Sprintf("Test notification delivered to %s: check that it arrived.", d.ChannelName))
	}
}

func (h *Handler) alertChannelRemove(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := h.svc.Alerts.RemoveChannel(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.redirectWith(w, r, "/alerts#channels", "error", "That channel does not exist (any more).")
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/alerts#channels", "ok", "Channel removed with its rules; its notifications stay in the history.")
}

func (h *Handler) alertRuleCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := ruleForm{Sync: r.PostFormValue("sync"), On: map[string]bool{}, Warning: r.PostFormValue("rejected_warning"),
		Critical: r.PostFormValue("rejected_critical"), SlowFactor: r.PostFormValue("slow_factor"), Stale: r.PostFormValue("stale_intervals"),
		Quiet: r.PostFormValue("quiet")}
	f.Channel, _ = strconv.ParseInt(r.PostFormValue("channel"), 10, 64)
	in := alert.RuleInput{ChannelID: f.Channel, QuietSet: true}
	for _, c := range r.PostForm["on"] {
		f.On[c] = true
		in.Conditions = append(in.Conditions, c)
	}
	var problem *resource.Problem
	bad := func(field, msg string) {
		if problem == nil {
			problem = &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_alert", Message: msg, Field: field}
		}
	}
	number := func(field, v string, scale float64) float64 {
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
		if err != nil {
			bad(field, "Give a number.")
		}
		return n * scale
	}
	if f.Sync == "all" {
		in.All = true
	} else {
		in.SyncID, _ = strconv.ParseInt(f.Sync, 10, 64)
	}
	if len(in.Conditions) == 0 {
		bad("on", "Choose at least one condition to watch.")
	}
	in.Thresholds = alert.Thresholds{RejectedWarning: number("rejected_warning", f.Warning, 0.01), RejectedCritical: number("rejected_critical", f.Critical, 0.01),
		SlowFactor: number("slow_factor", f.SlowFactor, 1), StaleIntervals: number("stale_intervals", f.Stale, 1),
		Quiet: time.Duration(number("quiet", f.Quiet, float64(time.Minute)))}
	if problem == nil {
		rule, err := h.svc.Alerts.AddRule(r.Context(), in)
		if err == nil {
			h.redirectWith(w, r, "/alerts#rules", "ok", fmt.Sprintf("Rule added: it watches %s.", strings.Join(rule.Conditions, ", ")))
			return
		}
		if problem = resource.ProblemOf(err); problem.Status >= 500 {
			h.fail(w, r, err)
			return
		}
	}
	f.Problem = problem
	h.showAlerts(w, r, problem.Status, alertsView{Rule: f})
}

func (h *Handler) alertRuleRemove(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := h.svc.Alerts.RemoveRule(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.redirectWith(w, r, "/alerts#rules", "error", "That rule does not exist (any more).")
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirectWith(w, r, "/alerts#rules", "ok", "Rule removed: nothing more is sent for it.")
}

// notificationView is one notification: what it says, as text, and its last exchange.
type notificationView struct {
	N    historyRow
	Text string
	Sync *store.Sync
	Path string
	Call *alert.Call
}

func (h *Handler) alertNotification(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.notFound(w, r)
		return
	}
	d, err := h.svc.Alerts.Notification(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, _ := alert.MessageOf(d.Message)
	v := notificationView{N: newHistoryRow(d), Text: notify.Text(m)}
	if c, ok := alert.CallOf(d.LastCall); ok {
		v.Call = &c
	}
	if d.SyncID != 0 {
		if y, err := h.svc.Store.Sync(r.Context(), d.SyncID); err == nil {
			v.Sync, v.Path = y, syncPath(y)
		}
	}
	h.render(w, r, http.StatusOK, "alert_notification", page{Title: fmt.Sprintf("Notification %d", d.ID), Section: "alerts", Data: v})
}
