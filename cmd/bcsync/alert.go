package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/resource"
)

type alertCmd struct {
	serviceFlags
	Channel alertChannelCmd `cmd:"" help:"Add, list, test or remove the channels alerts go to."`
	Rule    alertRuleCmd    `cmd:"" help:"Add, list or remove rules: which conditions of which syncs a channel hears of."`
	History alertHistoryCmd `cmd:"" help:"List the notifications sent or being sent, newest first, with their state."`
}

type alertChannelCmd struct {
	Add    alertChannelAddCmd    `cmd:"" help:"Add a channel (its configuration is checked first); prints its id on the last line."`
	List   alertChannelListCmd   `cmd:"" help:"List the channels (never their secrets)."`
	Test   alertChannelTestCmd   `cmd:"" help:"Send a test notification through a channel now."`
	Remove alertChannelRemoveCmd `cmd:"" help:"Remove a channel and its rules (its history stays)."`
}

type alertChannelAddCmd struct {
	Name       string   `required:"" help:"A name for the channel, e.g. ops-slack."`
	Type       string   `required:"" help:"slack, pagerduty, sms, email or webhook."`
	URL        string   `name:"url" help:"slack: the incoming-webhook URL; webhook: the https:// address that receives notifications."`
	RoutingKey string   `help:"pagerduty: the integration key of an Events API v2 integration."`
	SMTPURL    string   `name:"smtp-url" help:"email: smtp://user:pass@host:port (STARTTLS) or smtps://user:pass@host:port (implicit TLS)."`
	From       string   `help:"email: the sender, e.g. 'bcsync <alerts@example.com>'; sms: the Twilio number, messaging service SID or sender ID."`
	To         []string `help:"email: the recipients (repeat, or separate with commas); sms: the number to text, e.g. +14155550100."`
	Secret     string   `help:"webhook: the key of the X-Bcsync-Signature HMAC (16 characters or more, e.g. openssl rand -hex 32)."`
	AccountSID string   `name:"account-sid" help:"sms: the Twilio account SID (AC…)."`
	AuthToken  string   `help:"sms: the Twilio auth token."`
}

func (c *alertChannelAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		ch, err := s.Alerts.AddChannel(ctx, c.Name, notify.Config{Type: notify.Type(c.Type), URL: c.URL, RoutingKey: c.RoutingKey, SMTPURL: c.SMTPURL,
			From: c.From, To: c.To, Secret: c.Secret, AccountSID: c.AccountSID, AuthToken: c.AuthToken})
		if err != nil {
			return err
		}
		fmt.Printf("added %s channel %s (%s); send a test with: bcsync alert channel test %d\n", ch.Type, ch.Name, ch.Target, ch.ID)
		fmt.Println(ch.ID)
		return nil
	})
}

type alertChannelListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *alertChannelListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		cs, err := s.Alerts.Channels(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.AlertChannel, len(cs))
		for i, ch := range cs {
			out[i] = resource.NewAlertChannel(ch)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.AlertChannels(os.Stdout, out)
		return nil
	})
}

type alertChannelTestCmd struct {
	ID int64 `arg:"" help:"Channel id."`
}

func (c *alertChannelTestCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		d, err := s.Alerts.Test(ctx, c.ID)
		if err != nil {
			return err
		}
		fmt.Printf("test notification %d delivered to %s (%s)\n", d.ID, d.ChannelName, d.ChannelType)
		return nil
	})
}

type alertChannelRemoveCmd struct {
	ID int64 `arg:"" help:"Channel id."`
}

func (c *alertChannelRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.Alerts.RemoveChannel(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("channel %d removed with its rules\n", c.ID)
		return nil
	})
}

type alertRuleCmd struct {
	Add    alertRuleAddCmd    `cmd:"" help:"Add a rule; prints its id on the last line."`
	List   alertRuleListCmd   `cmd:"" help:"List the rules."`
	Remove alertRuleRemoveCmd `cmd:"" help:"Remove a rule: nothing more is sent for it."`
}

// share is a share given as a percentage (1%) or a fraction (0.01).
type share float64

func (s *share) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil {
		return fmt.Errorf("%q is not a share: give a percentage (1%%) or a fraction (0.01)", v)
	}
	if pct {
		f /= 100
	}
	*s = share(f)
	return nil
}

type alertRuleAddCmd struct {
	Channel          int64         `required:"" help:"The channel to notify."`
	Sync             int64         `help:"The sync to watch (a connection's id is its sync's)." xor:"target"`
	All              bool          `help:"Watch every sync, present and future." xor:"target"`
	On               []string      `help:"Conditions to watch: failed, rejected, blocked, slow, stale, credentials, webhooks (default: all)."`
	RejectedWarning  share         `help:"Warn when a run rejects this share of the records it tried to write." default:"1%"`
	RejectedCritical share         `help:"Critical from this share of rejected records." default:"10%"`
	SlowFactor       float64       `help:"A run is slow beyond this many times the median of the last 10 runs." default:"3"`
	StaleIntervals   float64       `help:"A sync is stale after this many intervals without a successful run." default:"3"`
	Quiet            time.Duration `help:"A condition back within this long of its recovery notice is told only if it still holds then (0: tell every change)." default:"15m"`
}

func (c *alertRuleAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		r, err := s.Alerts.AddRule(ctx, alert.RuleInput{ChannelID: c.Channel, SyncID: c.Sync, All: c.All, Conditions: c.On, QuietSet: true,
			Thresholds: alert.Thresholds{RejectedWarning: float64(c.RejectedWarning), RejectedCritical: float64(c.RejectedCritical),
				SlowFactor: c.SlowFactor, StaleIntervals: c.StaleIntervals, Quiet: c.Quiet}})
		if err != nil {
			return err
		}
		of := "every sync"
		if r.SyncID != 0 {
			of = fmt.Sprintf("sync %d", r.SyncID)
		}
		fmt.Printf("channel %d hears of %s of %s\n", r.ChannelID, strings.Join(r.Conditions, ", "), of)
		fmt.Println(r.ID)
		return nil
	})
}

type alertRuleListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *alertRuleListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		rules, err := s.Alerts.Rules(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.AlertRule, len(rules))
		for i, r := range rules {
			out[i] = resource.NewAlertRule(r)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cs, err := s.Alerts.Channels(ctx)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for _, ch := range cs {
			names[ch.ID] = ch.Name
		}
		cli.AlertRules(os.Stdout, out, names)
		return nil
	})
}

type alertRuleRemoveCmd struct {
	ID int64 `arg:"" help:"Rule id."`
}

func (c *alertRuleRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.Alerts.RemoveRule(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("rule %d removed\n", c.ID)
		return nil
	})
}

type alertHistoryCmd struct {
	Sync  int64 `help:"Only the notifications of this sync."`
	Limit int   `help:"How many, newest first." default:"50"`
	JSON  bool  `help:"Print JSON: one array of notifications, each with its state, condition, severity, sync, store, message, url and delivery status."`
}

func (c *alertHistoryCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		list, err := s.Alerts.History(ctx, c.Sync, max(c.Limit, 1), 0)
		if err != nil {
			return err
		}
		out := make([]resource.Notification, len(list))
		for i, d := range list {
			out[i] = resource.NewNotification(d, false)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Notifications(os.Stdout, out)
		return nil
	})
}
