package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/debugger"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/metrics"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// Services are what a running bcsync process uses: the stores and their clients, the run ledger, the
// sync engines, the job queue, the recorder of API calls and alerts.
type Services struct {
	*App
	Shops  *shop.Service
	Runs   *ledger.Ledger
	Engine *marketing.Engine
	// Warehouse runs the warehouse syncs.
	Warehouse *warehouse.Engine
	Queue     *jobs.Queue
	Recorder  *debugger.Recorder
	Auth      *auth.Service
	Alerts    *alert.Service
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
	// Warehouse options (tests: sources over plain HTTP, small samples).
	Warehouse warehouse.Options
	// BigCommerce adjusts every store client's configuration (tests, benchmarks).
	BigCommerce func(*bigcommerce.Config)
	// Observers see every API call besides the debugger's recorder (metrics).
	Observers []apicall.Observer
	// PollEvery and DispatchEvery tune the queue (tests; defaults otherwise).
	PollEvery, DispatchEvery time.Duration
}

// Services builds the engines, queue and recorder.
func (a *App) Services(opts ServiceOptions) (*Services, error) {
	rec := debugger.New(a.Store, a.Logger, debugger.Keep)
	m := metrics.New(a.Store, metrics.WithLogger(a.Logger))
	eo := opts.Engine
	eo.Logger = a.Logger
	if eo.PublicURL == "" {
		eo.PublicURL = a.Config.PublicURL
	}
	if eo.ChangeWindow == 0 {
		eo.ChangeWindow = a.Config.ChangeWindow
	}
	if eo.ReconcileEvery == 0 {
		eo.ReconcileEvery = a.Config.ReconcileEvery
	}
	if eo.ImportPoll.Min == 0 {
		eo.ImportPoll.Min = a.Config.ImportPollMin
	}
	eo.AllowInsecureEndpoints = eo.AllowInsecureEndpoints || a.Config.AllowInsecureEndpoints
	bcHook := opts.BigCommerce
	if t := a.Config.APITimeout; t > 0 {
		hook, ddHook := bcHook, eo.Dotdigital
		bcHook = func(c *bigcommerce.Config) {
			c.AttemptTimeout = t
			if hook != nil {
				hook(c)
			}
		}
		eo.Dotdigital = func(c *dotdigital.Config) {
			c.Timeout = t
			if ddHook != nil {
				ddHook(c)
			}
		}
	}
	observer := apicall.Observers(append([]apicall.Observer{rec, m, eo.Observer}, opts.Observers...))
	eo.Observer = observer
	shops := shop.New(a.Store, shop.Options{Logger: a.Logger, Observer: observer, HTTPClient: eo.HTTPClient,
		QuotaShare: a.Config.QuotaShare, BigCommerce: bcHook, AllowInsecureEndpoints: eo.AllowInsecureEndpoints})
	alerts := alert.New(a.Store, alert.Options{Logger: a.Logger, Observer: observer, Outcomes: m, Shops: shops, PublicURL: eo.PublicURL,
		Channels:   notify.Options{PagerDutyURL: a.Config.PagerDutyURL, TwilioURL: a.Config.TwilioURL},
		CheckEvery: a.Config.AlertCheckEvery, WebhooksEvery: a.Config.AlertWebhooksEvery, KeepHistory: a.Config.KeepRuns})
	runs := ledger.New(a.Store, ledger.Options{KeepRuns: a.Config.KeepRuns, Logger: a.Logger, Ended: alerts.RunEnded})
	engine := marketing.New(a.Store, shops, runs, eo)
	wo := opts.Warehouse
	wo.Logger = a.Logger
	wh := warehouse.New(a.Store, shops, runs, wo)
	qc := jobs.Config{Store: a.Store, Logger: a.Logger, Workers: a.Config.Workers, Slice: a.Config.Slice, RescueAfter: a.Config.RescueAfter,
		PollEvery: opts.PollEvery, DispatchEvery: cmp.Or(opts.DispatchEvery, a.Config.ScheduleEvery), Extensions: []jobs.Extension{alerts.Jobs()}}
	if opts.Work {
		qc.Runners = map[store.SyncKind]jobs.Runner{store.KindMarketing: engine, store.KindWarehouse: wh}
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
	alerts.UseQueue(q)
	return &Services{App: a, Shops: shops, Runs: runs, Engine: engine, Warehouse: wh, Queue: q, Recorder: rec, Auth: auth.New(a.Store), Metrics: m,
		Alerts: alerts, working: opts.Work}, nil
}

// Start starts the workers (when this process works).
func (s *Services) Start(ctx context.Context) error { return s.Queue.Start(ctx) }

// Stop stops the workers (running syncs yield at a checkpoint) and flushes the recorder.
func (s *Services) Stop(ctx context.Context) error {
	err := s.Queue.Stop(ctx)
	s.Recorder.Close()
	return err
}

// AddStore checks a store's credentials and saves it (or updates the store bcsync knows at that API
// path); created says which.
func (s *Services) AddStore(ctx context.Context, in shop.Input) (*store.Shop, bool, error) {
	return s.Shops.Add(ctx, in)
}

// Connect links a store (added, or known by its API path) to a Dotdigital account and starts its first
// sync.
func (s *Services) Connect(ctx context.Context, in marketing.ConnectInput) (*store.Connection, error) {
	c, err := s.Engine.Connect(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.Queue.Enqueue(ctx, c.ID, jobs.TriggerInstall); err != nil && !errors.Is(err, jobs.ErrAlreadyQueued) {
		return c, fmt.Errorf("the connection is saved but its first sync could not be queued: %w", err)
	}
	s.Logger.Info("connection added", slog.Int64("connection_id", c.ID), slog.Int64("store_id", c.StoreID), slog.String("store", c.StoreName))
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
		if err := s.Store.SetSyncStatus(ctx, connID, store.StatusOK, ""); err != nil {
			return err
		}
		if err := s.Store.SetShopStatus(ctx, c.StoreID, store.StatusOK, ""); err != nil {
			return err
		}
	}
	return s.Queue.Enqueue(ctx, connID, jobs.TriggerManual)
}

// Remove removes a connection (see RemoveConnection), for callers that need no report.
func (s *Services) Remove(ctx context.Context, connID int64) error {
	_, err := s.RemoveConnection(ctx, connID)
	return err
}

// Removal is what removing a connection did beyond bcsync's own state.
type Removal struct {
	// Webhooks is how many webhooks were deleted from the store; WebhooksLeft says why some could not
	// be (the store unreachable, its token revoked): they stay, calling an address that is gone.
	Webhooks     int
	WebhooksLeft error
}

// Describe says what became of the webhooks, as the CLI and the UI tell it.
func (r Removal) Describe() string {
	switch {
	case r.WebhooksLeft != nil:
		return fmt.Sprintf("its webhooks could not be deleted from the store (%v): delete them in the store's control panel", r.WebhooksLeft)
	case r.Webhooks == 1:
		return "its webhook was deleted from the store"
	case r.Webhooks > 0:
		return fmt.Sprintf("its %d webhooks were deleted from the store", r.Webhooks)
	}
	return "it had no webhooks in the store"
}

// RemoveConnection removes a connection: its syncs stop at once, the webhooks it registered are
// deleted from the store, and its Dotdigital link, credentials and state are deleted; so is its
// store, unless another sync of the store uses it. Dotdigital is left as it is. A store that cannot
// be reached does not stop the removal: the report says its webhooks stayed.
func (s *Services) RemoveConnection(ctx context.Context, connID int64) (Removal, error) {
	var out Removal
	c, err := s.Store.Connection(ctx, connID)
	if err != nil {
		return out, err
	}
	if err := s.stopSync(ctx, connID); err != nil {
		return out, err
	}
	out.Webhooks, out.WebhooksLeft = s.Engine.RemoveWebhooks(ctx, c)
	if out.WebhooksLeft != nil {
		s.Logger.Warn("the connection's webhooks stay in the store", slog.Int64("connection_id", connID), slog.Any("error", out.WebhooksLeft))
	}
	if err := s.Store.DeleteSync(ctx, connID); err != nil {
		return out, err
	}
	if out.WebhooksLeft == nil && c.WebhooksURL != "" {
		if err := s.Store.SetWebhooksURL(ctx, c.StoreID, ""); err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
	}
	others, err := s.Store.Syncs(ctx, c.StoreID)
	if err != nil {
		return out, err
	}
	if len(others) == 0 {
		if err := s.Store.DeleteShop(ctx, c.StoreID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		s.Shops.Forget(c.StoreID)
	}
	s.Logger.Info("connection removed", slog.Int64("connection_id", connID), slog.Bool("store_kept", len(others) > 0), slog.Int("webhooks_deleted", out.Webhooks))
	return out, nil
}

// RemoveStore removes a store with every sync of it: they stop at once and their credentials and state
// are deleted. Nothing is changed in the store or in Dotdigital.
func (s *Services) RemoveStore(ctx context.Context, storeID int64) error {
	syncs, err := s.Store.Syncs(ctx, storeID)
	if err != nil {
		return err
	}
	if _, err := s.Store.Shop(ctx, storeID); err != nil {
		return err
	}
	for _, y := range syncs {
		if err := s.stopSync(ctx, y.ID); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteShop(ctx, storeID); err != nil {
		return err
	}
	s.Shops.Forget(storeID)
	s.Logger.Info("store removed", slog.Int64("store_id", storeID), slog.Int("syncs", len(syncs)))
	return nil
}

// stopSync stops a sync's run in this process and cancels its queued and running jobs.
func (s *Services) stopSync(ctx context.Context, syncID int64) error {
	s.Engine.Stop(syncID)
	s.Warehouse.Stop(syncID)
	return s.Queue.Cancel(ctx, syncID)
}

// RotateCredentials replaces a connection's store access token and/or Dotdigital password, each
// checked before it is saved, without losing the connection's state; "needs attention" clears, and a
// sync is queued to show they work (when data sync is on).
func (s *Services) RotateCredentials(ctx context.Context, connID int64, ch marketing.CredentialsChange) (*store.Connection, error) {
	c, err := s.Engine.RotateCredentials(ctx, connID, ch)
	if err != nil {
		return nil, err
	}
	if c.Settings.DataSync {
		if err := s.Queue.Enqueue(ctx, c.ID, jobs.TriggerManual); err != nil && !errors.Is(err, jobs.ErrAlreadyQueued) {
			return c, fmt.Errorf("the credentials are saved but a sync could not be queued: %w", err)
		}
	}
	return c, nil
}

// UpdateSettings applies a settings change.
func (s *Services) UpdateSettings(ctx context.Context, connID int64, ch marketing.SettingsChange) (*store.Connection, error) {
	return s.Engine.UpdateSettings(ctx, connID, ch)
}

// ReceiveWebhook handles a delivery of a store's webhooks (see marketing.Engine.ReceiveWebhook).
func (s *Services) ReceiveWebhook(ctx context.Context, storeID int64, secret string, body []byte) error {
	return s.Engine.ReceiveWebhook(ctx, storeID, secret, body, func(ctx context.Context, syncID int64) error {
		if err := s.Queue.Enqueue(ctx, syncID, jobs.TriggerWebhook); err != nil && !errors.Is(err, jobs.ErrAlreadyQueued) {
			return err
		}
		return nil
	})
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
	if st.LastRun, st.Current, st.Queued, err = s.syncState(ctx, c.ID); err != nil {
		return st, err
	}
	if st.EnrolmentsWaiting, err = s.Store.EnrolmentsWaiting(ctx, c.ID); err != nil {
		return st, err
	}
	if st.UnsubscribedInDotdigital, err = s.Engine.UnsubscribedInDotdigital(ctx, c.ID); err != nil {
		return st, err
	}
	if st.Failing, err = s.Store.FailedStreak(ctx, c.ID); err != nil {
		return st, err
	}
	return st, nil
}

// DescribeStore gathers a store's syncs with their last and current runs.
func (s *Services) DescribeStore(ctx context.Context, sh *store.Shop) (resource.StoreState, error) {
	st := resource.StoreState{Now: time.Now(), Share: s.Shops.Share(sh)}
	syncs, err := s.Store.Syncs(ctx, sh.ID)
	if err != nil {
		return st, err
	}
	for _, y := range syncs {
		ss := resource.SyncState{Sync: y}
		if ss.LastRun, ss.Current, ss.Queued, err = s.syncState(ctx, y.ID); err != nil {
			return st, err
		}
		st.Syncs = append(st.Syncs, ss)
		if y.Kind == store.KindMarketing {
			b, err := s.Engine.ChangeBacklog(ctx, y.ID)
			if err != nil {
				return st, err
			}
			st.RealTime = &resource.RealTime{On: sh.WebhooksURL != "" && y.Enabled, Waiting: b.Waiting, BehindS: math.Round(b.Behind.Seconds())}
		}
	}
	return st, nil
}

func (s *Services) syncState(ctx context.Context, syncID int64) (last, current *store.Run, queued bool, err error) {
	if last, err = s.Store.LastFinishedRun(ctx, syncID); err != nil {
		return
	}
	if current, err = s.Store.RunningRun(ctx, syncID); err != nil {
		return
	}
	queued, err = s.Queue.Active(ctx, syncID)
	return
}

// RunWarehouse queues a run of a warehouse sync (full: every row sent again, nothing removed), or says
// one is queued or running already (jobs.ErrAlreadyQueued).
func (s *Services) RunWarehouse(ctx context.Context, syncID int64, full bool) error {
	if _, err := s.Store.WarehouseSync(ctx, syncID); err != nil {
		return err
	}
	trigger := jobs.TriggerManual
	if full {
		trigger = warehouse.TriggerFull
	}
	return s.Queue.Enqueue(ctx, syncID, trigger)
}

// ApproveWarehouse approves the plan a warehouse sync's guard stopped and queues the run that carries
// out exactly it.
func (s *Services) ApproveWarehouse(ctx context.Context, syncID int64) error {
	if err := s.Warehouse.Approve(ctx, syncID); err != nil {
		return err
	}
	return s.Queue.Enqueue(ctx, syncID, warehouse.TriggerApproval)
}

// TestWarehouseRow sends one row of a warehouse sync's model now and returns what became of it with
// the calls it made.
func (s *Services) TestWarehouseRow(ctx context.Context, syncID int64, key string) (*resource.TestRow, error) {
	// A run's job is still active for a moment after its run ended: a test right after a run waits
	// that moment out rather than being refused.
	for wait := 0; ; wait++ {
		active, err := s.Queue.Active(ctx, syncID)
		if err != nil {
			return nil, err
		}
		if !active {
			break
		}
		running, err := s.Store.RunningRun(ctx, syncID)
		if err != nil {
			return nil, err
		}
		if running != nil || wait == 40 {
			return nil, warehouse.ErrRunGoingOn
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	res, err := s.Warehouse.TestRow(ctx, syncID, key)
	if err != nil {
		return nil, err
	}
	s.Recorder.Flush()
	calls, err := s.Store.APICalls(ctx, syncID, store.APICallFilter{RunID: res.RunID, Limit: 100, Bodies: true})
	if err != nil {
		return nil, err
	}
	return resource.NewTestRow(res, calls), nil
}

// RemoveWarehouseSync removes a warehouse sync: it stops at once and its state goes; nothing is
// changed in the store.
func (s *Services) RemoveWarehouseSync(ctx context.Context, syncID int64) error {
	if _, err := s.Store.WarehouseSync(ctx, syncID); err != nil {
		return err
	}
	if err := s.stopSync(ctx, syncID); err != nil {
		return err
	}
	return s.Store.DeleteSync(ctx, syncID)
}

// DescribeWarehouseSync gathers what is known of a warehouse sync: its runs and its latest plan.
func (s *Services) DescribeWarehouseSync(ctx context.Context, w *store.WarehouseSync) (resource.WarehouseSync, error) {
	sh, err := s.Store.Shop(ctx, w.StoreID)
	if err != nil {
		return resource.WarehouseSync{}, err
	}
	ss := resource.SyncState{Sync: &w.Sync}
	if ss.LastRun, ss.Current, ss.Queued, err = s.syncState(ctx, w.ID); err != nil {
		return resource.WarehouseSync{}, err
	}
	out := resource.NewWarehouseSync(sh, w, ss, time.Now())
	p, state, err := s.Warehouse.LatestPlan(ctx, w.ID)
	switch {
	case err == nil:
		out.Plan = &resource.PlanState{State: state, Plan: p}
	case !errors.Is(err, store.ErrNotFound):
		return out, err
	}
	return out, nil
}
