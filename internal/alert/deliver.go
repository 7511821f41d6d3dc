package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

// Queue is the job queue alerts' jobs run in.
const queueName = "alert"

// Deliveries: each attempt waits twice as long as the one before, from retryFirst up to retryMost,
// and a notification is given up after Attempts attempts (about two hours).
const (
	Attempts   = 30
	retryFirst = 5 * time.Second
	retryMost  = 5 * time.Minute
	// waitEarlier is how long a notification waits for an earlier one of the same condition still
	// being delivered: a recovery never overtakes its alert (PagerDuty would open an incident that
	// nothing resolves).
	waitEarlier = 5 * time.Second
)

type deliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

func (deliveryArgs) Kind() string { return "alert_delivery" }

func (deliveryArgs) InsertOpts() river.InsertOpts {
	// River's own limit is above ours: attempts are counted on the delivery (waiting for an earlier
	// one or a process stopping spends none), and River must not give up first.
	return river.InsertOpts{Queue: queueName, MaxAttempts: Attempts + 10}
}

type checkArgs struct{}

func (checkArgs) Kind() string { return "alert_check" }

func (checkArgs) InsertOpts() river.InsertOpts { return uniqueInQueue() }

type webhooksArgs struct{}

func (webhooksArgs) Kind() string { return "alert_webhooks" }

func (webhooksArgs) InsertOpts() river.InsertOpts { return uniqueInQueue() }

// uniqueInQueue keeps one periodic check queued or running at a time: a slow check is not piled on.
func uniqueInQueue() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// Jobs are alerts' jobs for the queue: deliveries, the periodic check of every watched sync and of
// stores' webhooks.
func (a *Service) Jobs() jobs.Extension {
	return jobs.Extension{
		Workers: func(w *river.Workers) {
			river.AddWorker(w, &deliveryWorker{a: a})
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[checkArgs]) error { return a.Check(ctx) }))
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[webhooksArgs]) error { return a.CheckWebhooks(ctx) }))
		},
		Queues: map[string]int{queueName: 4},
		Periodic: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(a.opts.CheckEvery), func() (river.JobArgs, *river.InsertOpts) { return checkArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(a.opts.WebhooksEvery), func() (river.JobArgs, *river.InsertOpts) { return webhooksArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
}

type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	a *Service
}

// NextRetry doubles the wait after each failed attempt, from 5 seconds up to 5 minutes.
func (w *deliveryWorker) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	d := retryFirst << min(max(job.Attempt-1, 0), 10)
	return time.Now().Add(min(d, retryMost))
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	a := w.a
	d, err := a.store.AlertDelivery(ctx, job.Args.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err) // its sync was removed, and its history with it
	}
	if err != nil {
		return err
	}
	if d.Status == store.DeliverySent || d.Status == store.DeliveryFailed {
		return nil // done by an earlier execution of this job that could not report it
	}
	if earlier, err := a.store.EarlierAlertDeliveryPending(ctx, d); err != nil {
		return err
	} else if earlier {
		return river.JobSnooze(waitEarlier)
	}
	var ch *store.AlertChannel
	if d.ChannelID != 0 {
		if ch, err = a.store.AlertChannel(ctx, d.ChannelID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if ch == nil {
		d.Status, d.Error = store.DeliveryFailed, "The channel was removed before the notification could be delivered."
		a.finish(ctx, d)
		return river.JobCancel(errors.New(d.Error))
	}
	m, err := MessageOf(d.Message)
	if err != nil {
		d.Status, d.Error = store.DeliveryFailed, err.Error()
		a.finish(ctx, d)
		return river.JobCancel(err)
	}
	// The calls of a sync's notification show in that sync's debugger, outside any run (run 0): the
	// notification comes after the run, often minutes later, and outlives it.
	sendErr := a.send(apicall.WithScope(ctx, apicall.Scope{SyncID: d.SyncID}), ch, m, d)
	switch {
	case sendErr == nil:
		d.Status, d.Error, d.SentAt = store.DeliverySent, "", a.opts.Now()
		a.finish(ctx, d)
		return nil
	case ctx.Err() != nil:
		// The process is stopping: the next one tries again, without counting this attempt.
		d.Attempts--
		a.save(context.WithoutCancel(ctx), d)
		return river.JobSnooze(0)
	case notify.Retryable(sendErr) && d.Attempts < Attempts:
		d.Status, d.Error = store.DeliveryRetrying, sendErr.Error()
		a.save(ctx, d)
		a.log.Debug("alert not delivered yet; it is tried again", slog.Int64("delivery_id", d.ID), slog.Int("attempt", d.Attempts), slog.Any("error", sendErr))
		var se *notify.SendError
		if errors.As(sendErr, &se) && se.RetryAfter > 0 {
			return river.JobSnooze(min(se.RetryAfter, retryMost))
		}
		return sendErr
	}
	d.Status, d.Error = store.DeliveryFailed, sendErr.Error()
	a.finish(ctx, d)
	return river.JobCancel(sendErr)
}

// finish saves a delivery that ended and tells of it: counted, and logged when it failed.
func (a *Service) finish(ctx context.Context, d *store.AlertDelivery) {
	a.save(context.WithoutCancel(ctx), d)
	if d.Status == store.DeliverySent {
		a.log.Info("alert sent", slog.Int64("delivery_id", d.ID), slog.Int64("sync_id", d.SyncID), slog.String("condition", d.Condition),
			slog.String("state", d.State), slog.String("channel", d.ChannelName), slog.Int("attempts", d.Attempts))
		if a.opts.Outcomes != nil {
			a.opts.Outcomes.AlertSent(d.ChannelType, d.State)
		}
		return
	}
	a.log.Error("alert not delivered", slog.Int64("delivery_id", d.ID), slog.Int64("sync_id", d.SyncID), slog.String("condition", d.Condition),
		slog.String("state", d.State), slog.String("channel", d.ChannelName), slog.Int("attempts", d.Attempts), slog.String("error", d.Error))
	if a.opts.Outcomes != nil {
		a.opts.Outcomes.AlertFailed(d.ChannelType, d.State)
	}
}

func (a *Service) save(ctx context.Context, d *store.AlertDelivery) {
	if err := a.store.UpdateAlertDelivery(ctx, d); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.log.Warn("a notification's delivery could not be recorded", slog.Int64("delivery_id", d.ID), slog.Any("error", err))
	}
}

// send makes one attempt at delivering m through ch, counting it and keeping its exchange on d.
func (a *Service) send(ctx context.Context, ch *store.AlertChannel, m notify.Message, d *store.AlertDelivery) error {
	var cfg notify.Config
	if err := json.Unmarshal([]byte(ch.Config), &cfg); err != nil {
		return fmt.Errorf("alert: the configuration of channel %d: %w", ch.ID, err)
	}
	opts := a.opts.Channels
	opts.Observer = apicall.Observers{a.opts.Observer, captureObserver{}}
	channel, err := cfg.Build(opts)
	if err != nil {
		return err
	}
	c := &capture{}
	d.Attempts++
	err = channel.Send(context.WithValue(ctx, captureKey{}, c), m)
	d.LastCall = c.json()
	return err
}

// Test sends a test notification through a channel now, and records it in the history. A failed
// delivery is a *TestError (with notify's reason) beside the recorded notification.
func (a *Service) Test(ctx context.Context, channelID int64) (*store.AlertDelivery, error) {
	ch, err := a.store.AlertChannel(ctx, channelID)
	if err != nil {
		return nil, err
	}
	m := notify.Message{State: notify.Test, Condition: "test", Severity: notify.Info, At: a.opts.Now().UTC().Truncate(time.Second),
		Summary: fmt.Sprintf("A test of the alert channel %q: if you read this, bcsync's alerts reach you here.", ch.Name)}
	if a.opts.PublicURL != "" {
		m.URL = strings.TrimSuffix(a.opts.PublicURL, "/") + "/alerts"
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("alert: %w", err)
	}
	d := &store.AlertDelivery{ChannelID: ch.ID, ChannelName: ch.Name, ChannelType: ch.Type, State: string(m.State), Condition: m.Condition,
		Severity: string(m.Severity), Message: string(raw)}
	if err := a.store.AddAlertDelivery(ctx, d); err != nil {
		return nil, err
	}
	sendErr := a.send(ctx, ch, m, d)
	if sendErr == nil {
		d.Status, d.SentAt = store.DeliverySent, a.opts.Now()
	} else {
		d.Status, d.Error = store.DeliveryFailed, sendErr.Error()
	}
	// A test's outcome is its caller's to show: it is recorded and counted, not logged.
	a.save(context.WithoutCancel(ctx), d)
	if a.opts.Outcomes != nil {
		if sendErr == nil {
			a.opts.Outcomes.AlertSent(d.ChannelType, d.State)
		} else {
			a.opts.Outcomes.AlertFailed(d.ChannelType, d.State)
		}
	}
	if sendErr != nil {
		return d, &TestError{Err: sendErr}
	}
	return d, nil
}

// Call is one exchange of a delivery's attempt as the history keeps it: redacted by the channel
// before it was seen.
type Call struct {
	API            string        `json:"api"`
	Method         string        `json:"method"`
	URL            string        `json:"url"`
	Status         int           `json:"status"`
	Error          string        `json:"error,omitempty"`
	DurationMS     int64         `json:"duration_ms"`
	RequestHeader  http.Header   `json:"request_headers,omitempty"`
	RequestBody    string        `json:"request_body,omitempty"`
	ResponseHeader http.Header   `json:"response_headers,omitempty"`
	ResponseBody   string        `json:"response_body,omitempty"`
	Duration       time.Duration `json:"-"`
}

// CallOf reads a delivery's last exchange; ok is false when it has none.
func CallOf(raw string) (Call, bool) {
	var c Call
	if raw == "" || json.Unmarshal([]byte(raw), &c) != nil {
		return c, false
	}
	c.Duration = time.Duration(c.DurationMS) * time.Millisecond
	return c, true
}

type captureKey struct{}

// capture keeps the exchange of one attempt (the last, should a channel make several).
type capture struct {
	mu   sync.Mutex
	call *Call
}

func (c *capture) json() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.call == nil {
		return ""
	}
	b, _ := json.Marshal(c.call)
	return string(b)
}

// captureObserver hands each call to the capture its context carries.
type captureObserver struct{}

func (captureObserver) ObserveCall(ctx context.Context, c *apicall.Call) {
	cp, ok := ctx.Value(captureKey{}).(*capture)
	if !ok {
		return
	}
	cp.mu.Lock()
	cp.call = &Call{API: c.API, Method: c.Method, URL: c.URL, Status: c.Status, Error: c.Err, DurationMS: c.Duration.Milliseconds(),
		RequestHeader: c.RequestHeader, RequestBody: string(c.RequestBody), ResponseHeader: c.ResponseHeader, ResponseBody: string(c.ResponseBody)}
	cp.mu.Unlock()
}
