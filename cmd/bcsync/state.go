package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/bcsync/bcsync/internal/app"
)

// stateFlags say where the state is. They stay on the root command, so that `bcsync --data-dir DIR
// connection list` (what the demo prints) keeps working; every other process-wide flag is on the
// commands that use it (serviceFlags, workFlags, quotaFlags).
type stateFlags struct {
	DatabaseURL   string `help:"State database: postgres://… or sqlite:PATH (default: SQLite in --data-dir)." placeholder:"URL"`
	DataDir       string `help:"Directory of the embedded SQLite database and its key file (default: $XDG_DATA_HOME/bcsync)." type:"path"`
	SecretKey     string `help:"32-byte key (hex or base64) that encrypts credentials at rest; required with PostgreSQL." placeholder:"KEY"`
	SecretKeyFile string `help:"File holding the secret key." type:"path"`
	// Plain HTTP is refused outside loopback unless the operator says so (emulators on another machine).
	AllowInsecureEndpoints bool `help:"Let stores and connections use plain-http API endpoints on other machines (emulators on a private network); their credentials then cross the network in the clear."`
}

// quotaFlags are of every command that calls a store's API or starts bcsync processes that do (bench).
type quotaFlags struct {
	QuotaShare float64 `help:"Share of each store's API rate-limit quota bcsync may use (other apps share it)." default:"0.5"`
}

// serviceFlags are of the commands that open bcsync's services (the engines reach the stores,
// Dotdigital and alert channels, register webhooks, record runs).
type serviceFlags struct {
	quotaFlags
	APITimeout     time.Duration `name:"api-timeout" help:"Time limit of one API request attempt (0: 60s for BigCommerce, 121s for Dotdigital)." default:"0"`
	ImportPollMin  time.Duration `help:"Shortest wait before polling a Dotdigital import (Dotdigital asks for at least 5s; lower it only against an emulator)." default:"5s"`
	ReconcileEvery time.Duration `help:"How often the product catalogue is checked against the store for deleted products." default:"24h"`
	KeepRuns       time.Duration `help:"How long finished runs, their rejected records and recorded API calls are kept (0: forever); the last sync always stays." default:"2160h"`
	PublicURL      string        `help:"URL where the stores can reach bcsync serve (https://…): connections then register webhooks, for changes in seconds and abandoned carts." placeholder:"URL"`
	ChangeWindow   time.Duration `help:"How long changes announced by webhook gather before they are read by id." default:"1s"`
	PagerdutyURL   string        `name:"pagerduty-url" help:"PagerDuty Events API base, e.g. https://events.eu.pagerduty.com for the EU service region (default https://events.pagerduty.com)." placeholder:"URL"`
	TwilioURL      string        `name:"twilio-url" help:"Twilio REST API base (default https://api.twilio.com)." placeholder:"URL" hidden:""`
}

func (f *serviceFlags) applyServices(c *app.Config) {
	c.QuotaShare, c.APITimeout, c.ImportPollMin, c.ReconcileEvery, c.KeepRuns = f.QuotaShare, f.APITimeout, f.ImportPollMin, f.ReconcileEvery, f.KeepRuns
	c.PublicURL, c.ChangeWindow, c.PagerDutyURL, c.TwilioURL = f.PublicURL, f.ChangeWindow, f.PagerdutyURL, f.TwilioURL
}

// workFlags are of the commands that run sync workers: serve, worker, demo, and the syncs run with --wait.
type workFlags struct {
	Workers            int           `help:"Syncs run at once by this process." default:"4"`
	Slice              time.Duration `help:"How long a sync job runs before it yields and continues (PostgreSQL; 0: 5m there, unlimited with SQLite)." default:"0"`
	RescueAfter        time.Duration `help:"With PostgreSQL, when the sync job of a process that died is given to another (0: three slices and a minute)." default:"0"`
	ScheduleEvery      time.Duration `help:"How often workers look for connections whose next sync is due." default:"10s"`
	AlertCheckEvery    time.Duration `help:"How often the alert conditions of every watched sync are judged (stale syncs, slow runs going on)." default:"1m"`
	AlertWebhooksEvery time.Duration `help:"How often stores' webhooks are read from BigCommerce for the webhooks alert condition." default:"15m"`
}

func (f *workFlags) applyWork(c *app.Config) {
	c.Workers, c.Slice, c.RescueAfter, c.ScheduleEvery = f.Workers, f.Slice, f.RescueAfter, f.ScheduleEvery
	c.AlertCheckEvery, c.AlertWebhooksEvery = f.AlertCheckEvery, f.AlertWebhooksEvery
	if c.Slice == 0 && (strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")) {
		c.Slice = 5 * time.Minute
	}
}

// config is the app's configuration from the root's state flags and the flags of the commands on the
// chosen path. A command without serviceFlags or workFlags does not open what they configure.
func config(kctx *kong.Context, s *stateFlags, logger *slog.Logger) (app.Config, error) {
	key := s.SecretKey
	if key == "" && s.SecretKeyFile != "" {
		b, err := os.ReadFile(s.SecretKeyFile)
		if err != nil {
			return app.Config{}, fmt.Errorf("secret key file: %w", err)
		}
		key = strings.TrimSpace(string(b))
	}
	cfg := app.Config{DatabaseURL: s.DatabaseURL, DataDir: s.DataDir, SecretKey: key, Logger: logger,
		AllowInsecureEndpoints: s.AllowInsecureEndpoints}
	for _, p := range kctx.Path {
		if p.Command == nil || !p.Command.Target.CanAddr() {
			continue
		}
		switch f := p.Command.Target.Addr().Interface().(type) {
		case interface{ applyServices(*app.Config) }:
			f.applyServices(&cfg)
		}
		switch f := p.Command.Target.Addr().Interface().(type) {
		case interface{ applyWork(*app.Config) }:
			f.applyWork(&cfg)
		}
	}
	return cfg, nil
}
