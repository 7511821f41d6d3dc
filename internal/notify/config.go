package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Type is a kind of channel.
type Type string

const (
	TypeSlack     Type = "slack"
	TypePagerDuty Type = "pagerduty"
	TypeSMS       Type = "sms"
	TypeEmail     Type = "email"
	TypeWebhook   Type = "webhook"
)

// Types lists every kind of channel, in the order the CLI and UI offer them.
var Types = []Type{TypeSlack, TypePagerDuty, TypeSMS, TypeEmail, TypeWebhook}

// Config describes a channel as the CLI (--type, --url, …) and the UI give it. Each type uses some
// of the fields and refuses the others:
//
//	slack      URL (the incoming-webhook URL)
//	pagerduty  RoutingKey
//	sms        AccountSID, AuthToken, From, To (one number)
//	email      SMTPURL, From, To (one or more addresses)
//	webhook    URL, Secret
type Config struct {
	Type       Type
	URL        string
	RoutingKey string
	SMTPURL    string
	From       string
	To         []string
	Secret     string
	AccountSID string
	AuthToken  string
}

// field is one of Config's fields, with its flag's name, for the refusal of fields a type does not use.
type field struct {
	flag string
	set  bool
}

func (c Config) fields() []field {
	return []field{
		{"--url", strings.TrimSpace(c.URL) != ""},
		{"--routing-key", strings.TrimSpace(c.RoutingKey) != ""},
		{"--smtp-url", strings.TrimSpace(c.SMTPURL) != ""},
		{"--from", strings.TrimSpace(c.From) != ""},
		{"--to", len(c.To) > 0},
		{"--secret", c.Secret != ""},
		{"--account-sid", strings.TrimSpace(c.AccountSID) != ""},
		{"--auth-token", strings.TrimSpace(c.AuthToken) != ""},
	}
}

var usedFlags = map[Type][]string{
	TypeSlack:     {"--url"},
	TypePagerDuty: {"--routing-key"},
	TypeSMS:       {"--account-sid", "--auth-token", "--from", "--to"},
	TypeEmail:     {"--smtp-url", "--from", "--to"},
	TypeWebhook:   {"--url", "--secret"},
}

var typeNames = map[Type]string{TypeSlack: "a Slack", TypePagerDuty: "a PagerDuty", TypeSMS: "an SMS", TypeEmail: "an email", TypeWebhook: "a webhook"}

// Validate returns every problem of the configuration, each as one sentence (joined by errors.Join),
// or nil.
func (c Config) Validate() error {
	used, ok := usedFlags[c.Type]
	if !ok {
		names := make([]string, len(Types))
		for i, t := range Types {
			names[i] = string(t)
		}
		if c.Type == "" {
			return fmt.Errorf("a channel needs --type, one of %s", strings.Join(names, ", "))
		}
		return fmt.Errorf("--type must be one of %s, not %q", strings.Join(names, ", "), c.Type)
	}
	var ps []error
	for _, f := range c.fields() {
		if f.set && !slices.Contains(used, f.flag) {
			ps = append(ps, fmt.Errorf("%s channel takes no %s (it uses %s)", typeNames[c.Type], f.flag, strings.Join(used, ", ")))
		}
	}
	switch c.Type {
	case TypeSlack:
		ps = append(ps, c.slack().problems()...)
	case TypePagerDuty:
		ps = append(ps, c.pagerDuty().problems()...)
	case TypeSMS:
		if len(c.To) > 1 {
			ps = append(ps, errors.New("an SMS channel texts one number (--to once): add a channel for each person, so that a retry never texts twice those it reached"))
		}
		ps = append(ps, c.sms().problems()...)
	case TypeEmail:
		ps = append(ps, c.email().problems()...)
	case TypeWebhook:
		ps = append(ps, c.webhook().problems()...)
	}
	return errors.Join(ps...)
}

func (c Config) slack() SlackConfig         { return SlackConfig{URL: c.URL} }
func (c Config) pagerDuty() PagerDutyConfig { return PagerDutyConfig{RoutingKey: c.RoutingKey} }
func (c Config) email() EmailConfig         { return EmailConfig{SMTPURL: c.SMTPURL, From: c.From, To: c.To} }
func (c Config) webhook() WebhookConfig     { return WebhookConfig{URL: c.URL, Secret: c.Secret} }
func (c Config) sms() SMSConfig {
	s := SMSConfig{AccountSID: c.AccountSID, AuthToken: c.AuthToken, From: c.From}
	if len(c.To) > 0 {
		s.To = c.To[0]
	}
	return s
}

// Secrets are the values to seal at rest and to redact wherever they might show: the Slack URL (with
// its path and token), the routing key, the SMTP URL and its password, the auth token, the webhook
// secret and URL. Values of fields the type does not use are left out.
func (c Config) Secrets() []string {
	var out []string
	switch c.Type {
	case TypeSlack:
		out = c.slack().secrets()
	case TypePagerDuty:
		out = c.pagerDuty().secrets()
	case TypeSMS:
		out = c.sms().secrets()
	case TypeEmail:
		out = c.email().secrets()
	case TypeWebhook:
		out = c.webhook().secrets()
	}
	kept := out[:0]
	for _, s := range out {
		if s != "" && !slices.Contains(kept, s) {
			kept = append(kept, s)
		}
	}
	return kept
}

// Build validates the configuration and returns its channel.
func (c Config) Build(opts Options) (Channel, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Type {
	case TypeSlack:
		return NewSlack(c.slack(), opts)
	case TypePagerDuty:
		return NewPagerDuty(c.pagerDuty(), opts)
	case TypeSMS:
		return NewSMS(c.sms(), opts)
	case TypeEmail:
		return NewEmail(c.email(), opts)
	case TypeWebhook:
		return NewWebhook(c.webhook(), opts)
	}
	return nil, fmt.Errorf("notify: no channel of type %q", c.Type)
}

// errorf is fmt.Errorf, named for the sentences of configuration problems.
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
