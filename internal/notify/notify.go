package notify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/apicall"
)

// State is what a notification announces.
type State string

const (
	Triggered State = "triggered" // a condition began
	Resolved  State = "resolved"  // it ended
	Test      State = "test"      // an operator asked to check the channel
)

// Severity is how urgent a triggered condition is.
type Severity string

const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Sync names the sync a notification is about.
type Sync struct {
	ID   int64
	Name string
	Kind string // e.g. "marketing" or "warehouse"
}

// Figure is one labelled value, e.g. {"Rejected", "3 of 1,200 (0.25%)"}.
type Figure struct {
	Label string
	Value string
}

// Message is what to say. Only State is required; the rest is shown where it is set.
type Message struct {
	State     State
	Condition string // failed, rejected, blocked, slow, stale, credentials, webhooks, …
	Severity  Severity
	Sync      Sync
	Store     string // the store's name
	Summary   string // one line
	Detail    string // plain text, may span lines
	Figures   []Figure
	URL       string // the run in the UI; may be empty
	DedupKey  string // stable per sync and condition; DedupKey(Sync, Condition) when empty ("test" for a test)
	At        time.Time
}

// Channel delivers a message. Send makes one attempt, bounded by the channel's timeout, and returns
// nil or a *SendError; it never retries (the caller decides, with Retryable). Channels are safe for
// concurrent use.
type Channel interface {
	Send(ctx context.Context, m Message) error
}

// DefaultTimeout bounds one Send when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Options are what the running process gives every channel; none of it is stored with a channel.
type Options struct {
	// Observer sees every call (the debugger, metrics). Calls carry the context given to Send, so an
	// apicall.Scope set by the caller reaches it.
	Observer apicall.Observer
	// HTTPClient's Transport carries the HTTP channels' requests; it is wrapped, never changed. Its
	// timeout and redirect policy are not used: Send has its own timeout and follows no redirect.
	HTTPClient *http.Client
	// Timeout bounds one Send, connection included; default 10 s.
	Timeout time.Duration
	// TLSConfig and RootCAs adjust the TLS of SMTP, and of HTTP when HTTPClient is nil (tests use a
	// self-signed certificate). RootCAs, when set, replaces TLSConfig's roots.
	TLSConfig *tls.Config
	RootCAs   *x509.CertPool
	// PagerDutyURL and TwilioURL replace the services' base URLs (tests, PagerDuty's EU endpoint);
	// defaults https://events.pagerduty.com and https://api.twilio.com. They must be https, or http to
	// loopback.
	PagerDutyURL string
	TwilioURL    string
	// Hostname names this machine in SMTP's EHLO; default os.Hostname().
	Hostname string
	// Now is the clock of Date headers and of messages without At; default time.Now.
	Now func() time.Time
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// tlsConfig is the TLS configuration for a server called host.
func (o Options) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if o.TLSConfig != nil {
		c = o.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if o.RootCAs != nil {
		c.RootCAs = o.RootCAs
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// DedupKey is the key bcsync uses for a sync's condition when a Message has none:
// bcsync/{kind}/{id}/{condition}.
func DedupKey(s Sync, condition string) string {
	kind := s.Kind
	if kind == "" {
		kind = "sync"
	}
	return "bcsync/" + kind + "/" + strconv.FormatInt(s.ID, 10) + "/" + condition
}

// prepare checks m and fills what it may leave out.
func (m Message) prepare(now time.Time) (Message, error) {
	switch m.State {
	case Triggered, Resolved, Test:
	default:
		return m, fmt.Errorf("the notification has no known state (%q): it must be triggered, resolved or test", m.State)
	}
	switch m.Severity {
	case Critical, Warning, Info:
	case "":
		m.Severity = Info
	default:
		return m, fmt.Errorf("the notification has no known severity (%q): it must be critical, warning or info", m.Severity)
	}
	if m.DedupKey == "" {
		cond := m.Condition
		if m.State == Test {
			cond = "test" // a test never touches the alert of a real condition
		}
		m.DedupKey = DedupKey(m.Sync, cond)
	}
	if m.At.IsZero() {
		m.At = now
	}
	return m, nil
}

// conditionPhrases say what each condition means, in a few words.
var conditionPhrases = map[string]string{
	"failed":      "sync failed",
	"rejected":    "records rejected",
	"blocked":     "run blocked, waiting for approval",
	"slow":        "run is slow",
	"stale":       "no successful sync lately",
	"credentials": "credentials refused",
	"webhooks":    "webhooks not working",
	"test":        "test notification",
}

func conditionPhrase(m Message) string {
	if p, ok := conditionPhrases[m.Condition]; ok {
		return p
	}
	if m.Condition == "" {
		if m.State == Test {
			return "test notification"
		}
		return "alert"
	}
	return strings.ReplaceAll(m.Condition, "_", " ")
}

// label is the first word of a title: the severity of a triggered message, else the state.
func label(m Message) string {
	switch m.State {
	case Resolved:
		return "RESOLVED"
	case Test:
		return "TEST"
	}
	if m.Severity == "" {
		return "INFO"
	}
	return strings.ToUpper(string(m.Severity))
}

// subject names the sync and its store: "Customers (Shop)".
func subject(m Message) string {
	name := m.Sync.Name
	switch {
	case name == "" && m.Store == "":
		return "bcsync"
	case name == "":
		return m.Store
	case m.Store == "" || m.Store == name:
		return name
	}
	return name + " (" + m.Store + ")"
}

// headline is what is wrong where, without the label: "Customers (Shop): records rejected".
func headline(m Message) string {
	return oneLine(subject(m) + ": " + conditionPhrase(m))
}

// Title is the message's first line: "[CRITICAL] Customers (Shop): records rejected". It is the
// email's subject and the Slack header.
func Title(m Message) string {
	return "[" + label(m) + "] " + headline(m)
}

// Text is the message as the plain text a person reads: the title, the summary, the sync, the store
// and the figures in aligned columns, the detail, the link to the run and the time. It is the email's
// text part; SMS uses its short form, Short.
func Text(m Message) string {
	var b strings.Builder
	b.WriteString(Title(m) + "\n")
	if s := oneLine(m.Summary); s != "" {
		b.WriteString(s + "\n")
	}
	rows := facts(m)
	if len(rows) > 0 {
		b.WriteString("\n")
		width := 0
		for _, f := range rows {
			width = max(width, utf8.RuneCountInString(f.Label))
		}
		for _, f := range rows {
			pad := width - utf8.RuneCountInString(f.Label)
			b.WriteString(f.Label + ":" + strings.Repeat(" ", pad+2) + oneLine(f.Value) + "\n")
		}
	}
	if d := strings.TrimSpace(normalizeNewlines(m.Detail)); d != "" {
		b.WriteString("\n" + d + "\n")
	}
	b.WriteString("\n")
	if m.URL != "" {
		b.WriteString("Open the run: " + m.URL + "\n")
	}
	if !m.At.IsZero() {
		b.WriteString(when(m) + "\n")
	}
	return b.String()
}

// facts are the rows shown under the summary: the sync, the store, then the figures.
func facts(m Message) []Figure {
	var rows []Figure
	if m.Sync.Name != "" || m.Sync.ID != 0 {
		s := m.Sync.Name
		var ref []string
		if m.Sync.Kind != "" {
			ref = append(ref, m.Sync.Kind)
		}
		if m.Sync.ID != 0 {
			ref = append(ref, "#"+strconv.FormatInt(m.Sync.ID, 10))
		}
		if len(ref) > 0 {
			s = strings.TrimSpace(s + " (" + strings.Join(ref, " ") + ")")
		}
		rows = append(rows, Figure{"Sync", s})
	}
	if m.Store != "" {
		rows = append(rows, Figure{"Store", m.Store})
	}
	for _, f := range m.Figures {
		if f.Label != "" || f.Value != "" {
			rows = append(rows, Figure{oneLine(f.Label), f.Value})
		}
	}
	return rows
}

// when says when the condition began, ended or the test was sent, in UTC.
func when(m Message) string {
	verb := "Detected"
	switch m.State {
	case Resolved:
		verb = "Resolved"
	case Test:
		verb = "Sent"
	}
	return verb + " at " + m.At.UTC().Format("2006-01-02 15:04:05 UTC")
}

// SMSLength is the length Short keeps to: one SMS segment.
const SMSLength = 160

// Short is the message in at most SMSLength characters, for SMS: the title, as much of the summary as
// fits, and the link to the run when it fits beside the title. Typographic punctuation is replaced by
// ASCII so the text stays in the GSM alphabet (one segment is 160 GSM characters but only 70 UCS-2).
func Short(m Message) string {
	title := gsmish(Title(m))
	summary := gsmish(oneLine(m.Summary))
	url := m.URL
	if utf8.RuneCountInString(title) >= SMSLength {
		return truncate(title, SMSLength)
	}
	tail := ""
	if url != "" && utf8.RuneCountInString(title)+1+utf8.RuneCountInString(url) <= SMSLength {
		tail = " " + url
	}
	const sep = " - "
	room := SMSLength - utf8.RuneCountInString(title) - utf8.RuneCountInString(tail) - len(sep)
	s := title
	if summary != "" && room >= 12 {
		s += sep + truncate(summary, room)
	}
	return s + tail
}

var gsmReplacer = strings.NewReplacer("…", "...", "–", "-", "—", "-", "‘", "'", "’", "'", "“", `"`, "”", `"`, "·", "-", "•", "-", "\u00a0", " ")

func gsmish(s string) string { return gsmReplacer.Replace(s) }

// truncate cuts s to at most n characters, ending in "..." when cut; it cuts between words when a
// space is near the end.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 3 {
		return string([]rune(s)[:n])
	}
	r := []rune(s)[:n-3]
	for i := len(r) - 1; i > 0 && i >= len(r)-15; i-- {
		if r[i] == ' ' {
			r = r[:i]
			break
		}
	}
	return strings.TrimRight(string(r), " ,;:-") + "..."
}

// truncateBytes cuts s to at most n bytes on a character boundary, ending in "…" when cut.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// oneLine folds line breaks and tabs into spaces.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\t', '\v', '\f':
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// shortHash is a stable, opaque token for a string (a dedup key too long for PagerDuty, email thread
// ids).
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}
