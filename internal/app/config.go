// Package app builds bcsync's services from configuration and runs them: the state store, the job
// queue, the sync engine and the HTTP server. cmd/bcsync only parses flags and calls into it.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/secret"
	"github.com/bcsync/bcsync/internal/store"
)

// Config is what every command that touches state needs.
type Config struct {
	// DatabaseURL is postgres://… or sqlite:PATH; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite database and its key file.
	DataDir string
	// SecretKey encrypts credentials at rest (32 bytes, hex or base64). Empty with SQLite: a key file
	// next to the database, created on first use. Required with PostgreSQL.
	SecretKey string
	Logger    *slog.Logger

	Workers     int
	Slice       time.Duration
	RescueAfter time.Duration

	// QuotaShare is the share of a store's rate-limit quota syncs may use (default 0.5).
	QuotaShare float64
	// APITimeout bounds one API request attempt (0: each client's default).
	APITimeout time.Duration
	// ImportPollMin is the shortest wait before polling a Dotdigital import (0: the client's 5 s).
	ImportPollMin time.Duration
	// ReconcileEvery is how often products are checked for deletions (0: daily).
	ReconcileEvery time.Duration
	// KeepRuns is how long finished runs, their rejected records and API calls are kept (0: forever).
	KeepRuns time.Duration
	// ScheduleEvery is how often due connections are enqueued (0: 10 s).
	ScheduleEvery time.Duration
	// PublicURL is where stores reach bcsync's webhook receiver; empty: no webhooks, polling only.
	PublicURL string
	// ChangeWindow is how long webhooks' changes gather before they are read (0: 1 s).
	ChangeWindow time.Duration

	// AlertCheckEvery is how often alert conditions of every watched sync are judged (0: 1 minute);
	// AlertWebhooksEvery how often stores' webhooks are read for them (0: 15 minutes).
	AlertCheckEvery, AlertWebhooksEvery time.Duration
	// PagerDutyURL and TwilioURL replace the services' API bases (PagerDuty's EU endpoint, tests).
	PagerDutyURL, TwilioURL string
	// AllowInsecureEndpoints lets connections and stores use plain-HTTP API endpoints outside loopback
	// (emulators on another machine); credentials then cross the network in the clear.
	AllowInsecureEndpoints bool
}

// DefaultDataDir is where bcsync keeps its SQLite database by default.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "bcsync")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "bcsync")
	}
	return ".bcsync"
}

func (c *Config) databaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	dir := c.DataDir
	if dir == "" {
		dir = DefaultDataDir()
	}
	return "sqlite:" + filepath.Join(dir, "bcsync.db")
}

// secretBox builds the box that seals credentials: from SecretKey, or from a key file next to the
// SQLite database.
func (c *Config) secretBox(loc store.Location) (*secret.Box, error) {
	if c.SecretKey != "" {
		key, err := secret.ParseKey(c.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("BCSYNC_SECRET_KEY: %w", err)
		}
		return secret.New(key)
	}
	if loc.Engine != store.SQLite {
		return nil, errors.New("a secret key is required with PostgreSQL: set BCSYNC_SECRET_KEY (or --secret-key-file) to 32 random bytes, e.g. `openssl rand -base64 32`, the same in every process")
	}
	key, err := secret.LoadOrCreateKeyFile(strings.TrimSuffix(loc.Path, filepath.Ext(loc.Path)) + ".key")
	if err != nil {
		return nil, err
	}
	return secret.New(key)
}
