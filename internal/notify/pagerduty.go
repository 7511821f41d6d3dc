package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// PagerDutyConfig is an Events API v2 integration.
type PagerDutyConfig struct {
	RoutingKey string // the integration key: 32 characters
}

func (c PagerDutyConfig) problems() []error {
	k := strings.TrimSpace(c.RoutingKey)
	switch {
	case k == "":
		return []error{errorf("a PagerDuty channel needs --routing-key, the integration key of an Events API v2 integration (32 characters)")}
	case len(k) != 32 || strings.ContainsFunc(k, func(r rune) bool { return !isAlnum(r) }):
		return []error{errorf("the PagerDuty --routing-key must be the 32 letters and digits of an Events API v2 integration key (this one has %d characters)", len(k))}
	}
	return nil
}

func (c PagerDutyConfig) secrets() []string { return []string{strings.TrimSpace(c.RoutingKey)} }

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// DefaultPagerDutyURL is the Events API's base.
const DefaultPagerDutyURL = "https://events.pagerduty.com"

// PagerDuty sends Events API v2 events: a trigger for a triggered or test message, a resolve for a
// resolved one, with the message's dedup key, so PagerDuty opens one alert per sync and condition and
// closes it when the condition ends.
type PagerDuty struct {
	key      string
	endpoint string
	post     *poster
}

// NewPagerDuty checks cfg and returns the channel.
func NewPagerDuty(cfg PagerDutyConfig, opts Options) (*PagerDuty, error) {
	if err := errorsOf(cfg.problems()); err != nil {
		return nil, err
	}
	base := DefaultPagerDutyURL
	if opts.PagerDutyURL != "" {
		if err := checkEndpoint(opts.PagerDutyURL, "the PagerDuty URL", DefaultPagerDutyURL); err != nil {
			return nil, err
		}
		base = opts.PagerDutyURL
	}
	return &PagerDuty{
		key:      strings.TrimSpace(cfg.RoutingKey),
		endpoint: strings.TrimRight(base, "/") + "/v2/enqueue",
		post:     newPoster(TypePagerDuty, "PagerDuty", "pagerduty", opts, cfg.secrets()),
	}, nil
}

// PagerDuty's limits, in bytes (its documentation says characters; bytes are never more).
const (
	pagerDutySummaryMax  = 1024
	pagerDutyDedupKeyMax = 255
	pagerDutyDetailMax   = 16 << 10
)

// PagerDutyEvent is an Events API v2 event.
type PagerDutyEvent struct {
	RoutingKey  string            `json:"routing_key"`
	EventAction string            `json:"event_action"`
	DedupKey    string            `json:"dedup_key"`
	Payload     *PagerDutyPayload `json:"payload,omitempty"`
	Links       []PagerDutyLink   `json:"links,omitempty"`
	Client      string            `json:"client,omitempty"`
	ClientURL   string            `json:"client_url,omitempty"`
}

// PagerDutyPayload is a trigger's payload (PagerDuty's Common Event Format).
type PagerDutyPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// PagerDutyLink is a link shown on the alert.
type PagerDutyLink struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// NewPagerDutyEvent is the event for m (prepared). The routing key is the caller's.
func NewPagerDutyEvent(routingKey string, m Message) PagerDutyEvent {
	ev := PagerDutyEvent{RoutingKey: routingKey, EventAction: "trigger", DedupKey: pagerDutyDedupKey(m.DedupKey)}
	if m.State == Resolved {
		ev.EventAction = "resolve"
		return ev
	}
	summary := headline(m)
	if s := oneLine(m.Summary); s != "" {
		summary += " - " + s
	}
	if m.State == Test {
		summary = "Test from bcsync: " + summary
	}
	source := m.Store
	if source == "" {
		source = "bcsync"
	}
	details := map[string]any{"state": string(m.State), "condition": m.Condition}
	if m.Sync.Name != "" || m.Sync.ID != 0 {
		details["sync"] = map[string]any{"id": m.Sync.ID, "name": m.Sync.Name, "kind": m.Sync.Kind}
	}
	if m.Store != "" {
		details["store"] = m.Store
	}
	if len(m.Figures) > 0 {
		details["figures"] = orderedFigures(m.Figures)
	}
	if d := strings.TrimSpace(normalizeNewlines(m.Detail)); d != "" {
		details["detail"] = truncateBytes(d, pagerDutyDetailMax)
	}
	if m.URL != "" {
		details["url"] = m.URL
	}
	ev.Payload = &PagerDutyPayload{
		Summary:       truncateBytes(summary, pagerDutySummaryMax),
		Source:        source,
		Severity:      pagerDutySeverity(m.Severity),
		Timestamp:     m.At.UTC().Format("2006-01-02T15:04:05.000Z"),
		Component:     m.Sync.Name,
		Group:         m.Sync.Kind,
		Class:         m.Condition,
		CustomDetails: details,
	}
	ev.Client = "bcsync"
	if m.URL != "" {
		ev.ClientURL = m.URL
		ev.Links = []PagerDutyLink{{Href: m.URL, Text: "Open the run in bcsync"}}
	}
	return ev
}

// pagerDutySeverity maps ours onto PagerDuty's critical, error, warning and info.
func pagerDutySeverity(s Severity) string {
	switch s {
	case Critical:
		return "critical"
	case Warning:
		return "warning"
	}
	return "info"
}

// pagerDutyDedupKey keeps a key PagerDuty takes; a longer one is replaced by a stable hash of it.
func pagerDutyDedupKey(k string) string {
	if len(k) <= pagerDutyDedupKeyMax {
		return k
	}
	return "bcsync/" + shortHash(k)
}

// orderedFigures marshal as a JSON object whose keys keep the figures' order.
type orderedFigures []Figure

func (f orderedFigures) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	seen := map[string]bool{}
	for _, x := range f {
		if seen[x.Label] {
			continue
		}
		seen[x.Label] = true
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(x.Label)
		v, _ := json.Marshal(x.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Send enqueues the event. PagerDuty answers 202 {"status":"success","dedup_key":…}, or 400 with
// {"status":"invalid event","message":…,"errors":[…]}, 429 when the integration is over its rate.
func (p *PagerDuty) Send(ctx context.Context, m Message) error {
	m, err := m.prepare(p.post.now())
	if err != nil {
		return invalidMessage(TypePagerDuty, err)
	}
	body, err := json.Marshal(NewPagerDutyEvent(p.key, m))
	if err != nil {
		return invalidMessage(TypePagerDuty, err)
	}
	a, err := p.post.post(ctx, p.endpoint, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return err
	}
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	var e struct {
		Status  string   `json:"status"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	json.Unmarshal(a.body, &e)
	detail := e.Message
	if len(e.Errors) > 0 {
		detail = strings.TrimSpace(detail + ": " + strings.Join(e.Errors, "; "))
	}
	if detail == "" {
		detail = snippet(a.body, 200)
	}
	return p.post.refused(a, "", truncate(detail, 300), pagerDutyHint(a.status, detail))
}

func pagerDutyHint(status int, detail string) string {
	switch {
	case strings.Contains(detail, "routing_key") || strings.Contains(strings.ToLower(detail), "routing key"):
		return "check the routing key (the integration key of an Events API v2 integration)"
	case status == http.StatusTooManyRequests:
		return "PagerDuty is limiting the rate of events for this integration key"
	case status >= 500:
		return "PagerDuty is failing; it may pass later"
	case status == http.StatusBadRequest:
		return "PagerDuty could not read the event bcsync built: please report this as a bug"
	case status == http.StatusNotFound || status >= 300 && status < 400:
		return fmt.Sprintf("check the PagerDuty URL (%s)", DefaultPagerDutyURL)
	}
	return ""
}
