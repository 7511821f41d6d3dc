package resource

import (
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Connection is a store with its Dotdigital link, with its settings; it holds no secret. Its id is the
// link's (the marketing sync's); store_id is the store's.
type Connection struct {
	ID                   int64             `json:"id"`
	StoreID              int64             `json:"store_id"`
	Name                 string            `json:"name"`
	StoreHash            string            `json:"store_hash"`
	StoreName            string            `json:"store_name"`
	StoreURL             string            `json:"store_url"`
	DotdigitalUsername   string            `json:"dotdigital_username"`
	DotdigitalEndpoint   string            `json:"dotdigital_endpoint"`
	Status               string            `json:"status"`
	StatusMessage        string            `json:"status_message,omitempty"`
	DataSync             bool              `json:"data_sync"`
	IntervalS            float64           `json:"interval_s"`
	SubscriberList       Ref               `json:"subscriber_list"`
	CustomerList         *Ref              `json:"customer_list"`
	NewCustomerProgram   *Ref              `json:"new_customer_program"`
	NewSubscriberProgram *Ref              `json:"new_subscriber_program"`
	AbandonedCartProgram *Ref              `json:"abandoned_cart_program"`
	FieldMapping         map[string]string `json:"field_mapping,omitempty"`
	// WriteBackRemovals: unsubscribes and suppressions Dotdigital had before install are written to
	// the store (where the store's record is older); off by default.
	WriteBackRemovals bool `json:"write_back_removals"`
	// UnsubscribedInDotdigital counts store subscribers who consent in the store but whom Dotdigital
	// had removed before install: kept out of the subscriber list.
	UnsubscribedInDotdigital int64      `json:"unsubscribed_in_dotdigital"`
	Webhooks                 bool       `json:"webhooks"`
	NextSyncAt               *time.Time `json:"next_sync_at"`
	// Activity is what the connection does now: running, queued, scheduled, off or failing.
	Activity string `json:"activity,omitempty"`
	// Health says whether the connection works: see Health.
	Health  Health `json:"health"`
	LastRun *Run   `json:"last_run"`
	// CurrentRun is the run in progress, with each stream's pace.
	CurrentRun *Run `json:"current_run,omitempty"`
	// EnrolmentsWaiting counts programme enrolments not made yet: queued for Dotdigital's hourly
	// allowance, or being sent.
	EnrolmentsWaiting int64 `json:"enrolments_waiting"`
}

// Ref names a list or programme.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func ref(r store.Ref) *Ref {
	if r.ID == 0 {
		return nil
	}
	return &Ref{r.ID, r.Name}
}

// Activities.
const (
	ActivityRunning   = "running"
	ActivityQueued    = "queued"
	ActivityScheduled = "scheduled"
	ActivityOff       = "off"
	ActivityFailing   = "failing"
	// ActivityWaiting: a warehouse sync whose guard stopped a run waits for its plan to be approved.
	ActivityWaiting = "waiting"
)

// ConnectionState is what is known of a connection beyond its settings.
type ConnectionState struct {
	Mappings []store.FieldMapping
	LastRun  *store.Run // the last finished run
	Current  *store.Run // the running run
	Queued   bool       // a sync job is queued or running
	// EnrolmentsWaiting counts programme enrolments queued or being sent.
	EnrolmentsWaiting int64
	// UnsubscribedInDotdigital: see Connection.
	UnsubscribedInDotdigital int64
	// Failing counts the failed runs that ended last in a row.
	Failing store.FailedStreak
	Now     time.Time
}

// Health states.
const (
	HealthHealthy        = "healthy"
	HealthSyncing        = "syncing"
	HealthFailing        = "failing"
	HealthNeedsAttention = "needs_attention"
)

// Health is whether a connection works, from its credentials and its last runs: healthy (the last
// run did not fail), syncing (a run is on), failing (the last runs failed: since when and how many,
// with the last one's error as sentences and its technical detail), or needs attention (the
// credentials were refused: nothing runs until they are fixed).
type Health struct {
	State      string     `json:"state"`
	Since      *time.Time `json:"since,omitempty"`
	FailedRuns int        `json:"failed_runs,omitempty"`
	Message    string     `json:"message,omitempty"`
	Detail     string     `json:"detail,omitempty"`
}

// HealthOf says how a connection is.
func HealthOf(c *store.Connection, st ConnectionState) Health {
	switch {
	case c.Status != store.StatusOK:
		h := Health{State: HealthNeedsAttention, Message: c.StatusMessage}
		if st.LastRun != nil && st.LastRun.Status == store.RunFailed {
			h.Detail = st.LastRun.Detail
		}
		return h
	case st.Current != nil || st.Queued:
		return Health{State: HealthSyncing}
	case st.Failing.Runs > 0:
		since := st.Failing.Since
		h := Health{State: HealthFailing, Since: &since, FailedRuns: st.Failing.Runs}
		if st.LastRun != nil {
			h.Message, h.Detail = st.LastRun.Error, st.LastRun.Detail
		}
		return h
	}
	return Health{State: HealthHealthy}
}

// NewConnection converts a connection.
func NewConnection(c *store.Connection, st ConnectionState) Connection {
	s := c.Settings
	out := Connection{ID: c.ID, StoreID: c.StoreID, Name: c.Name, StoreHash: c.StoreHash, StoreName: c.StoreName, StoreURL: c.StoreURL,
		DotdigitalUsername: c.Dotdigital.Username, DotdigitalEndpoint: c.Dotdigital.APIEndpoint, Status: string(c.Status), StatusMessage: c.StatusMessage,
		DataSync: s.DataSync, IntervalS: s.Interval.Seconds(), SubscriberList: Ref{s.SubscriberList.ID, s.SubscriberList.Name},
		CustomerList: ref(s.CustomerList), NewCustomerProgram: ref(s.NewCustomerProgram),
		NewSubscriberProgram: ref(s.NewSubscriberProgram), AbandonedCartProgram: ref(s.AbandonedCartProgram),
		Webhooks: c.WebhooksURL != "", Activity: Activity(c, st), Health: HealthOf(c, st), EnrolmentsWaiting: st.EnrolmentsWaiting,
		WriteBackRemovals: s.WriteBackRemovals, UnsubscribedInDotdigital: st.UnsubscribedInDotdigital}
	if len(st.Mappings) > 0 {
		out.FieldMapping = map[string]string{}
		for _, m := range st.Mappings {
			out.FieldMapping[m.Source] = m.DataField
		}
	}
	if !c.NextSyncAt.IsZero() {
		n := c.NextSyncAt
		out.NextSyncAt = &n
	}
	now := st.Now
	if now.IsZero() {
		now = time.Now()
	}
	if st.LastRun != nil {
		r := NewRun(st.LastRun, now)
		out.LastRun = &r
	}
	if st.Current != nil {
		r := NewRun(st.Current, now)
		out.CurrentRun = &r
	}
	return out
}

// Activity says what a connection does now.
func Activity(c *store.Connection, st ConnectionState) string {
	switch {
	case st.Current != nil:
		return ActivityRunning
	case st.Queued:
		return ActivityQueued
	case c.Status != store.StatusOK || st.Failing.Runs > 0:
		return ActivityFailing
	case !c.Settings.DataSync:
		return ActivityOff
	}
	return ActivityScheduled
}
