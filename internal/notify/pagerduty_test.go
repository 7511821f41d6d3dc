package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const testRoutingKey = "R0123456789abcdefABCDEF012345678"

// pagerDuty is a local Events API v2: it takes POST /v2/enqueue with a JSON event, checks it as the
// documentation says (routing key of 32 characters, event_action, dedup_key of at most 255
// characters, a trigger's payload with summary of at most 1024 characters, source, severity and a
// timestamp), keeps open alerts by dedup key and answers 202 {"status":"success",…}.
type pagerDuty struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(w http.ResponseWriter) bool

	mu     sync.Mutex
	events []map[string]any
	open   map[string]map[string]any // dedup_key → the trigger's payload
}

func newPagerDuty(t *testing.T) *pagerDuty {
	p := &pagerDuty{t: t, open: map[string]map[string]any{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pagerDuty) invalid(w http.ResponseWriter, problems ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": problems})
}

func (p *pagerDuty) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
		http.NotFound(w, r)
		return
	}
	if p.answer != nil && p.answer(w) {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		p.invalid(w, "Content-Type must be application/json")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var ev struct {
		RoutingKey  string          `json:"routing_key"`
		EventAction string          `json:"event_action"`
		DedupKey    string          `json:"dedup_key"`
		Payload     json.RawMessage `json:"payload"`
		Links       []struct {
			Href string `json:"href"`
			Text string `json:"text"`
		} `json:"links"`
		Images    []any  `json:"images"`
		Client    string `json:"client"`
		ClientURL string `json:"client_url"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		p.invalid(w, "Event object is invalid: "+err.Error())
		return
	}
	var problems []string
	if len(ev.RoutingKey) != 32 {
		problems = append(problems, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	if utf8.RuneCountInString(ev.DedupKey) > 255 {
		problems = append(problems, "'dedup_key' is too long")
	}
	var payload map[string]any
	switch ev.EventAction {
	case "trigger":
		var pl struct {
			Summary       string         `json:"summary"`
			Source        string         `json:"source"`
			Severity      string         `json:"severity"`
			Timestamp     string         `json:"timestamp"`
			Component     string         `json:"component"`
			Group         string         `json:"group"`
			Class         string         `json:"class"`
			CustomDetails map[string]any `json:"custom_details"`
		}
		dec := json.NewDecoder(bytes.NewReader(ev.Payload))
		dec.DisallowUnknownFields()
		if len(ev.Payload) == 0 || dec.Decode(&pl) != nil {
			problems = append(problems, "'payload' is missing or invalid")
			break
		}
		if pl.Summary == "" || utf8.RuneCountInString(pl.Summary) > 1024 {
			problems = append(problems, "'payload.summary' must be 1 to 1024 characters")
		}
		if pl.Source == "" {
			problems = append(problems, "'payload.source' is missing")
		}
		if !contains([]string{"critical", "error", "warning", "info"}, pl.Severity) {
			problems = append(problems, "'payload.severity' is invalid")
		}
		if pl.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, pl.Timestamp); err != nil {
				problems = append(problems, "'payload.timestamp' is not ISO 8601")
			}
		}
		for _, l := range ev.Links {
			if l.Href == "" {
				problems = append(problems, "a link needs href")
			}
		}
		json.Unmarshal(ev.Payload, &payload)
	case "resolve", "acknowledge":
		if ev.DedupKey == "" {
			problems = append(problems, "'dedup_key' is required to "+ev.EventAction)
		}
	default:
		problems = append(problems, "'event_action' must be trigger, acknowledge or resolve")
	}
	if len(problems) > 0 {
		p.invalid(w, problems...)
		return
	}
	var all map[string]any
	json.Unmarshal(body, &all)
	p.mu.Lock()
	p.events = append(p.events, all)
	switch ev.EventAction {
	case "trigger":
		p.open[ev.DedupKey] = payload
	case "resolve":
		delete(p.open, ev.DedupKey)
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]any{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

func newTestPagerDuty(t *testing.T, p *pagerDuty, key string, log *callLog) Channel {
	t.Helper()
	o := Options{PagerDutyURL: p.srv.URL}
	if log != nil {
		o.Observer = log
	}
	ch, err := Config{Type: TypePagerDuty, RoutingKey: key}.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestPagerDutyTriggerThenResolve(t *testing.T) {
	p := newPagerDuty(t)
	log := &callLog{}
	ch := newTestPagerDuty(t, p, testRoutingKey, log)
	m := sample()
	m.Severity = Critical
	if err := ch.Send(scoped(), m); err != nil {
		t.Fatal(err)
	}
	if len(p.open) != 1 || p.open[m.DedupKey] == nil {
		t.Fatalf("open alerts after the trigger: %v", p.open)
	}
	ev := p.events[0]
	pl := p.open[m.DedupKey]
	if ev["event_action"] != "trigger" || ev["dedup_key"] != m.DedupKey || ev["routing_key"] != testRoutingKey {
		t.Errorf("event %v", ev)
	}
	if pl["severity"] != "critical" || pl["source"] != "Shop" || pl["component"] != "Customers from warehouse" || pl["class"] != "rejected" || pl["timestamp"] != "2026-08-20T14:03:00.000Z" {
		t.Errorf("payload %v", pl)
	}
	if want := "Customers from warehouse (Shop): records rejected - 3 of 1,200 records were rejected by BigCommerce."; pl["summary"] != want {
		t.Errorf("summary %q, want %q", pl["summary"], want)
	}
	details, _ := json.Marshal(pl["custom_details"])
	for _, want := range []string{`"figures":{"Rejected":"3 of 1,200 (0.25%)","Run":"#381, 4m 10s"}`, `"store":"Shop"`, `"detail":"The most common reason`} {
		if !strings.Contains(string(details), want) {
			t.Errorf("custom_details lack %s: %s", want, details)
		}
	}
	links, _ := json.Marshal(ev["links"])
	if !strings.Contains(string(links), `"href":"https://bcsync.example.com/syncs/warehouse/12/runs/381"`) {
		t.Errorf("links %s", links)
	}

	m.State = Resolved
	m.At = m.At.Add(time.Hour)
	if err := ch.Send(scoped(), m); err != nil {
		t.Fatal(err)
	}
	if len(p.open) != 0 {
		t.Fatalf("the resolve did not close the alert: %v", p.open)
	}
	if ev := p.events[1]; ev["event_action"] != "resolve" || ev["dedup_key"] != m.DedupKey || ev["payload"] != nil {
		t.Errorf("resolve event %v", ev)
	}
	for _, c := range log.all() {
		if c.API != "pagerduty" || c.Status != 202 || c.Path != "/v2/enqueue" {
			t.Errorf("call %s %d %s", c.API, c.Status, c.Path)
		}
	}
}

func TestPagerDutySeverityAndTest(t *testing.T) {
	for sev, want := range map[Severity]string{Critical: "critical", Warning: "warning", Info: "info", "": "info"} {
		m := sample()
		m.Severity = sev
		m, _ = m.prepare(testAt)
		if got := NewPagerDutyEvent(testRoutingKey, m).Payload.Severity; got != want {
			t.Errorf("severity %q → %q, want %q", sev, got, want)
		}
	}
	p := newPagerDuty(t)
	m := sample()
	m.State, m.DedupKey = Test, ""
	if err := newTestPagerDuty(t, p, testRoutingKey, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	ev := p.events[0]
	if ev["event_action"] != "trigger" || ev["dedup_key"] != "bcsync/warehouse/12/test" {
		t.Errorf("a test is a trigger under its own dedup key: %v", ev)
	}
	if s := ev["payload"].(map[string]any)["summary"].(string); !strings.HasPrefix(s, "Test from bcsync: ") {
		t.Errorf("summary %q", s)
	}
}

func TestPagerDutyBoundsSummaryAndDedupKey(t *testing.T) {
	p := newPagerDuty(t)
	m := sample()
	m.Summary = strings.Repeat("é", 3000)
	m.DedupKey = strings.Repeat("k", 400)
	if err := newTestPagerDuty(t, p, testRoutingKey, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err) // the receiver refuses a summary over 1024 characters
	}
	ev := p.events[0]
	if s := ev["payload"].(map[string]any)["summary"].(string); len(s) > 1024 || !strings.HasSuffix(s, "…") {
		t.Errorf("summary of %d bytes", len(s))
	}
	if k := ev["dedup_key"].(string); len(k) > 255 || k != pagerDutyDedupKey(m.DedupKey) {
		t.Errorf("dedup key %q", k)
	}
}

func TestPagerDutyAnswers(t *testing.T) {
	t.Run("bad routing key", func(t *testing.T) {
		p := newPagerDuty(t)
		ch, err := NewPagerDuty(PagerDutyConfig{RoutingKey: testRoutingKey}, Options{PagerDutyURL: p.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		ch.key = "short" // as if PagerDuty had changed its rules: its 400 must be understood
		err = ch.Send(context.Background(), sample())
		se := sendError(t, err)
		if se.Retryable || se.Status != 400 || !strings.Contains(err.Error(), "Length of 'routing_key' is incorrect") || !strings.Contains(err.Error(), "check the routing key") {
			t.Errorf("400: %v (%+v)", err, se)
		}
	})
	for _, tc := range []struct {
		status    int
		retryable bool
		says      string
	}{
		{429, true, "PagerDuty did not take the message (429"},
		{500, true, "PagerDuty is failing"},
		{503, true, "(503"},
		{404, false, "check the PagerDuty URL"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			p := newPagerDuty(t)
			p.answer = func(w http.ResponseWriter) bool {
				w.Header().Set("Retry-After", "60")
				w.WriteHeader(tc.status)
				return true
			}
			log := &callLog{}
			err := newTestPagerDuty(t, p, testRoutingKey, log).Send(context.Background(), sample())
			se := sendError(t, err)
			if se.Retryable != tc.retryable || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%d: retryable %v, %v", tc.status, se.Retryable, err)
			}
			if tc.status == 429 && se.RetryAfter != time.Minute {
				t.Errorf("RetryAfter %v", se.RetryAfter)
			}
			noSecrets(t, log.all(), err, testRoutingKey)
		})
	}
}

func TestPagerDutyRecordedCallHidesTheRoutingKey(t *testing.T) {
	p := newPagerDuty(t)
	log := &callLog{}
	if err := newTestPagerDuty(t, p, testRoutingKey, log).Send(scoped(), sample()); err != nil {
		t.Fatal(err)
	}
	// routing_key is not named like a secret: only the value-based redaction hides it.
	c, scope := log.only(t)
	checkScope(t, scope)
	noSecrets(t, log.all(), nil, testRoutingKey)
	if !strings.Contains(string(c.RequestBody), `"routing_key":"[REDACTED]"`) || !strings.Contains(string(c.RequestBody), "records rejected") {
		t.Errorf("recorded body: %s", c.RequestBody)
	}
}
