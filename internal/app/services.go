package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/debugger"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/metrics"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// Services are what a running bcsync process uses: the sync engine, the job queue and the recorder
// of API calls.
type Services struct {
	*App
	Engine   *marketing.Engine
	Queue    *jobs.Queue
	Recorder *debugger.Recorder
	Auth     *auth.Service
	// Metrics count this process's API calls and read the rest from the state database.
	Metrics *metrics.Metrics
	working bool
}

// ServiceOptions choose what a process does.
type ServiceOptions struct {
	// Work runs sync workers and the scheduler in this process.
	Work bool
	// Engine options beyond the observer (tests, benchmarks, the demo).
	Engine marketing.Options
	// Observers see every API call besides the debugger's recorder (metrics).
	Observers []apicall.Observer
	// PollEvery and DispatchEvery tune the queue (tests; defaults otherwise).
	PollEvery, DispatchEvery time.Duration
}

// Services builds the engine, queue and recorder.
func (a *App) Services(opts ServiceOptions) (*Services, error) {
	rec := debugger.New(a.Store, a.Logger, debugger.Keep)
	m := metrics.New(a.Store, metrics.WithLogger(a.Logger))
	eo := opts.Engine
	eo.Logger = a.Logger
	if eo.QuotaShare == 0 {
		eo.QuotaShare = a.Config.QuotaShare
	}
	if eo.PublicURL == "" {
		eo.PublicURL = a.Config.PublicURL
	}
	if eo.KeepRuns == 0 {
		eo.KeepRuns = a.Config.KeepRuns
	}
	if eo.ReconcileEvery == 0 {
		eo.ReconcileEvery = a.Config.ReconcileEvery
	}
	if eo.ImportPoll.Min == 0 {
		eo.ImportPoll.Min = a.Config.ImportPollMin
	}
	if t := a.Config.APITimeout; t > 0 {
		bcHook, ddHook := eo.BigCommerce, eo.Dotdigital
		eo.BigCommerce = func(c *bigcommerce.Config) {
			c.AttemptTimeout = t
			if bcHook != nil {
				bcHook(c)
			}
		}
		eo.Dotdigital = func(c *dotdigital.Config) {
			c.Timeout = t
			if ddHook != nil {
				ddHook(c)
			}
		}
	}
	eo.Observer = apicall.Observers(append([]apicall.Observer{rec, m, eo.Observer}, opts.Observers...))
	engine := marketing.New(a.Store, eo)
	qc := jobs.Config{Store: a.Store, Logger: a.Logger, Workers: a.Config.Workers, Slice: a.Config.Slice, RescueAfter: a.Config.RescueAfter,
		PollEvery: opts.PollEvery, DispatchEvery: cmp.Or(opts.DispatchEvery, a.Config.ScheduleEvery)}
	if opts.Work {
		qc.Syncer = engine
		if qc.Slice == 0 && a.Store.Engine() == store.SQLite {
			// One process owns an SQLite database and reclaims its jobs at start: no need to slice.
			qc.Slice = 24 * time.Hour
		}
	}
	q, err := jobs.New(qc)
	if err != nil {
		rec.Close()
		return nil, err
	}
	return &Services{App: a, Engine: engine, Queue: q, Recorder: rec, Auth: auth.New(a.Store), Metrics: m, working: opts.Work}, nil
}

// Start starts the workers (when this process works).
func (s *Services) Start(ctx context.Context) error { return s.Queue.Start(ctx) }

// Stop stops the workers (running syncs yield at a checkpoint) and flushes the recorder.
func (s *Services) Stop(ctx context.Context) error {
	err := s.Queue.Stop(ctx)
	s.Recorder.Close()
	return err
}

// Connect saves a new connection and starts its first sync.
func (s *Services) Connect(ctx context.Context, in marketing.ConnectInput) (*store.Connection, error) {
	c, err := s.Engine.Connect(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.Queue.Enqueue(ctx, c.ID, jobs.TriggerInstall); err != nil && !errors.Is(err, jobs.ErrAlreadyQueued) {
		return c, fmt.Errorf("the connection is saved but its first sync could not be queued: %w", err)
	}
	s.Logger.Info("connection added", slog.Int64("connection_id", c.ID), slog.String("store", c.StoreName))
	return c, nil
}

// SyncNow queues a manual sync, or says one is queued or running already (jobs.ErrAlreadyQueued).
func (s *Services) SyncNow(ctx context.Context, connID int64) error {
	c, err := s.Store.Connection(ctx, connID)
	if err != nil {
		return err
	}
	if !c.Settings.DataSync {
		return marketing.ErrDataSyncOff
	}
	if c.Status != store.StatusOK {
		// The user asks again after fixing things: let it run.
		if err := s.Store.SetStatus(ctx, connID, store.StatusOK, ""); err != nil {
			return err
		}
	}
	return s.Queue.Enqueue(ctx, connID, jobs.TriggerManual)
}

// Remove stops a connection's syncs at once and deletes its credentials and state. Dotdigital is left
// as it is.
func (s *Services) Remove(ctx context.Context, connID int64) error {
	if _, err := s.Store.Connection(ctx, connID); err != nil {
		return err
	}
	s.Engine.Stop(connID)
	if err := s.Queue.Cancel(ctx, connID); err != nil {
		return err
	}
	if err := s.Store.DeleteConnection(ctx, connID); err != nil {
		return err
	}
	s.Logger.Info("connection removed", slog.Int64("connection_id", connID))
	return nil
}

// UpdateSettings applies a settings change.
func (s *Services) UpdateSettings(ctx context.Context, connID int64, ch marketing.SettingsChange) (*store.Connection, error) {
	return s.Engine.UpdateSettings(ctx, connID, ch)
}

// Describe gathers what is known of a connection beyond its settings: its last and current runs,
// whether a sync is queued, and (when mappings) its field mapping.
func (s *Services) Describe(ctx context.Context, c *store.Connection, mappings bool) (resource.ConnectionState, error) {
	st := resource.ConnectionState{Now: time.Now()}
	var err error
	if mappings {
		if st.Mappings, err = s.Store.FieldMappings(ctx, c.ID); err != nil {
			return st, err
		}
	}
	if st.LastRun, err = s.Store.LastFinishedRun(ctx, c.ID); err != nil {
		return st, err
	}
	if st.Current, err = s.Store.RunningRun(ctx, c.ID); err != nil {
		return st, err
	}
	if st.Queued, err = s.Queue.Active(ctx, c.ID); err != nil {
		return st, err
	}
	return st, nil
}
