package resource

import (
	"time"

	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
)

// Store is a BigCommerce store bcsync talks to, with the syncs of it; it holds no secret.
type Store struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StoreHash string `json:"store_hash"`
	StoreName string `json:"store_name"`
	StoreURL  string `json:"store_url"`
	APIPath   string `json:"api_path"`
	Status    string `json:"status"`
	// StatusMessage says why the store needs attention (its credentials were refused).
	StatusMessage string `json:"status_message,omitempty"`
	// QuotaShare is the share of the store's API quota all its syncs together may use.
	QuotaShare float64 `json:"quota_share"`
	Webhooks   bool    `json:"webhooks"`
	// RealTime is how the store's changes reach Dotdigital (absent without a Dotdigital link).
	RealTime  *RealTime `json:"real_time,omitempty"`
	Syncs     []Sync    `json:"syncs"`
	CreatedAt time.Time `json:"created_at"`
}

// RealTime says whether a store's changes reach Dotdigital in seconds (its webhooks are registered
// and the data sync is on), how many changes wait to be read, and how long the oldest has waited.
type RealTime struct {
	On      bool    `json:"on"`
	Waiting int64   `json:"waiting"`
	BehindS float64 `json:"behind_s"`
}

// Sync is one sync of a store: its Dotdigital link (kind marketing; its id is the connection's) or a
// warehouse sync.
type Sync struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Name          string     `json:"name"`
	Enabled       bool       `json:"enabled"`
	Status        string     `json:"status"`
	StatusMessage string     `json:"status_message,omitempty"`
	Schedule      string     `json:"schedule"` // manual, a duration, or cron:EXPR
	NextRunAt     *time.Time `json:"next_run_at"`
	// Activity is what the sync does now: running, queued, scheduled, off or failing.
	Activity   string `json:"activity"`
	LastRun    *Run   `json:"last_run"`
	CurrentRun *Run   `json:"current_run,omitempty"`
}

// StoreState is what is known of a store beyond its row.
type StoreState struct {
	Syncs []SyncState
	// RealTime is the Dotdigital link's backlog of webhooks' changes (nil without a link).
	RealTime *RealTime
	Share    float64 // the quota share in force (the store's, or the process's default)
	Now      time.Time
}

// SyncState is a sync with its runs.
type SyncState struct {
	Sync    *store.Sync
	LastRun *store.Run
	Current *store.Run
	Queued  bool
}

// NewStore converts a store.
func NewStore(sh *store.Shop, st StoreState) Store {
	now := st.Now
	if now.IsZero() {
		now = time.Now()
	}
	out := Store{ID: sh.ID, Name: sh.Name, StoreHash: sh.StoreHash, StoreName: sh.StoreName, StoreURL: sh.StoreURL,
		APIPath: sh.BigCommerce.APIPath, Status: string(sh.Status), StatusMessage: sh.StatusMessage, QuotaShare: st.Share,
		Webhooks: sh.WebhooksURL != "", RealTime: st.RealTime, Syncs: []Sync{}, CreatedAt: sh.CreatedAt}
	for _, ss := range st.Syncs {
		out.Syncs = append(out.Syncs, NewSync(sh, ss, now))
	}
	return out
}

// NewSync converts a sync of a store.
func NewSync(sh *store.Shop, ss SyncState, now time.Time) Sync {
	y := ss.Sync
	out := Sync{ID: y.ID, Kind: string(y.Kind), Name: y.Name, Enabled: y.Enabled, Status: string(y.Status), StatusMessage: y.StatusMessage,
		Schedule: scheduleOf(y), Activity: SyncActivity(sh, ss)}
	if !y.NextRunAt.IsZero() {
		n := y.NextRunAt
		out.NextRunAt = &n
	}
	if ss.LastRun != nil {
		r := NewRun(ss.LastRun, now)
		out.LastRun = &r
	}
	if ss.Current != nil {
		r := NewRun(ss.Current, now)
		out.CurrentRun = &r
	}
	return out
}

// SyncActivity says what a sync does now.
func SyncActivity(sh *store.Shop, ss SyncState) string {
	switch {
	case ss.Current != nil:
		return ActivityRunning
	case ss.Queued:
		return ActivityQueued
	case sh.Status == store.StatusOK && ss.Sync.Status == store.StatusAwaitingApproval:
		return ActivityWaiting
	case sh.Status != store.StatusOK || ss.Sync.Status != store.StatusOK:
		return ActivityFailing
	case !ss.Sync.Enabled:
		return ActivityOff
	}
	return ActivityScheduled
}

func scheduleOf(y *store.Sync) string {
	return schedule.Spec{Interval: y.Interval, Cron: y.Cron}.String()
}
