package alert

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// Options are what the process gives alerts.
type Options struct {
	Logger *slog.Logger
	// Observer sees every call a delivery makes (the debugger, the metrics of API calls).
	Observer apicall.Observer
	// Outcomes counts deliveries as they end (metrics); may be nil.
	Outcomes Outcomes
	// Shops builds the clients that read stores' webhooks; nil: the webhooks condition is not checked.
	Shops *shop.Service
	// PublicURL is where users reach bcsync: notifications link to runs below it, and stores deliver
	// webhooks to it ("" : no links, no webhooks to check).
	PublicURL string
	// Channels are the options every channel is built with (timeouts, TLS, PagerDuty's and Twilio's
	// base URLs); its Observer is set here.
	Channels notify.Options
	// CheckEvery is how often every watched sync is judged again (stale syncs, slow runs going on,
	// changes a quiet period held back); default 1 minute.
	CheckEvery time.Duration
	// WebhooksEvery is how often stores' webhooks are read from BigCommerce; default 15 minutes.
	WebhooksEvery time.Duration
	// KeepHistory is how long sent and failed notifications are kept; 0: forever.
	KeepHistory time.Duration
	Now         func() time.Time
}

// Outcomes are told of each notification once its delivery ended.
type Outcomes interface {
	AlertSent(channelType, state string)
	AlertFailed(channelType, state string)
}

// Queue queues jobs in a transaction of the state database (jobs.Queue).
type Queue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Service is alerts: channels, rules, the judging of conditions and the deliveries.
type Service struct {
	store *store.Store
	opts  Options
	log   *slog.Logger
	queue Queue
}

// New returns alerts over a state store. UseQueue must be called before conditions are judged.
func New(s *store.Store, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.CheckEvery = cmp.Or(opts.CheckEvery, time.Minute)
	opts.WebhooksEvery = cmp.Or(opts.WebhooksEvery, 15*time.Minute)
	return &Service{store: s, opts: opts, log: opts.Logger}
}

// UseQueue gives alerts the job queue that delivers their notifications (built after New, as the
// queue runs alerts' workers).
func (a *Service) UseQueue(q Queue) { a.queue = q }

// Channel is a channel as lists show it: no secret.
type Channel struct {
	ID        int64
	Name      string
	Type      notify.Type
	Target    string
	CreatedAt time.Time
}

func channelOf(c *store.AlertChannel) Channel {
	return Channel{ID: c.ID, Name: c.Name, Type: notify.Type(c.Type), Target: c.Target, CreatedAt: c.CreatedAt}
}

// AddChannel checks a channel's configuration and saves it, sealed.
func (a *Service) AddChannel(ctx context.Context, name string, cfg notify.Config) (Channel, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Channel{}, &InputError{Field: "name", Reason: "a channel needs a name (--name), to tell it apart in rules and in the history"}
	}
	cfg = trimConfig(cfg)
	if err := cfg.Validate(); err != nil {
		return Channel{}, configError(err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return Channel{}, fmt.Errorf("alert: %w", err)
	}
	c := &store.AlertChannel{Name: name, Type: string(cfg.Type), Config: string(raw), Target: target(cfg)}
	if err := a.store.CreateAlertChannel(ctx, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return Channel{}, &InputError{Field: "name", Reason: fmt.Sprintf("a channel is named %q already: choose another name", name)}
		}
		return Channel{}, err
	}
	a.log.Info("alert channel added", slog.Int64("channel_id", c.ID), slog.String("type", c.Type))
	return channelOf(c), nil
}

func trimConfig(c notify.Config) notify.Config {
	c.Type = notify.Type(strings.ToLower(strings.TrimSpace(string(c.Type))))
	var to []string
	for _, t := range c.To {
		for part := range strings.SplitSeq(t, ",") {
			if p := strings.TrimSpace(part); p != "" {
				to = append(to, p)
			}
		}
	}
	c.To = to
	return c
}

// target says where a channel's notifications go, without any secret: the host of a URL (its path
// is the credential), the SMTP server and recipients, the number texted.
func target(c notify.Config) string {
	host := func(raw string) string {
		if u, err := url.Parse(raw); err == nil {
			return u.Host
		}
		return ""
	}
	switch c.Type {
	case notify.TypeSlack, notify.TypeWebhook:
		return host(c.URL)
	case notify.TypePagerDuty:
		return "PagerDuty Events API v2"
	case notify.TypeSMS:
		return strings.Join(c.To, ", ")
	case notify.TypeEmail:
		return strings.Join(c.To, ", ") + " via " + host(c.SMTPURL)
	}
	return ""
}

// Channels lists the channels.
func (a *Service) Channels(ctx context.Context) ([]Channel, error) {
	cs, err := a.store.AlertChannels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Channel, len(cs))
	for i, c := range cs {
		out[i] = channelOf(c)
	}
	return out, nil
}

// Channel returns one channel.
func (a *Service) Channel(ctx context.Context, id int64) (Channel, error) {
	c, err := a.store.AlertChannel(ctx, id)
	if err != nil {
		return Channel{}, err
	}
	return channelOf(c), nil
}

// RemoveChannel removes a channel and its rules. Its notifications stay in the history; those not
// delivered yet are not.
func (a *Service) RemoveChannel(ctx context.Context, id int64) error {
	if err := a.store.DeleteAlertChannel(ctx, id); err != nil {
		return err
	}
	a.log.Info("alert channel removed", slog.Int64("channel_id", id))
	return nil
}

// RuleInput is a rule as the CLI, the UI and the API give it.
type RuleInput struct {
	ChannelID int64
	SyncID    int64 // with All false
	All       bool  // every sync, present and future
	// Conditions to watch; none: every condition.
	Conditions []string
	// Thresholds; zero fields take Defaults.
	Thresholds Thresholds
	// QuietSet says Thresholds.Quiet was given (0 is a valid quiet period: no folding).
	QuietSet bool
}

// AddRule checks and saves a rule.
func (a *Service) AddRule(ctx context.Context, in RuleInput) (*store.AlertRule, error) {
	switch {
	case in.ChannelID <= 0:
		return nil, &InputError{Field: "channel", Reason: "a rule needs the channel it notifies (--channel ID)"}
	case in.All && in.SyncID != 0:
		return nil, &InputError{Field: "sync", Reason: "a rule is for one sync (--sync ID) or for all of them (--all), not both"}
	case !in.All && in.SyncID <= 0:
		return nil, &InputError{Field: "sync", Reason: "a rule needs the sync it watches (--sync ID), or --all for every sync"}
	}
	conds, err := parseConditions(in.Conditions)
	if err != nil {
		return nil, err
	}
	th := in.Thresholds
	d := Defaults
	th.RejectedWarning = cmp.Or(th.RejectedWarning, d.RejectedWarning)
	th.RejectedCritical = cmp.Or(th.RejectedCritical, d.RejectedCritical)
	th.SlowFactor = cmp.Or(th.SlowFactor, d.SlowFactor)
	th.StaleIntervals = cmp.Or(th.StaleIntervals, d.StaleIntervals)
	if !in.QuietSet {
		th.Quiet = d.Quiet
	}
	switch {
	case th.RejectedWarning <= 0 || th.RejectedWarning > 1 || th.RejectedCritical <= 0 || th.RejectedCritical > 1:
		return nil, &InputError{Field: "rejected_warning", Reason: "rejected shares are between 0 and 100%, e.g. 1% or 0.01"}
	case th.RejectedCritical < th.RejectedWarning:
		return nil, &InputError{Field: "rejected_critical", Reason: fmt.Sprintf("the critical rejected share (%s) is below the warning one (%s)", percent(th.RejectedCritical), percent(th.RejectedWarning))}
	case th.SlowFactor <= 1:
		return nil, &InputError{Field: "slow_factor", Reason: "a run is slow at more than 1 times its usual duration: give a factor above 1, e.g. 3"}
	case th.StaleIntervals < 1:
		return nil, &InputError{Field: "stale_intervals", Reason: "a sync is stale after at least 1 interval without a successful run"}
	case th.Quiet < 0:
		return nil, &InputError{Field: "quiet", Reason: "the quiet period cannot be negative"}
	}
	if _, err := a.store.AlertChannel(ctx, in.ChannelID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &InputError{Field: "channel", Reason: fmt.Sprintf("no alert channel has the id %d (bcsync alert channel list)", in.ChannelID)}
		}
		return nil, err
	}
	if !in.All {
		if _, err := a.store.Sync(ctx, in.SyncID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, &InputError{Field: "sync", Reason: fmt.Sprintf("no sync has the id %d (a connection's id is its sync's)", in.SyncID)}
			}
			return nil, err
		}
	}
	r := &store.AlertRule{ChannelID: in.ChannelID, Conditions: conds, RejectedWarning: th.RejectedWarning, RejectedCritical: th.RejectedCritical,
		SlowFactor: th.SlowFactor, StaleIntervals: th.StaleIntervals, Quiet: th.Quiet}
	if !in.All {
		r.SyncID = in.SyncID
	}
	if err := a.store.CreateAlertRule(ctx, r); err != nil {
		return nil, err // removed meanwhile: the store's ErrNotFound
	}
	a.log.Info("alert rule added", slog.Int64("rule_id", r.ID), slog.Int64("channel_id", r.ChannelID), slog.Int64("sync_id", r.SyncID))
	return r, nil
}

// parseConditions reads conditions given as names, each possibly a comma-separated list; none is every
// condition.
func parseConditions(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		for part := range strings.SplitSeq(s, ",") {
			c := strings.ToLower(strings.TrimSpace(part))
			if c == "" {
				continue
			}
			if !slices.Contains(Conditions, c) {
				return nil, &InputError{Field: "on", Reason: fmt.Sprintf("%q is not a condition: use %s", c, strings.Join(Conditions, ", "))}
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		return slices.Clone(Conditions), nil
	}
	// Kept in the usual order, so that lists read the same whatever order they were given in.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Conditions, a) - slices.Index(Conditions, b) })
	return out, nil
}

// Rules lists the rules.
func (a *Service) Rules(ctx context.Context) ([]*store.AlertRule, error) {
	return a.store.AlertRules(ctx)
}

// RemoveRule removes a rule: nothing more is sent for it, not even the recovery of an alert it sent.
func (a *Service) RemoveRule(ctx context.Context, id int64) error {
	if err := a.store.DeleteAlertRule(ctx, id); err != nil {
		return err
	}
	a.log.Info("alert rule removed", slog.Int64("rule_id", id))
	return nil
}

// History returns notifications, newest first (syncID > 0: a sync's).
func (a *Service) History(ctx context.Context, syncID int64, limit int, before int64) ([]*store.AlertDelivery, error) {
	return a.store.AlertDeliveries(ctx, syncID, limit, before)
}

// Notification returns one notification.
func (a *Service) Notification(ctx context.Context, id int64) (*store.AlertDelivery, error) {
	return a.store.AlertDelivery(ctx, id)
}

// Active are the conditions that hold now, once per sync and condition (the worst severity any rule
// sees), by sync and in the order of Conditions.
func (a *Service) Active(ctx context.Context) ([]store.AlertState, error) {
	states, err := a.store.ActiveAlerts(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.AlertState
	for _, st := range states {
		i := slices.IndexFunc(out, func(o store.AlertState) bool { return o.SyncID == st.SyncID && o.Condition == st.Condition })
		switch {
		case i < 0:
			out = append(out, st)
		case rank(st.Severity) > rank(out[i].Severity):
			out[i] = st
		}
	}
	slices.SortFunc(out, func(x, y store.AlertState) int {
		if x.SyncID != y.SyncID {
			return cmp.Compare(x.SyncID, y.SyncID)
		}
		return slices.Index(Conditions, x.Condition) - slices.Index(Conditions, y.Condition)
	})
	return out, nil
}

// MessageOf reads the notification a delivery sends (or a state would send).
func MessageOf(raw string) (notify.Message, error) {
	var m notify.Message
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return m, fmt.Errorf("alert: a stored notification: %w", err)
	}
	return m, nil
}
