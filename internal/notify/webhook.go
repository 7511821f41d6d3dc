package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebhookConfig is an HTTPS endpoint of the operator's own and the secret both sides share. The URL
// is treated as a secret too: many receivers (chat tools, automation services) put their credential
// in it.
type WebhookConfig struct {
	URL    string
	Secret string // at least 16 characters
}

// MinSecretLength is the shortest webhook secret bcsync takes.
const MinSecretLength = 16

func (c WebhookConfig) problems() []error {
	var ps []error
	if strings.TrimSpace(c.URL) == "" {
		ps = append(ps, errorf("a webhook channel needs --url, the https:// address that receives notifications"))
	} else if err := checkEndpoint(c.URL, "the webhook --url", "https://alerts.example.com/bcsync"); err != nil {
		ps = append(ps, err)
	}
	switch n := len(c.Secret); {
	case n == 0:
		ps = append(ps, errorf("a webhook channel needs --secret, the key the receiver checks signatures with (at least %d characters, e.g. from `openssl rand -hex 32`)", MinSecretLength))
	case n < MinSecretLength:
		ps = append(ps, errorf("the webhook --secret is too short to be safe: use at least %d characters, e.g. from `openssl rand -hex 32`", MinSecretLength))
	}
	return ps
}

func (c WebhookConfig) secrets() []string { return append(urlSecrets(c.URL), c.Secret) }

// SignatureHeader carries the signature of a webhook's body.
const SignatureHeader = "X-Bcsync-Signature"

// Sign is the signature of body with secret: "sha256=" and the hex HMAC-SHA256 of the exact bytes.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header (the X-Bcsync-Signature value) signs body with secret. Receivers must
// check the raw body as received, before parsing it, and compare in constant time, as this does:
//
//	body, _ := io.ReadAll(r.Body)
//	if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
func Verify(secret string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || secret == "" {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// WebhookPayload is the JSON body of a webhook notification.
type WebhookPayload struct {
	ID        string          `json:"id"` // the same for every attempt at one notification
	State     State           `json:"state"`
	Condition string          `json:"condition"`
	Severity  Severity        `json:"severity"`
	Sync      WebhookSync     `json:"sync"`
	Store     WebhookStore    `json:"store"`
	Title     string          `json:"title"`
	Message   string          `json:"message"` // the one-line summary
	Detail    string          `json:"detail,omitempty"`
	Figures   []WebhookFigure `json:"figures"`
	URL       string          `json:"url"` // the run in bcsync; "" when there is none
	DedupKey  string          `json:"dedup_key"`
	At        time.Time       `json:"at"`
}

// WebhookSync names the sync.
type WebhookSync struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// WebhookStore names the store.
type WebhookStore struct {
	Name string `json:"name"`
}

// WebhookFigure is one figure, in the message's order.
type WebhookFigure struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// NewWebhookPayload is the body for m (prepared).
func NewWebhookPayload(m Message) WebhookPayload {
	figs := make([]WebhookFigure, 0, len(m.Figures))
	for _, f := range m.Figures {
		figs = append(figs, WebhookFigure{Label: f.Label, Value: f.Value})
	}
	return WebhookPayload{
		ID:        "ntf_" + shortHash(m.DedupKey+"\x00"+string(m.State)+"\x00"+strconv.FormatInt(m.At.UnixNano(), 10)),
		State:     m.State,
		Condition: m.Condition,
		Severity:  m.Severity,
		Sync:      WebhookSync{ID: m.Sync.ID, Name: m.Sync.Name, Kind: m.Sync.Kind},
		Store:     WebhookStore{Name: m.Store},
		Title:     Title(m),
		Message:   oneLine(m.Summary),
		Detail:    strings.TrimSpace(normalizeNewlines(m.Detail)),
		Figures:   figs,
		URL:       m.URL,
		DedupKey:  m.DedupKey,
		At:        m.At.UTC(),
	}
}

// Webhook posts signed JSON to the operator's endpoint.
type Webhook struct {
	url    string
	secret string
	post   *poster
}

// NewWebhook checks cfg and returns the channel.
func NewWebhook(cfg WebhookConfig, opts Options) (*Webhook, error) {
	if err := errorsOf(cfg.problems()); err != nil {
		return nil, err
	}
	return &Webhook{url: strings.TrimSpace(cfg.URL), secret: cfg.Secret, post: newPoster(TypeWebhook, "the webhook receiver", "webhook", opts, cfg.secrets())}, nil
}

// Send posts the payload with its signature; any 2xx answer is a delivery.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	m, err := m.prepare(w.post.now())
	if err != nil {
		return invalidMessage(TypeWebhook, err)
	}
	p := NewWebhookPayload(m)
	body, err := json.Marshal(p)
	if err != nil {
		return invalidMessage(TypeWebhook, err)
	}
	header := http.Header{
		"Content-Type":      {"application/json"},
		SignatureHeader:     {Sign(w.secret, body)},
		"X-Bcsync-Delivery": {p.ID}, // the payload's id: receivers may drop repeats
		"X-Bcsync-Event":    {string(m.State)},
	}
	a, err := w.post.post(ctx, w.url, header, body)
	if err != nil {
		return err
	}
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	return w.post.refused(a, "", snippet(a.body, 200), webhookHint(a.status))
}

func webhookHint(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "check that the receiver verifies signatures with the same secret"
	case status == http.StatusNotFound || status == http.StatusGone || status == http.StatusMethodNotAllowed:
		return "check the webhook URL"
	case status >= 300 && status < 400:
		return "set the webhook URL to where it redirects"
	case status == http.StatusTooManyRequests:
		return "the receiver is limiting the rate of notifications"
	case status >= 500:
		return "the receiver is failing; it may pass later"
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return "the receiver could not read the notification"
	}
	return ""
}
