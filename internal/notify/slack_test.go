package notify

import (
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

// slackHook checks a post the way Slack's incoming webhooks do: POST to the hook's own path, a JSON
// body with text and valid blocks within Slack's limits. It answers "ok", or what answer says.
type slackHook struct {
	t      *testing.T
	srv    *httptest.Server
	path   string
	answer func(w http.ResponseWriter) bool // true when it answered instead of "ok"

	mu       sync.Mutex
	payloads []map[string]any
}

const slackPath = "/services/T0123ABCD/B0456EFGH/x9Yq2LmNoPqRsTuVwXyZ1234"

func newSlackHook(t *testing.T) *slackHook {
	h := &slackHook{t: t, path: slackPath}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *slackHook) url() string { return h.srv.URL + h.path }

func (h *slackHook) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != h.path {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no_service")
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if h.answer != nil && h.answer(w) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Errorf("Content-Type %q, want application/json", ct)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "invalid_payload")
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "invalid_payload")
		return
	}
	if problem := slackBlocksProblem(p); problem != "" {
		h.t.Errorf("Slack would refuse this payload: %s\n%s", problem, body)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "invalid_blocks")
		return
	}
	h.mu.Lock()
	h.payloads = append(h.payloads, p)
	h.mu.Unlock()
	w.Header().Set("Content-Type", "text/html")
	io.WriteString(w, "ok")
}

// slackBlocksProblem checks text and blocks against Block Kit's rules for header, section and
// context blocks.
func slackBlocksProblem(p map[string]any) string {
	text, _ := p["text"].(string)
	if strings.TrimSpace(text) == "" {
		return "no text (the notification fallback)"
	}
	blocks, ok := p["blocks"].([]any)
	if !ok || len(blocks) == 0 || len(blocks) > 50 {
		return "blocks must be an array of 1 to 50 blocks"
	}
	textObj := func(v any, max int, kinds ...string) string {
		o, ok := v.(map[string]any)
		if !ok {
			return "a text object is not an object"
		}
		typ, _ := o["type"].(string)
		if !contains(kinds, typ) {
			return fmt.Sprintf("text type %q, want one of %v", typ, kinds)
		}
		s, _ := o["text"].(string)
		if s == "" || utf8.RuneCountInString(s) > max {
			return fmt.Sprintf("text of %d characters, want 1 to %d", utf8.RuneCountInString(s), max)
		}
		return ""
	}
	for i, b := range blocks {
		blk, _ := b.(map[string]any)
		var problem string
		switch blk["type"] {
		case "header":
			problem = textObj(blk["text"], 150, "plain_text")
		case "section":
			fields, hasFields := blk["fields"].([]any)
			if blk["text"] == nil && !hasFields {
				problem = "a section needs text or fields"
			}
			if blk["text"] != nil {
				problem = textObj(blk["text"], 3000, "mrkdwn", "plain_text")
			}
			if hasFields && (len(fields) == 0 || len(fields) > 10) {
				problem = fmt.Sprintf("%d fields, want 1 to 10", len(fields))
			}
			for _, f := range fields {
				if p := textObj(f, 2000, "mrkdwn", "plain_text"); p != "" {
					problem = p
				}
			}
		case "context":
			els, _ := blk["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				problem = fmt.Sprintf("%d context elements, want 1 to 10", len(els))
			}
			for _, e := range els {
				if p := textObj(e, 3000, "mrkdwn", "plain_text"); p != "" {
					problem = p
				}
			}
		default:
			problem = fmt.Sprintf("unexpected block type %v", blk["type"])
		}
		if problem != "" {
			return fmt.Sprintf("block %d: %s", i, problem)
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newTestSlack(t *testing.T, h *slackHook, log *callLog, opts ...func(*Options)) Channel {
	t.Helper()
	o := Options{}
	if log != nil {
		o.Observer = log
	}
	for _, f := range opts {
		f(&o)
	}
	ch, err := Config{Type: TypeSlack, URL: h.url()}.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestSlackPostsTextAndBlocks(t *testing.T) {
	h := newSlackHook(t)
	log := &callLog{}
	ch := newTestSlack(t, h, log)
	m := sample()
	m.Summary = "3 of 1,200 records were rejected <by> BigCommerce & co."
	if err := ch.Send(scoped(), m); err != nil {
		t.Fatal(err)
	}
	if len(h.payloads) != 1 {
		t.Fatalf("Slack received %d messages", len(h.payloads))
	}
	raw, _ := json.Marshal(h.payloads[0])
	body := string(raw)
	for _, want := range []string{
		`"text":"[WARNING] Customers from warehouse (Shop): records rejected - 3 of 1,200 records were rejected \u0026lt;by\u0026gt; BigCommerce \u0026amp; co.`,
		`"type":"header"`, `🟠 [WARNING] Customers from warehouse (Shop): records rejected`,
		`*Rejected*\n3 of 1,200 (0.25%)`, `*Store*\nShop`, `*Sync*\nCustomers from warehouse (warehouse #12)`,
		`\u003chttps://bcsync.example.com/syncs/warehouse/12/runs/381|Open the run in bcsync\u003e`,
		`Detected at 2026-08-20 14:03:00 UTC`, `"type":"context"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the payload lacks %s:\n%s", want, body)
		}
	}
	c, scope := log.only(t)
	checkScope(t, scope)
	if c.API != "slack" || c.Method != "POST" || c.Status != 200 {
		t.Errorf("call %s %s %d", c.API, c.Method, c.Status)
	}
}

func TestSlackStaysWithinBlockLimits(t *testing.T) {
	h := newSlackHook(t)
	ch := newTestSlack(t, h, nil)
	m := sample()
	m.Sync.Name = strings.Repeat("Very long sync name ", 20)
	m.Summary = strings.Repeat("s", 5000)
	m.Detail = strings.Repeat("detail line\n", 600)
	for i := range 25 {
		m.Figures = append(m.Figures, Figure{fmt.Sprintf("Figure %d", i), strings.Repeat("v", 2500)})
	}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err) // the hook fails the test on any block Slack would refuse
	}
}

func TestSlackAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		retryable bool
		says      string
	}{
		{"revoked webhook", 404, "no_team", false, "Slack refused the message (404 no_team): check the webhook URL"},
		{"archived channel", 410, "channel_is_archived", false, "the channel is archived"},
		{"prohibited", 403, "action_prohibited", false, "ask a Slack admin"},
		{"bad payload", 400, "invalid_payload", false, "please report this as a bug"},
		{"rollup error", 500, "rollup_error", true, "Slack did not take the message (500 rollup_error)"},
		{"rate limited", 429, "rate_limited", true, "limiting the rate"},
		{"redirect", 302, "", false, "redirect, which bcsync does not follow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSlackHook(t)
			h.answer = func(w http.ResponseWriter) bool {
				if tc.status == 429 {
					w.Header().Set("Retry-After", "30")
				}
				if tc.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/"+slackPath)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
				return true
			}
			log := &callLog{}
			err := newTestSlack(t, h, log).Send(context.Background(), sample())
			se := sendError(t, err)
			if se.Retryable != tc.retryable || Retryable(err) != tc.retryable {
				t.Errorf("retryable = %v, want %v (%v)", se.Retryable, tc.retryable, err)
			}
			if se.Status != tc.status || se.Channel != TypeSlack {
				t.Errorf("status %d channel %s", se.Status, se.Channel)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if tc.status == 429 && se.RetryAfter != 30*time.Second {
				t.Errorf("RetryAfter = %v", se.RetryAfter)
			}
			noSecrets(t, log.all(), err, slackPath, "x9Yq2LmNoPqRsTuVwXyZ1234")
		})
	}
}

func TestSlackUnreachableAndSlow(t *testing.T) {
	h := newSlackHook(t)
	url := h.url()
	h.srv.Close()
	log := &callLog{}
	ch, err := Config{Type: TypeSlack, URL: url}.Build(Options{Observer: log})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), sample())
	se := sendError(t, err)
	if !se.Retryable || se.Status != 0 || !strings.Contains(err.Error(), "Slack could not be reached") {
		t.Errorf("unreachable: %+v", se)
	}
	// The transport's own error text names the URL; neither the record nor the error may show it.
	noSecrets(t, log.all(), err, slackPath, "x9Yq2LmNoPqRsTuVwXyZ1234")
	if c := log.all()[0]; c.Err == "" || !strings.Contains(c.URL, "127.0.0.1") {
		t.Errorf("the record of a failed call keeps its error and host: %+v", c)
	}

	slow := newSlackHook(t)
	release := make(chan struct{})
	slow.answer = func(w http.ResponseWriter) bool { <-release; return false }
	defer close(release)
	ch = newTestSlack(t, slow, nil, func(o *Options) { o.Timeout = 100 * time.Millisecond })
	start := time.Now()
	err = ch.Send(context.Background(), sample())
	se = sendError(t, err)
	if !se.Retryable || !strings.Contains(err.Error(), "Slack did not answer within 100ms") {
		t.Errorf("slow: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the timeout did not bound the send")
	}
}

func TestCutAnswersAfterTheStatus(t *testing.T) {
	for _, tc := range []struct {
		status    string
		delivered bool
	}{{"200 OK", true}, {"503 Service Unavailable", false}} {
		h := newSlackHook(t)
		h.answer = func(w http.ResponseWriter) bool {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			buf.WriteString("HTTP/1.1 " + tc.status + "\r\nContent-Length: 100\r\n\r\nok")
			buf.Flush()
			conn.Close()
			return true
		}
		err := newTestSlack(t, h, nil).Send(context.Background(), sample())
		if tc.delivered && err != nil {
			t.Errorf("%s with a cut body: %v (the status says Slack took it)", tc.status, err)
		}
		if !tc.delivered && !Retryable(err) {
			t.Errorf("%s with a cut body: %v", tc.status, err)
		}
	}
}

func TestSlackRecordedCallHidesTheWebhookURL(t *testing.T) {
	h := newSlackHook(t)
	log := &callLog{}
	if err := newTestSlack(t, h, log).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	calls := log.all()
	noSecrets(t, calls, nil, slackPath, "x9Yq2LmNoPqRsTuVwXyZ1234", h.url())
	if c := calls[0]; !strings.HasPrefix(c.URL, h.srv.URL) || !strings.Contains(string(c.RequestBody), "records rejected") {
		t.Errorf("the record must still show the host and the message: %s %s", c.URL, c.RequestBody)
	}
}
