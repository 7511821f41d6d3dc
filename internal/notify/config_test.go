package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const testSlackURL = "https://hooks.slack.com/services/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"

func TestConfigValidate(t *testing.T) {
	sms := func(f func(*Config)) Config {
		c := Config{Type: TypeSMS, AccountSID: testAccountSID, AuthToken: testAuthToken, From: "+14155550100", To: []string{"+14155550199"}}
		f(&c)
		return c
	}
	email := func(f func(*Config)) Config {
		c := Config{Type: TypeEmail, SMTPURL: "smtp://user:pass@smtp.example.com:587", From: "bcsync <alerts@example.com>", To: []string{"ops@example.com"}}
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // one substring per problem; none for a valid configuration
	}{
		{"no type", Config{}, []string{"a channel needs --type, one of slack, pagerduty, sms, email, webhook"}},
		{"unknown type", Config{Type: "teams"}, []string{`--type must be one of slack, pagerduty, sms, email, webhook, not "teams"`}},

		{"slack", Config{Type: TypeSlack, URL: testSlackURL}, nil},
		{"slack without URL", Config{Type: TypeSlack}, []string{"a Slack channel needs --url, the incoming-webhook URL (https://hooks.slack.com/services/…)"}},
		{"slack over http", Config{Type: TypeSlack, URL: "http://hooks.slack.com/services/T/B/X"}, []string{"the Slack --url must use https (plain http is allowed only to loopback, for tests)"}},
		{"slack to loopback over http", Config{Type: TypeSlack, URL: "http://127.0.0.1:8080/services/T/B/X"}, nil},
		{"slack to localhost over http", Config{Type: TypeSlack, URL: "http://localhost:8080/x"}, nil},
		{"slack to ::1 over http", Config{Type: TypeSlack, URL: "http://[::1]:8080/x"}, nil},
		{"slack URL without scheme", Config{Type: TypeSlack, URL: "hooks.slack.com/services/T/B/X"}, []string{"the Slack --url must be a URL like https://hooks.slack.com/services/…"}},
		{"slack with a routing key", Config{Type: TypeSlack, URL: testSlackURL, RoutingKey: testRoutingKey}, []string{"a Slack channel takes no --routing-key (it uses --url)"}},

		{"pagerduty", Config{Type: TypePagerDuty, RoutingKey: testRoutingKey}, nil},
		{"pagerduty without key", Config{Type: TypePagerDuty}, []string{"a PagerDuty channel needs --routing-key, the integration key of an Events API v2 integration (32 characters)"}},
		{"pagerduty short key", Config{Type: TypePagerDuty, RoutingKey: "abc123"}, []string{"must be the 32 letters and digits of an Events API v2 integration key (this one has 6 characters)"}},
		{"pagerduty with a URL", Config{Type: TypePagerDuty, RoutingKey: testRoutingKey, URL: testSlackURL}, []string{"a PagerDuty channel takes no --url (it uses --routing-key)"}},

		{"sms", sms(func(*Config) {}), nil},
		{"sms from a sender ID", sms(func(c *Config) { c.From = "bcsync" }), nil},
		{"sms from a messaging service", sms(func(c *Config) { c.From = "MG0123456789abcdef0123456789abcdef" }), nil},
		{"sms with nothing", Config{Type: TypeSMS}, []string{"needs --account-sid", "needs --auth-token", "needs --from", "needs --to"}},
		{"sms bad SID", sms(func(c *Config) { c.AccountSID = "SK0123" }), []string{"the SMS --account-sid must be a Twilio account SID: AC followed by 32 hexadecimal digits"}},
		{"sms national number", sms(func(c *Config) { c.To = []string{"0155 550199"} }), []string{`the SMS --to "0155 550199" is not a phone number in international form, like +14155550100`}},
		{"sms bad from", sms(func(c *Config) { c.From = "+1" }), []string{`the SMS --from "+1" is neither a phone number`}},
		{"sms to two numbers", sms(func(c *Config) { c.To = []string{"+14155550199", "+14155550198"} }), []string{"an SMS channel texts one number (--to once)"}},
		{"sms with a secret", sms(func(c *Config) { c.Secret = "x" }), []string{"an SMS channel takes no --secret"}},

		{"email", email(func(*Config) {}), nil},
		{"email smtps", email(func(c *Config) { c.SMTPURL = "smtps://user:pass@smtp.example.com" }), nil},
		{"email relay without login", email(func(c *Config) { c.SMTPURL = "smtp://relay.internal" }), nil},
		{"email optional STARTTLS on loopback", email(func(c *Config) { c.SMTPURL = "smtp://127.0.0.1:2525?starttls=optional" }), nil},
		{"email with nothing", Config{Type: TypeEmail}, []string{"needs --smtp-url", "needs --from", "needs --to"}},
		{"email not an SMTP URL", email(func(c *Config) { c.SMTPURL = "https://smtp.example.com" }), []string{"the email --smtp-url must look like smtp://user:password@smtp.example.com:587"}},
		{"email optional STARTTLS elsewhere", email(func(c *Config) { c.SMTPURL = "smtp://user:pass@smtp.example.com?starttls=optional" }), []string{"may say ?starttls=optional only for a server on loopback"}},
		{"email smtps with starttls", email(func(c *Config) { c.SMTPURL = "smtps://user:pass@smtp.example.com?starttls=required" }), []string{"takes ?starttls only with smtp://"}},
		{"email unknown parameter", email(func(c *Config) { c.SMTPURL = "smtp://user:pass@smtp.example.com?tls=off" }), []string{`has an unknown parameter "tls"`}},
		{"email bad port", email(func(c *Config) { c.SMTPURL = "smtp://user:pass@smtp.example.com:99999" }), []string{`has no valid port ("99999")`}},
		{"email user without password", email(func(c *Config) { c.SMTPURL = "smtp://user@smtp.example.com" }), []string{`names user "user" but no password`}},
		{"email bad addresses", email(func(c *Config) { c.From = "alerts"; c.To = []string{"ops@example.com", "nobody"} }), []string{`the email --from "alerts" is not an email address`, `the email --to "nobody" is not an email address`}},

		{"webhook", Config{Type: TypeWebhook, URL: "https://alerts.example.com/bcsync", Secret: testWebhookSecret}, nil},
		{"webhook with nothing", Config{Type: TypeWebhook}, []string{"a webhook channel needs --url", "a webhook channel needs --secret"}},
		{"webhook short secret", Config{Type: TypeWebhook, URL: "https://alerts.example.com/bcsync", Secret: "hunter2"}, []string{"the webhook --secret is too short to be safe: use at least 16 characters"}},
		{"webhook over http", Config{Type: TypeWebhook, URL: "http://alerts.example.com/bcsync", Secret: testWebhookSecret}, []string{"the webhook --url must use https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %q", tc.want)
			}
			var problems []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				problems = j.Unwrap()
			} else {
				problems = []error{err}
			}
			if len(problems) != len(tc.want) {
				t.Errorf("%d problems, want %d: %v", len(problems), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			for _, p := range problems {
				if s := p.Error(); strings.Contains(s, "\n") || s == "" {
					t.Errorf("a problem must be one sentence: %q", s)
				}
			}
			if _, berr := tc.cfg.Build(Options{}); berr == nil || berr.Error() != err.Error() {
				t.Errorf("Build must refuse what Validate refuses: %v", berr)
			}
		})
	}
}

func TestConfigSecrets(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want []string
		not  []string
	}{
		{Config{Type: TypeSlack, URL: testSlackURL}, []string{testSlackURL, "/services/T0123ABCD/B0456EFGH/x9Yq2LmNoPqRsTuVwXyZ1234", "x9Yq2LmNoPqRsTuVwXyZ1234"}, nil},
		{Config{Type: TypePagerDuty, RoutingKey: testRoutingKey}, []string{testRoutingKey}, nil},
		{Config{Type: TypeSMS, AccountSID: testAccountSID, AuthToken: testAuthToken, From: "+14155550100", To: []string{"+14155550199"}}, []string{testAuthToken}, []string{testAccountSID}},
		{Config{Type: TypeEmail, SMTPURL: "smtp://alerts%40example.com:" + smtpPassInURL + "@smtp.example.com", From: "a@example.com", To: []string{"b@example.com"}},
			[]string{smtpPass, smtpPassInURL, "smtp://alerts%40example.com:" + smtpPassInURL + "@smtp.example.com"}, []string{"alerts@example.com"}},
		{Config{Type: TypeWebhook, URL: "https://alerts.example.com" + testWebhookPath, Secret: testWebhookSecret}, []string{testWebhookSecret, "https://alerts.example.com" + testWebhookPath, testWebhookPath}, nil},
		// Values of fields a type does not use are not its secrets.
		{Config{Type: TypeSlack, URL: testSlackURL, AuthToken: "stray-token-value"}, []string{testSlackURL}, []string{"stray-token-value"}},
	} {
		got := tc.cfg.Secrets()
		for _, w := range tc.want {
			if !contains(got, w) {
				t.Errorf("%s: Secrets() = %q lacks %q", tc.cfg.Type, got, w)
			}
		}
		for _, n := range tc.not {
			if contains(got, n) {
				t.Errorf("%s: Secrets() = %q holds %q", tc.cfg.Type, got, n)
			}
		}
	}
}

func TestBuildGivesEachType(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want any
	}{
		{Config{Type: TypeSlack, URL: testSlackURL}, &Slack{}},
		{Config{Type: TypePagerDuty, RoutingKey: testRoutingKey}, &PagerDuty{}},
		{Config{Type: TypeSMS, AccountSID: testAccountSID, AuthToken: testAuthToken, From: "bcsync", To: []string{"+14155550199"}}, &SMS{}},
		{Config{Type: TypeEmail, SMTPURL: "smtps://u:p@smtp.example.com", From: "a@example.com", To: []string{"b@example.com"}}, &Email{}},
		{Config{Type: TypeWebhook, URL: "https://alerts.example.com/x", Secret: testWebhookSecret}, &Webhook{}},
	} {
		ch, err := tc.cfg.Build(Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.cfg.Type, err)
		}
		if got, want := typeName(ch), typeName(tc.want); got != want {
			t.Errorf("%s built a %s, want a %s", tc.cfg.Type, got, want)
		}
	}
	// Base URLs given for tests must not carry a secret off the machine in the clear either.
	if _, err := (Config{Type: TypePagerDuty, RoutingKey: testRoutingKey}).Build(Options{PagerDutyURL: "http://events.example.com"}); err == nil {
		t.Error("a plain-http PagerDuty URL off loopback was taken")
	}
	if _, err := (Config{Type: TypeSMS, AccountSID: testAccountSID, AuthToken: testAuthToken, From: "bcsync", To: []string{"+14155550199"}}).Build(Options{TwilioURL: "http://api.example.com"}); err == nil {
		t.Error("a plain-http Twilio URL off loopback was taken")
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *Slack:
		return "Slack"
	case *PagerDuty:
		return "PagerDuty"
	case *SMS:
		return "SMS"
	case *Email:
		return "Email"
	case *Webhook:
		return "Webhook"
	}
	return "?"
}

func TestAMessageWithoutAStateIsNotSent(t *testing.T) {
	h := newSlackHook(t)
	log := &callLog{}
	ch := newTestSlack(t, h, log)
	for _, m := range []Message{{}, {State: "firing", Summary: "x"}, {State: Triggered, Severity: "urgent"}} {
		err := ch.Send(context.Background(), m)
		se := sendError(t, err)
		if se.Retryable || !strings.HasPrefix(err.Error(), "bcsync did not send the notification: ") {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if len(log.all()) != 0 || len(h.payloads) != 0 {
		t.Error("an invalid message went out")
	}
}

func TestPrepareFillsDedupKeyTimeAndSeverity(t *testing.T) {
	m, err := Message{State: Resolved, Condition: "failed", Sync: Sync{ID: 4, Kind: "marketing"}}.prepare(testAt)
	if err != nil {
		t.Fatal(err)
	}
	if m.DedupKey != "bcsync/marketing/4/failed" || !m.At.Equal(testAt) || m.Severity != Info {
		t.Errorf("%+v", m)
	}
	if DedupKey(Sync{ID: 4}, "slow") != "bcsync/sync/4/slow" {
		t.Error(DedupKey(Sync{ID: 4}, "slow"))
	}
}

func TestRetryable(t *testing.T) {
	if Retryable(errors.New("plain")) || Retryable(nil) {
		t.Error("only a retryable SendError is retryable")
	}
	wrapped := errors.Join(errors.New("context"), &SendError{Retryable: true, Reason: "x"})
	if !Retryable(wrapped) {
		t.Error("a wrapped retryable SendError is retryable")
	}
}

func TestTitles(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{sample(), "[WARNING] Customers from warehouse (Shop): records rejected"},
		{Message{State: Triggered, Severity: Critical, Condition: "failed", Sync: Sync{Name: "Shop"}, Store: "Shop"}, "[CRITICAL] Shop: sync failed"},
		{Message{State: Resolved, Condition: "blocked", Sync: Sync{Name: "Orders"}}, "[RESOLVED] Orders: run blocked, waiting for approval"},
		{Message{State: Test, Store: "Shop"}, "[TEST] Shop: test notification"},
		{Message{State: Triggered, Severity: Info, Condition: "row_count_drop"}, "[INFO] bcsync: row count drop"},
		{Message{State: Triggered, Severity: Warning, Condition: "credentials", Sync: Sync{Name: "A\nB"}}, "[WARNING] A B: credentials refused"},
	} {
		if got := Title(tc.m); got != tc.want {
			t.Errorf("Title = %q, want %q", got, tc.want)
		}
	}
}
