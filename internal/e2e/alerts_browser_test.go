package e2e

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The Alerts page as a merchant uses it: a Slack channel added, a webhook channel refused for its short
// secret then added, a test sent, a rule for every sync; then the store fails a sync, and the
// connections list wears an alert badge, the Alerts page says what needs attention and what was sent,
// and Slack received the message shown here as Slack renders it.
func TestBrowserAlerts(t *testing.T) {
	w := newWorld(t, small, withAccount)
	brk := breakable(w)
	slack, slackURL := slackHook(t)
	hook, hookURL, _ := webhookReceiver(t, hookSecret)
	id := w.connect("--name", "Outdoor shop")
	// Where users reach bcsync, for the links in notifications (plain http: the browser reaches it on
	// loopback, where Secure cookies would not be sent back).
	w.env = append(w.env, "BCSYNC_PUBLIC_URL=http://bcsync.example.com")
	b := newBrowser(t, w)
	b.signIn()
	b.waitIdle(fmt.Sprintf("/connections/%d", id))

	b.do(chromedp.Click(chromedp.CSS("nav[aria-label=Main] a[href='/alerts']")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#channels")))
	b.see("Needs attention now", "No channel yet", "Add a channel")
	b.accessible()

	b.do(chromedp.Click(chromedp.CSS("details.channel-type:nth-of-type(1) summary")))
	b.fill("slack-name", "ops-slack")
	b.fill("slack-url", slackURL)
	b.submit("details[open] form button.primary")
	b.see("Channel ops-slack added")

	b.do(chromedp.Click(chromedp.CSS("details.channel-type:nth-of-type(5) summary")))
	b.fill("webhook-name", "pager-bridge")
	b.fill("webhook-url", hookURL)
	b.fill("webhook-secret", "too-short")
	b.submit("details[open] form button.primary")
	b.see("The webhook --secret is too short to be safe")
	if !b.eval(`document.getElementById('webhook-secret').getAttribute('aria-invalid') === 'true' && document.getElementById('webhook-secret').value === ''`) {
		t.Error("the refused secret is not marked, or was written back into the page")
	}
	if b.evalString(`document.getElementById('webhook-name').value`) != "pager-bridge" {
		t.Error("the refused form lost its name")
	}
	if strings.Contains(b.evalString(`document.documentElement.outerHTML`), hookURL) {
		t.Error("the webhook's URL, a secret, was written back into the page")
	}
	b.accessible()
	b.fill("webhook-url", hookURL)
	b.fill("webhook-secret", hookSecret)
	b.submit("details[open] form button.primary")
	b.see("Channel pager-bridge added")

	b.submit(`button[aria-label="Send a test to ops-slack"]`)
	b.see("Test notification delivered to ops-slack")
	if got := slack.kinds(); !slices.Equal(got, []string{"test"}) {
		t.Fatalf("Slack received %v after the test", got)
	}

	b.choose("rule-channel", "ops-slack (Slack)")
	b.choose("rule-sync", "Every sync, present and future")
	b.submit("form[action='/alerts/rules'] button.primary")
	b.see("Rule added: it watches failed, rejected, blocked, slow, stale, credentials, webhooks.")
	b.choose("rule-channel", "pager-bridge (Webhook)")
	b.choose("rule-sync", fmt.Sprintf("Outdoor shop (Dotdigital, sync %d)", id))
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name=on]').forEach(c => c.checked = c.value === 'failed')`))
	b.submit("form[action='/alerts/rules'] button.primary")
	b.see("Rule added: it watches failed.")

	// The store refuses the catalogue: SYNC NOW fails.
	brk.on.Store(true)
	b.visit(fmt.Sprintf("/connections/%d", id))
	b.submit("button[form=sync-now]")
	b.see("Sync started.")
	b.waitIdle(fmt.Sprintf("/connections/%d", id))
	w.eventually("the alert on Slack and on the webhook", func() bool { return len(slack.kinds()) == 2 && len(hook.kinds()) == 1 })

	b.visit("/connections")
	b.waitFor("the alert badge", `!!document.querySelector('a.alert-badge')`, 10*time.Second)
	b.see("alert: failed")
	b.shot("connections-alert")

	b.do(chromedp.Click(chromedp.CSS("a.alert-badge")))
	b.do(chromedp.WaitVisible(chromedp.CSS("table.alerts-active")))
	b.see("Needs attention now", "Outdoor shop", "failed.", "ops-slack", "pager-bridge", "Every sync", "sent")
	b.waitFor("both alerts sent", `[...document.querySelectorAll('table.history .badge.sent')].length === 3`, 30*time.Second)
	b.shot("alerts")

	b.do(chromedp.Click(chromedp.CSS("table.history tbody tr:first-child td:nth-child(2) a")))
	b.do(chromedp.WaitVisible(chromedp.CSS("pre.notification-text")))
	b.see("What it says", "[CRITICAL] Outdoor shop", "Open the run", "Last attempt")
	b.shot("alert-notification")

	// The Slack message bcsync sent, as Slack shows it.
	page := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Write([]byte(slackPage(t, slack.body(1))))
	}))
	defer page.Close()
	b.do(chromedp.Navigate(page.URL), chromedp.WaitReady(chromedp.CSS("main")))
	b.see("sync failed", "Open the run in bcsync")
	b.shot("alert-slack")

	// The store is back: a recovery, and the badge goes.
	brk.on.Store(false)
	b.visit(fmt.Sprintf("/connections/%d", id))
	b.submit("button[form=sync-now]")
	b.waitIdle(fmt.Sprintf("/connections/%d", id))
	w.eventually("the recovery on Slack", func() bool { return len(slack.kinds()) == 3 })
	if got := slack.kinds(); got[2] != "recovery" {
		t.Fatalf("Slack received %v", got)
	}
	b.visit("/connections")
	if b.eval(`!!document.querySelector('a.alert-badge')`) {
		t.Error("the alert badge stays after the recovery")
	}
}

// slackEmoji draws Slack's emoji as coloured dots: the test machine has no emoji font.
var slackEmoji = strings.NewReplacer("🔴", `<span style="color:#e01e5a">●</span>`, "🟠", `<span style="color:#ecb22e">●</span>`,
	"✅", `<span style="color:#2eb67d">●</span>`, "🧪", `<span style="color:#1264a3">●</span>`, "🔵", `<span style="color:#1264a3">●</span>`)

var slackLink = regexp.MustCompile(`&lt;([^|&]+)\|([^&]+)&gt;`)
var slackBold = regexp.MustCompile(`\*([^*\n]+)\*`)

// slackMrkdwn renders Slack's mrkdwn (already escaped by its rules) as HTML.
func slackMrkdwn(s string) string {
	s = html.EscapeString(html.UnescapeString(s))
	s = slackLink.ReplaceAllString(s, `<a href="$1">$2</a>`)
	s = slackBold.ReplaceAllString(s, `<strong>$1</strong>`)
	return strings.ReplaceAll(s, "\n", "<br>")
}

// slackPage lays out a Block Kit message as Slack's desktop client shows it: the app's name and time,
// then the header, sections, fields in two columns and the context line.
func slackPage(t *testing.T, body []byte) string {
	t.Helper()
	var p struct {
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack · #ops-alerts</title><style>
body{margin:0;font:15px/1.46668 Lato,"Helvetica Neue",Helvetica,Arial,sans-serif;color:#1d1c1d;background:#fff}
.skip{position:absolute;left:-999px}
header{background:#3f0e40;color:#fff;padding:10px 20px;font-weight:700}
main{padding:16px 20px;max-width:760px;display:flex;gap:10px}
.avatar{width:36px;height:36px;border-radius:4px;background:#14213d;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center;flex:none}
.who{font-weight:900}.app{font-size:10px;background:#e8e8e8;color:#616061;padding:1px 3px;border-radius:2px;margin:0 4px;font-weight:700}.time{color:#616061;font-size:12px}
h1{font-size:18px;font-weight:900;margin:6px 0 4px}p{margin:4px 0}.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin:8px 0}
.context{color:#616061;font-size:13px;margin-top:8px}a{color:#1264a3;text-decoration:none}
</style></head><body><a class="skip" href="#main">Skip to content</a><header># ops-alerts</header><main id="main"><div class="avatar" aria-hidden="true">bc</div><div>`)
	b.WriteString(`<div><span class="who">bcsync</span><span class="app">APP</span><span class="time">` + time.Now().UTC().Format("15:04") + `</span></div>`)
	for _, bl := range p.Blocks {
		switch bl.Type {
		case "header":
			b.WriteString("<h1>" + slackEmoji.Replace(html.EscapeString(bl.Text.Text)) + "</h1>")
		case "section":
			if bl.Text != nil {
				b.WriteString("<p>" + slackMrkdwn(bl.Text.Text) + "</p>")
			}
			if len(bl.Fields) > 0 {
				b.WriteString(`<div class="fields">`)
				for _, f := range bl.Fields {
					b.WriteString("<div>" + slackMrkdwn(f.Text) + "</div>")
				}
				b.WriteString("</div>")
			}
		case "context":
			for _, e := range bl.Elements {
				b.WriteString(`<p class="context">` + slackMrkdwn(e.Text) + "</p>")
			}
		}
	}
	b.WriteString("</div></main></body></html>")
	return b.String()
}
