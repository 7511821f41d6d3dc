package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/app"
)

// state are the flags of every command that uses the state database.
type state struct {
	DatabaseURL    string        `help:"State database: postgres://… or sqlite:PATH (default: SQLite in --data-dir)." placeholder:"URL"`
	DataDir        string        `help:"Directory of the embedded SQLite database and its key file (default: $XDG_DATA_HOME/bcsync)." type:"path"`
	SecretKey      string        `help:"32-byte key (hex or base64) that encrypts credentials at rest; required with PostgreSQL." placeholder:"KEY"`
	SecretKeyFile  string        `help:"File holding the secret key." type:"path"`
	Workers        int           `help:"Syncs run at once by this process." default:"4"`
	Slice          time.Duration `help:"How long a sync job runs before it yields and continues (PostgreSQL; 0: 5m there, unlimited with SQLite)." default:"0"`
	RescueAfter    time.Duration `help:"With PostgreSQL, when the sync job of a process that died is given to another (0: three slices and a minute)." default:"0"`
	QuotaShare     float64       `help:"Share of each store's API rate-limit quota bcsync may use (other apps share it)." default:"0.5"`
	APITimeout     time.Duration `name:"api-timeout" help:"Time limit of one API request attempt (0: 60s for BigCommerce, 121s for Dotdigital)." default:"0"`
	ImportPollMin  time.Duration `help:"Shortest wait before polling a Dotdigital import (Dotdigital asks for at least 5s; lower it only against an emulator)." default:"5s"`
	ReconcileEvery time.Duration `help:"How often the product catalogue is checked against the store for deleted products." default:"24h"`
	KeepRuns       time.Duration `help:"How long finished runs, their rejected records and recorded API calls are kept (0: forever); the last sync always stays." default:"2160h"`
	ScheduleEvery  time.Duration `help:"How often workers look for connections whose next sync is due." default:"10s"`
	PublicURL      string        `help:"URL where the stores can reach bcsync serve (https://…): connections then register webhooks, for changes in seconds and abandoned carts." placeholder:"URL"`
	ChangeWindow   time.Duration `help:"How long changes announced by webhook gather before they are read by id." default:"1s"`
	alertFlags
	// Plain HTTP is refused outside loopback unless the operator says so (emulators on another machine).
	AllowInsecureEndpoints bool `help:"Let stores and connections use plain-http API endpoints on other machines (emulators on a private network); their credentials then cross the network in the clear."`
}

func (s *state) config(logger *slog.Logger) (app.Config, error) {
	key := s.SecretKey
	if key == "" && s.SecretKeyFile != "" {
		b, err := os.ReadFile(s.SecretKeyFile)
		if err != nil {
			return app.Config{}, fmt.Errorf("secret key file: %w", err)
		}
		key = strings.TrimSpace(string(b))
	}
	slice := s.Slice
	if slice == 0 && (strings.HasPrefix(s.DatabaseURL, "postgres://") || strings.HasPrefix(s.DatabaseURL, "postgresql://")) {
		slice = 5 * time.Minute
	}
	cfg := app.Config{DatabaseURL: s.DatabaseURL, DataDir: s.DataDir, SecretKey: key, Logger: logger, Workers: s.Workers, Slice: slice, RescueAfter: s.RescueAfter,
		QuotaShare: s.QuotaShare, APITimeout: s.APITimeout, ImportPollMin: s.ImportPollMin, ReconcileEvery: s.ReconcileEvery, KeepRuns: s.KeepRuns, ScheduleEvery: s.ScheduleEvery, PublicURL: s.PublicURL, ChangeWindow: s.ChangeWindow,
		AllowInsecureEndpoints: s.AllowInsecureEndpoints}
	s.alertFlags.apply(&cfg)
	return cfg, nil
}
