package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// SlackConfig is a Slack incoming webhook. The URL is the secret: whoever has it can post to the
// channel.
type SlackConfig struct {
	URL string // https://hooks.slack.com/services/T…/B…/…
}

func (c SlackConfig) problems() []error {
	if strings.TrimSpace(c.URL) == "" {
		return []error{errorf("a Slack channel needs --url, the incoming-webhook URL (https://hooks.slack.com/services/…)")}
	}
	if err := checkEndpoint(c.URL, "the Slack --url", "https://hooks.slack.com/services/…"); err != nil {
		return []error{err}
	}
	return nil
}

// secrets are the URL and, so that the debugger still shows the host, its path and token.
func (c SlackConfig) secrets() []string { return urlSecrets(c.URL) }

// urlSecrets are the parts of a URL that is itself a credential: its path and query, its last path
// segment when it looks like a token, any password, and the whole URL. The host stays visible in recorded calls.
func urlSecrets(raw string) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var out []string
	if u, err := url.Parse(raw); err == nil {
		if p := u.EscapedPath(); len(p) > 1 {
			out = append(out, p)
			if u.Path != p {
				out = append(out, u.Path)
			}
			// The last segment alone, when it is long enough to be a token rather than a word.
			trimmed := strings.TrimSuffix(u.Path, "/")
			if last := trimmed[strings.LastIndex(trimmed, "/")+1:]; len(last) >= 16 {
				out = append(out, last)
			}
		}
		if u.RawQuery != "" {
			out = append(out, u.RawQuery)
		}
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	return append(out, raw)
}

// Slack posts to an incoming webhook.
type Slack struct {
	url  string
	post *poster
}

// NewSlack checks cfg and returns the channel.
func NewSlack(cfg SlackConfig, opts Options) (*Slack, error) {
	if err := errorsOf(cfg.problems()); err != nil {
		return nil, err
	}
	return &Slack{url: strings.TrimSpace(cfg.URL), post: newPoster(TypeSlack, "Slack", "slack", opts, cfg.secrets())}, nil
}

// Send posts the message. Slack answers 200 "ok", or a status with an error code as the body.
func (s *Slack) Send(ctx context.Context, m Message) error {
	m, err := m.prepare(s.post.now())
	if err != nil {
		return invalidMessage(TypeSlack, err)
	}
	body, err := json.Marshal(SlackPayload(m))
	if err != nil {
		return invalidMessage(TypeSlack, err)
	}
	a, err := s.post.post(ctx, s.url, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return err
	}
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	code := snippet(a.body, 80)
	return s.post.refused(a, code, "", slackHint(a.status, code))
}

// slackHint says what to do about Slack's answer, by its documented error codes.
func slackHint(status int, code string) string {
	switch code {
	case "no_service", "no_team", "invalid_token", "channel_not_found", "no_active_hooks":
		return "check the webhook URL: it may have been revoked, or its app or channel removed"
	case "channel_is_archived":
		return "the channel is archived: unarchive it, or create a webhook for another channel"
	case "action_prohibited":
		return "the workspace restricts this webhook: ask a Slack admin"
	case "invalid_payload", "invalid_blocks", "invalid_blocks_format", "too_many_attachments", "missing_text_or_fallback_or_attachments":
		return "Slack could not read the message bcsync built: please report this as a bug"
	}
	switch {
	case status == http.StatusTooManyRequests:
		return "Slack is limiting the rate of this webhook"
	case status >= 500:
		return "Slack is failing; it may pass later"
	case status >= 300 && status < 400:
		return "check the webhook URL"
	case status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusGone:
		return "check the webhook URL"
	}
	return ""
}

// Slack's limits on block text, in characters.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackFieldsMax  = 10
)

// SlackPayload is the JSON posted to the webhook: text is the notification's fallback (what phones
// and screen readers show), blocks the message: a header, the summary, the figures as fields, the
// detail, and a context line with the link to the run and the time.
func SlackPayload(m Message) map[string]any {
	text := Title(m)
	if s := oneLine(m.Summary); s != "" {
		text += " - " + s
	}
	blocks := []map[string]any{{
		"type": "header",
		"text": map[string]any{"type": "plain_text", "text": truncate(slackEmoji(m)+" "+Title(m), slackHeaderMax), "emoji": true},
	}}
	if s := oneLine(m.Summary); s != "" {
		blocks = append(blocks, map[string]any{
			"type": "section",
			"text": map[string]any{"type": "mrkdwn", "text": truncate(slackEscape(s), slackSectionMax)},
		})
	}
	rows := facts(m)
	for len(rows) > 0 {
		n := min(len(rows), slackFieldsMax)
		var fields []map[string]any
		for _, f := range rows[:n] {
			fields = append(fields, map[string]any{
				"type": "mrkdwn",
				"text": truncate("*"+slackEscape(f.Label)+"*\n"+slackEscape(oneLine(f.Value)), slackFieldMax),
			})
		}
		blocks = append(blocks, map[string]any{"type": "section", "fields": fields})
		rows = rows[n:]
	}
	if d := strings.TrimSpace(normalizeNewlines(m.Detail)); d != "" {
		blocks = append(blocks, map[string]any{
			"type": "section",
			"text": map[string]any{"type": "mrkdwn", "text": truncate(slackEscape(d), slackSectionMax)},
		})
	}
	var ctx []string
	if m.URL != "" {
		ctx = append(ctx, "<"+slackEscape(m.URL)+"|Open the run in bcsync>")
		text += " " + m.URL
	}
	if !m.At.IsZero() {
		ctx = append(ctx, slackEscape(when(m)))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, map[string]any{
			"type":     "context",
			"elements": []map[string]any{{"type": "mrkdwn", "text": strings.Join(ctx, "  ·  ")}},
		})
	}
	return map[string]any{"text": slackEscape(text), "blocks": blocks}
}

func slackEmoji(m Message) string {
	switch m.State {
	case Resolved:
		return "✅"
	case Test:
		return "🧪"
	}
	switch m.Severity {
	case Critical:
		return "🔴"
	case Warning:
		return "🟠"
	}
	return "🔵"
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackEscaper.Replace(s) }
