package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

const secret = "whsec-0123456789abcdef-test"

// receiver is a webhook endpoint that checks what it receives as a receiver must: the signature of the
// raw body first.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	down   atomic.Bool // answers 503
	mu     sync.Mutex
	got    []notify.WebhookPayload
	ids    map[string]int // X-Bcsync-Delivery → deliveries received
	status int            // answer instead of 204, when set
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, ids: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			t.Errorf("a notification with a bad signature: %s", body)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if rc.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("not JSON: %s", body)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.status != 0 {
			w.WriteHeader(rc.status)
			return
		}
		rc.got = append(rc.got, p)
		rc.ids[r.Header.Get("X-Bcsync-Delivery")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// told lists what was received: "triggered failed critical", …
func (rc *receiver) told() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, p := range rc.got {
		out = append(out, string(p.State)+" "+p.Condition+" "+string(p.Severity))
	}
	return out
}

func (rc *receiver) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(rc.told()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %v, waited for %d notifications", rc.told(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rc.told()
}

// calls keeps the scope of every call a delivery made.
type calls struct {
	mu     sync.Mutex
	scopes []apicall.Scope
	apis   []string
	text   []string
}

func (c *calls) ObserveCall(ctx context.Context, call *apicall.Call) {
	s, _ := apicall.ScopeFrom(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, s)
	c.apis = append(c.apis, call.API)
	c.text = append(c.text, call.URL+" "+string(call.RequestBody)+" "+strings.Join(call.RequestHeader.Values(notify.SignatureHeader), ""))
}

// process is one bcsync process's alerts and job queue over a state store.
type process struct {
	alerts *alert.Service
	queue  *jobs.Queue
	runs   *ledger.Ledger
}

func newProcess(t *testing.T, s *store.Store, obs apicall.Observer, tune ...func(*alert.Options)) *process {
	t.Helper()
	o := alert.Options{Observer: obs, PublicURL: "https://bcsync.example.com", CheckEvery: time.Hour}
	for _, f := range tune {
		f(&o)
	}
	a := alert.New(s, o)
	idle := jobs.Runner(runnerFunc(func(context.Context, int64, string, time.Duration) (bool, error) { return true, nil }))
	q, err := jobs.New(jobs.Config{Store: s, Runners: map[store.SyncKind]jobs.Runner{store.KindMarketing: idle}, PollEvery: 20 * time.Millisecond,
		Extensions: []jobs.Extension{a.Jobs()}})
	if err != nil {
		t.Fatal(err)
	}
	a.UseQueue(q)
	return &process{alerts: a, queue: q, runs: ledger.New(s, ledger.Options{Ended: a.RunEnded})}
}

func (p *process) start(t *testing.T) {
	t.Helper()
	if err := p.queue.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
}

func (p *process) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.queue.Stop(ctx)
}

type runnerFunc func(context.Context, int64, string, time.Duration) (bool, error)

func (f runnerFunc) Run(ctx context.Context, id int64, trigger string, budget time.Duration) (bool, error) {
	return f(ctx, id, trigger, budget)
}

// runOnce records a run through the ledger: sent and rejected records, ending failed when fail.
func (p *process) runOnce(t *testing.T, syncID int64, sent, rejected int, fail bool) {
	t.Helper()
	ctx := context.Background()
	r, err := p.runs.Begin(ctx, syncID, "schedule", []string{"customers"})
	if err != nil {
		t.Fatal(err)
	}
	r.Enter(ctx, "customers", 0, ledger.Running)
	r.Count(int64(sent+rejected), int64(sent), 0, 0)
	for i := range rejected {
		if err := r.Reject(ctx, "customers", store.Rejected{Key: string(rune('a' + i%26)), Reason: "InvalidEmail"}); err != nil {
			t.Fatal(err)
		}
	}
	var failures []string
	if fail {
		failures = []string{"customers: Dotdigital answered 500"}
		r.Leave(ctx, ledger.Failed)
	} else {
		r.Leave(ctx, ledger.Done)
	}
	if _, err := r.Finish(ctx, failures); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T, engine store.Engine) (*store.Store, *store.Connection) {
	t.Helper()
	s := storetest.Open(t, engine)
	if err := jobs.Migrate(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	return s, storetest.NewConnection(t, s)
}

func hook(t *testing.T, a *alert.Service, rc *receiver, name string) alert.Channel {
	t.Helper()
	ch, err := a.AddChannel(context.Background(), name, notify.Config{Type: notify.TypeWebhook, URL: rc.srv.URL + "/bcsync", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func forEachEngine(t *testing.T, f func(t *testing.T, engine store.Engine)) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) { t.Parallel(); f(t, e) })
	}
}

func TestThreeFailuresThenASuccessSendOneAlertAndOneRecovery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		s, conn := setup(t, engine)
		log := &calls{}
		p := newProcess(t, s, log)
		p.start(t)
		rc := newReceiver(t)
		ch := hook(t, p.alerts, rc, "ops")
		if _, err := p.alerts.AddRule(context.Background(), alert.RuleInput{ChannelID: ch.ID, SyncID: conn.ID}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			p.runOnce(t, conn.ID, 10, 0, true)
		}
		if got := rc.wait(t, 1); got[0] != "triggered failed critical" {
			t.Fatalf("received %v", got)
		}
		p.runOnce(t, conn.ID, 10, 0, false)
		rc.wait(t, 2)
		// The periodic check finds nothing more to say.
		if err := p.alerts.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if got := strings.Join(rc.told(), "; "); got != "triggered failed critical; resolved failed critical" {
			t.Fatalf("received %s", got)
		}
		rc.mu.Lock()
		first := rc.got[0]
		rc.mu.Unlock()
		if first.Sync.ID != conn.ID || first.Store.Name != "Shop" || !strings.HasPrefix(first.URL, "https://bcsync.example.com/connections/") ||
			first.DedupKey != notify.DedupKey(notify.Sync{ID: conn.ID, Kind: "marketing"}, "failed") || !strings.Contains(first.Detail, "Dotdigital answered 500") {
			t.Errorf("the alert = %+v", first)
		}

		history, err := p.alerts.History(context.Background(), conn.ID, 10, 0)
		if err != nil || len(history) != 2 {
			t.Fatalf("history = %v, %v", history, err)
		}
		for _, d := range history {
			if d.Status != store.DeliverySent || d.Attempts != 1 || d.SentAt.IsZero() || !strings.Contains(d.LastCall, `"status":204`) {
				t.Errorf("delivery %+v", d)
			}
			if strings.Contains(d.LastCall, secret) {
				t.Errorf("the history keeps the webhook's secret: %s", d.LastCall)
			}
		}
		// Each delivery's call is the sync's, outside any run, with its secrets redacted.
		log.mu.Lock()
		defer log.mu.Unlock()
		if len(log.scopes) != 2 {
			t.Fatalf("%d calls observed", len(log.scopes))
		}
		for i, sc := range log.scopes {
			if sc != (apicall.Scope{SyncID: conn.ID}) || log.apis[i] != "webhook" {
				t.Errorf("call %d: scope %+v, API %q", i, sc, log.apis[i])
			}
			if strings.Contains(log.text[i], "/bcsync") || strings.Contains(log.text[i], "sha256=") {
				t.Errorf("call %d shows a secret: %s", i, log.text[i])
			}
		}
	})
}

func TestARejectedShareSendsWarningCriticalRecovery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine store.Engine) {
		s, conn := setup(t, engine)
		p := newProcess(t, s, nil)
		p.start(t)
		rc := newReceiver(t)
		ch := hook(t, p.alerts, rc, "ops")
		if _, err := p.alerts.AddRule(context.Background(), alert.RuleInput{ChannelID: ch.ID, All: true, Conditions: []string{"rejected"}}); err != nil {
			t.Fatal(err)
		}
		p.runOnce(t, conn.ID, 995, 5, false) // 0.5%
		p.runOnce(t, conn.ID, 98, 2, false)  // 2%
		rc.wait(t, 1)
		p.runOnce(t, conn.ID, 97, 3, false) // 3%: still a warning
		p.runOnce(t, conn.ID, 80, 20, false)
		rc.wait(t, 2)
		p.runOnce(t, conn.ID, 100, 0, false)
		rc.wait(t, 3)
		time.Sleep(300 * time.Millisecond)
		if got := strings.Join(rc.told(), "; "); got != "triggered rejected warning; triggered rejected critical; resolved rejected critical" {
			t.Fatalf("received %s", got)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.got[0].Message != "Run #2 rejected 2 of 100 records (2%), at least 1%." || !strings.Contains(rc.got[0].Detail, "InvalidEmail (2)") {
			t.Errorf("the warning says %q / %q", rc.got[0].Message, rc.got[0].Detail)
		}
	})
}

// A warehouse run that its guard stopped ends blocked: the periodic check tells of it as surely as the
// end of a run does.
func TestABlockedRunIsToldByThePeriodicCheck(t *testing.T) {
	s, conn := setup(t, store.SQLite)
	ctx := context.Background()
	wh := &store.Sync{Kind: store.KindWarehouse, StoreID: conn.StoreID, Name: "Customers from the warehouse", Enabled: true}
	if err := s.CreateSync(ctx, wh); err != nil {
		t.Fatal(err)
	}
	p := newProcess(t, s, nil)
	p.start(t)
	rc := newReceiver(t)
	ch := hook(t, p.alerts, rc, "ops")
	if _, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, SyncID: wh.ID, Conditions: []string{"blocked"}}); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(ctx, wh.ID, "schedule", []string{"plan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, run.ID, store.RunBlocked, "the model would delete 40% of the customers (over 10%)"); err != nil {
		t.Fatal(err)
	}
	if err := p.alerts.Check(ctx); err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 1)
	rc.mu.Lock()
	got := rc.got[0]
	rc.mu.Unlock()
	if got.State != notify.Triggered || got.Condition != "blocked" || got.Severity != notify.Warning || got.Sync.Kind != "warehouse" ||
		!strings.Contains(got.Detail, "40% of the customers") || got.URL != "https://bcsync.example.com/warehouse/syncs/2/runs/1" {
		t.Fatalf("received %+v", got)
	}
}

// A notification queued by a process that stopped before delivering it is delivered, once, by the
// next process; a receiver that fails meanwhile only delays it.
func TestANotificationOutlivesItsProcess(t *testing.T) {
	s, conn := setup(t, store.SQLite)
	ctx := context.Background()
	rc := newReceiver(t)
	first := newProcess(t, s, nil) // never started: it judges, queues and stops
	ch := hook(t, first.alerts, rc, "ops")
	if _, err := first.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, SyncID: conn.ID, Conditions: []string{"failed"}}); err != nil {
		t.Fatal(err)
	}
	first.runOnce(t, conn.ID, 1, 0, true)
	history, err := first.alerts.History(ctx, 0, 10, 0)
	if err != nil || len(history) != 1 || history[0].Status != store.DeliveryQueued {
		t.Fatalf("history before the restart = %+v, %v", history, err)
	}

	rc.down.Store(true)
	next := newProcess(t, s, nil)
	next.start(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := next.alerts.Notification(ctx, history[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == store.DeliveryRetrying && d.Attempts >= 1 {
			if !strings.Contains(d.Error, "503") {
				t.Errorf("a retried delivery says %q", d.Error)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery was not attempted: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.down.Store(false)
	rc.wait(t, 1)
	time.Sleep(300 * time.Millisecond)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) != 1 || len(rc.ids) != 1 {
		t.Fatalf("delivered %d times (%v)", len(rc.got), rc.ids)
	}
}

func TestTestNotificationsAndRefusedInputs(t *testing.T) {
	s, _ := setup(t, store.SQLite)
	ctx := context.Background()
	p := newProcess(t, s, nil)
	rc := newReceiver(t)
	ch := hook(t, p.alerts, rc, "ops")
	d, err := p.alerts.Test(ctx, ch.ID)
	if err != nil || d.Status != store.DeliverySent || rc.wait(t, 1)[0] != "test test info" {
		t.Fatalf("test = %+v, %v; received %v", d, err, rc.told())
	}
	rc.mu.Lock()
	rc.status = http.StatusForbidden
	rc.mu.Unlock()
	d, err = p.alerts.Test(ctx, ch.ID)
	var te *alert.TestError
	if !errors.As(err, &te) || d.Status != store.DeliveryFailed || !strings.Contains(d.Error, "403") {
		t.Fatalf("a refused test = %+v, %v", d, err)
	}
	if c, ok := alert.CallOf(d.LastCall); !ok || c.Status != 403 || c.Method != "POST" || strings.Contains(d.LastCall, secret) {
		t.Fatalf("the refused test's call = %+v (%s)", c, d.LastCall)
	}

	for _, c := range []struct {
		name  string
		do    func() error
		field string
	}{
		{"a channel without a name", func() error {
			_, err := p.alerts.AddChannel(ctx, " ", notify.Config{Type: notify.TypeSlack, URL: "https://hooks.slack.com/services/T/B/x"})
			return err
		}, "name"},
		{"a taken name", func() error {
			_, err := p.alerts.AddChannel(ctx, "ops", notify.Config{Type: notify.TypeSlack, URL: "https://hooks.slack.com/services/T/B/x"})
			return err
		}, "name"},
		{"a PagerDuty key too short", func() error {
			_, err := p.alerts.AddChannel(ctx, "pd", notify.Config{Type: notify.TypePagerDuty, RoutingKey: "short"})
			return err
		}, "routing_key"},
		{"an unknown condition", func() error {
			_, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, All: true, Conditions: []string{"failed,late"}})
			return err
		}, "on"},
		{"a missing channel", func() error {
			_, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID + 9, All: true})
			return err
		}, "channel"},
		{"no sync", func() error { _, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID}); return err }, "sync"},
		{"a missing sync", func() error {
			_, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, SyncID: 999})
			return err
		}, "sync"},
		{"critical under warning", func() error {
			_, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, All: true, Thresholds: alert.Thresholds{RejectedWarning: 0.2, RejectedCritical: 0.1}})
			return err
		}, "rejected_critical"},
	} {
		var ie *alert.InputError
		if err := c.do(); !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: %v (field %v), want a refusal of %s", c.name, err, ie, c.field)
		}
	}
	r, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, All: true, Conditions: []string{"stale", "failed"}, QuietSet: true})
	if err != nil || strings.Join(r.Conditions, ",") != "failed,stale" || r.Quiet != 0 || r.RejectedWarning != 0.01 || r.SlowFactor != 3 {
		t.Fatalf("rule = %+v, %v", r, err)
	}
}
