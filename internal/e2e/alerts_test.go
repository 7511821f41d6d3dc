package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

const hookSecret = "whsec-e2e-0123456789abcdef"

// lastLine is the id a command prints on its last line.
func lastLine(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if _, err := strconv.ParseInt(last, 10, 64); err != nil {
		t.Fatalf("no id on the last line of %q", out)
	}
	return last
}

func (w *world) history() []resource.Notification {
	w.t.Helper()
	var out []resource.Notification
	if err := json.Unmarshal([]byte(w.bcsync("alert", "history", "--json", "--limit", "200")), &out); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// A sync that fails three runs in a row, then recovers, sends exactly one alert and one recovery on
// every channel: Slack, PagerDuty, Twilio, email (STARTTLS and a login) and a signed webhook, each
// checked by a receiver that behaves like the service. Each channel's test goes through first.
func TestThreeFailuresThenARecoverySendOneAlertAndOneRecoveryPerChannel(t *testing.T) {
	w := newWorld(t, small, withAccount)
	brk := breakable(w)
	slack, slackURL := slackHook(t)
	pd, pdURL, open := pagerDuty(t)
	sms, twilioURL := twilio(t)
	mailbox, smtpAddr, certFile := mailServer(t)
	hook, hookURL, deliveries := webhookReceiver(t, hookSecret)
	// SSL_CERT_FILE makes bcsync trust the SMTP server's own certificate, as an operator's CA would.
	w.env = append(w.env, "SSL_CERT_FILE="+certFile, "BCSYNC_PAGERDUTY_URL="+pdURL, "BCSYNC_TWILIO_URL="+twilioURL, "BCSYNC_ADMIN_PASSWORD="+adminPassword)
	id := strconv.FormatInt(w.connect(), 10)
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr, "--public-url", "http://"+addr, "--alert-check-every", "1s")
	defer w.stop(serve)
	w.eventually("the first sync", func() bool { return strings.Contains(w.bcsync("runs", id), "succeeded") })

	channels := []struct {
		typ   string
		in    *inbox
		flags []string
	}{
		{"slack", slack, []string{"--url", slackURL}},
		{"pagerduty", pd, []string{"--routing-key", pagerDutyKey}},
		{"sms", sms, []string{"--account-sid", twilioSID, "--auth-token", twilioToken, "--from", "+14155550100", "--to", "+14155550123"}},
		{"email", mailbox, []string{"--smtp-url", "smtp://alerts%40example.com:" + smtpPass + "@" + smtpAddr, "--from", "bcsync <alerts@example.com>", "--to", "ops@example.com"}},
		{"webhook", hook, []string{"--url", hookURL, "--secret", hookSecret}},
	}
	for _, c := range channels {
		ch := lastLine(t, w.bcsync(append([]string{"alert", "channel", "add", "--name", "ops-" + c.typ, "--type", c.typ}, c.flags...)...))
		if out := w.bcsync("alert", "channel", "test", ch); !strings.Contains(out, "delivered") {
			t.Fatalf("%s: test: %s", c.typ, out)
		}
		if got := c.in.kinds(); !slices.Equal(got, []string{"test"}) {
			t.Fatalf("%s received %v after its test", c.typ, got)
		}
		lastLine(t, w.bcsync("alert", "rule", "add", "--channel", ch, "--sync", id, "--on", "failed"))
	}
	list := w.bcsync("alert", "channel", "list")
	for _, secret := range []string{"e2eSlackWebhookToken", pagerDutyKey, twilioToken, smtpPass, hookSecret} {
		if strings.Contains(list, secret) {
			t.Fatalf("the channel list shows a secret:\n%s", list)
		}
	}

	brk.on.Store(true)
	for range 3 {
		if run := w.syncAgain(id); run.Status != "failed" {
			t.Fatalf("a run with the catalogue refused ended %s", run.Status)
		}
	}
	w.eventually("an alert on every channel", func() bool {
		for _, c := range channels {
			if len(c.in.kinds()) < 2 {
				return false
			}
		}
		return true
	})
	brk.on.Store(false)
	if run := w.syncAgain(id); run.Status != "succeeded" {
		t.Fatalf("the run after the repair ended %s", run.Status)
	}
	w.eventually("a recovery on every channel", func() bool {
		for _, c := range channels {
			if len(c.in.kinds()) < 3 {
				return false
			}
		}
		return true
	})
	time.Sleep(3 * time.Second) // three more periodic checks: nothing more to say
	for _, c := range channels {
		if got := c.in.kinds(); !slices.Equal(got, []string{"test", "alert", "recovery"}) {
			t.Errorf("%s received %v, want a test, one alert and one recovery", c.typ, got)
		}
	}
	open.Range(func(k, _ any) bool { t.Errorf("PagerDuty: alert %v is still open", k); return true })
	deliveries.Range(func(k, n any) bool {
		if n.(*atomic.Int64).Load() != 1 {
			t.Errorf("webhook delivery %v received %d times", k, n.(*atomic.Int64).Load())
		}
		return true
	})
	var alert struct {
		Text   string `json:"text"`
		Blocks []struct {
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	json.Unmarshal(slack.body(1), &alert)
	link := ""
	if n := len(alert.Blocks); n > 0 && len(alert.Blocks[n-1].Elements) > 0 {
		link = alert.Blocks[n-1].Elements[0].Text
	}
	if !strings.HasPrefix(alert.Text, "[CRITICAL] ") || !strings.HasPrefix(link, "<http://"+addr+"/connections/"+id+"/runs/") {
		t.Errorf("the Slack alert does not link to its run: %s", slack.body(1))
	}

	history := w.history()
	if len(history) != 15 {
		t.Fatalf("%d notifications in the history, want 15", len(history))
	}
	for _, n := range history {
		if n.Status != "sent" || n.Attempts != 1 {
			t.Errorf("notification %d (%s %s to %s): %s after %d attempts: %s", n.ID, n.State, n.Condition, n.Channel.Name, n.Status, n.Attempts, n.Error)
		}
	}

	// Every channel's calls are in the sync's API debugger, outside any run, without their secrets.
	token := strings.TrimSpace(w.bcsync("admin", "token", "--name", "e2e"))
	for _, c := range channels {
		api := map[string]string{"sms": "twilio"}[c.typ]
		if api == "" {
			api = c.typ
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/connections/"+id+"/calls?api="+api, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var calls struct {
			Calls []resource.APICall `json:"calls"`
		}
		json.Unmarshal(body, &calls)
		if len(calls.Calls) != 2 || calls.Calls[0].RunID != 0 {
			t.Errorf("%s: the debugger has %s", c.typ, body)
		}
		for _, secret := range []string{"e2eSlackWebhookToken", pagerDutyKey, twilioToken, smtpPass, hookSecret, "bcsync-hook"} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s: the debugger shows %q: %s", c.typ, secret, body)
			}
		}
	}
}

// syncAgain runs a sync with bcsync serve running and returns its run. The job of the run before may
// still be finishing when its run has ended: the sync is then asked for again.
func (w *world) syncAgain(id string) resource.Run {
	w.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		out, _ := w.try("sync", id, "--wait", "--json")
		if !strings.HasPrefix(out, "a sync of this connection is already queued or running") {
			return parseRun(w.t, out)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("a sync stays queued: %s", out)
		}
	}
}

// warehouseWorker is a second bcsync process on the world's state, as a warehouse worker will be: its
// runs end through the ledger, whose hook judges alerts and queues their notifications for whichever
// process delivers them.
type warehouseWorker struct {
	t   *testing.T
	svc *app.Services
	id  int64
}

func newWarehouseWorker(t *testing.T, w *world) *warehouseWorker {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: w.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	s, err := a.Services(app.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	sh := &store.Shop{Name: "Warehouse shop", StoreHash: "wh0001", BigCommerce: store.BigCommerceCredentials{APIPath: "https://api.bigcommerce.com/stores/wh0001/", AccessToken: "x"}}
	if err := a.Store.CreateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	y := &store.Sync{Kind: store.KindWarehouse, StoreID: sh.ID, Name: "Customers from the warehouse", Enabled: true}
	if err := a.Store.CreateSync(ctx, y); err != nil {
		t.Fatal(err)
	}
	return &warehouseWorker{t: t, svc: s, id: y.ID}
}

// run writes one run: sent and rejected rows, failed when fail.
func (ww *warehouseWorker) run(sent, rejected int, fail bool) {
	ww.t.Helper()
	ctx := context.Background()
	r, err := ww.svc.Runs.Begin(ctx, ww.id, "schedule", []string{"upsert"})
	if err != nil {
		ww.t.Fatal(err)
	}
	r.Enter(ctx, "upsert", 0, ledger.Running)
	r.Count(int64(sent+rejected), int64(sent), 0, 0)
	var rs []store.Rejected
	for i := range rejected {
		rs = append(rs, store.Rejected{Key: strconv.Itoa(i), Reason: "InvalidEmail"})
	}
	if err := r.Reject(ctx, "upsert", rs...); err != nil {
		ww.t.Fatal(err)
	}
	r.Leave(ctx, ledger.Done)
	var failures []string
	if fail {
		failures = []string{"upsert: BigCommerce answered 500"}
	}
	if _, err := r.Finish(ctx, failures); err != nil {
		ww.t.Fatal(err)
	}
}

// blocked writes a run its guard stopped.
func (ww *warehouseWorker) blocked() {
	ww.t.Helper()
	ctx := context.Background()
	s := ww.svc.Store
	r, err := s.StartRun(ctx, ww.id, "schedule", []string{"plan"})
	if err != nil {
		ww.t.Fatal(err)
	}
	if err := s.FinishRun(ctx, r.ID, store.RunBlocked, "the model would delete 40% of the customers (over 10%)"); err != nil {
		ww.t.Fatal(err)
	}
}

// hookPayloads decodes what the webhook receiver took.
func hookPayloads(t *testing.T, in *inbox) []string {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []string
	for _, raw := range in.raw {
		var p notify.WebhookPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(p.State)+" "+p.Condition+" "+string(p.Severity))
	}
	return out
}

// A warehouse sync (written through the ledger by another process): a rejected share crossing 1%,
// then 10%, then back sends warning, critical, recovery; a run blocked by its guard is told by the
// periodic check; a notification queued while bcsync serve is stopped is delivered once when it
// starts again; and one whose receiver is down for a minute, with bcsync killed meanwhile, still
// arrives, once.
func TestAlertsOfAWarehouseSyncSurviveRestartsAndAReceiverDownForAMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a receiver down for a minute")
	}
	w := newWorld(t, small)
	hook, hookURL, deliveries := webhookReceiver(t, hookSecret)
	addr := freeAddr(t)
	serve := w.start("serve", "--listen", addr, "--alert-check-every", "1s")
	ww := newWarehouseWorker(t, w)
	ch := lastLine(t, w.bcsync("alert", "channel", "add", "--name", "ops", "--type", "webhook", "--url", hookURL, "--secret", hookSecret))
	lastLine(t, w.bcsync("alert", "rule", "add", "--channel", ch, "--sync", strconv.FormatInt(ww.id, 10), "--on", "failed,rejected,blocked"))
	waitFor := func(what string, n int) []string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for len(hook.kinds()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: received %v", what, hookPayloads(t, hook))
			}
			time.Sleep(50 * time.Millisecond)
		}
		return hookPayloads(t, hook)
	}

	ww.run(995, 5, false) // 0.5%: nothing
	ww.run(98, 2, false)  // 2%
	waitFor("the warning", 1)
	ww.run(97, 3, false) // 3%: still a warning, nothing more
	ww.run(80, 20, false)
	waitFor("the critical alert", 2)
	ww.run(100, 0, false)
	got := waitFor("the recovery", 3)
	if want := []string{"triggered rejected warning", "triggered rejected critical", "resolved rejected critical"}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}

	ww.blocked() // no hook: the periodic check of bcsync serve finds it
	if got := waitFor("the blocked run", 4); got[3] != "triggered blocked warning" {
		t.Fatalf("received %v", got)
	}

	// bcsync serve stops; a run fails meanwhile: its notifications wait in the queue.
	w.stop(serve)
	ww.run(10, 0, true)
	queued := 0
	for _, n := range w.history() {
		if n.Status == "queued" {
			queued++
		}
	}
	if queued != 2 { // the failure, and the end of the blocked run
		t.Fatalf("%d notifications queued while bcsync serve was stopped, want 2", queued)
	}
	serve = w.start("serve", "--listen", addr, "--alert-check-every", "1s")
	got = waitFor("the notifications queued while stopped", 6)
	if !slices.Contains(got[4:], "triggered failed critical") || !slices.Contains(got[4:], "resolved blocked warning") {
		t.Fatalf("received %v", got)
	}

	// The receiver goes down for a minute; bcsync serve is killed while it retries, and started again.
	hook.down.Store(true)
	down := time.Now()
	ww.run(10, 0, false)
	w.eventually("a failed attempt", func() bool {
		for _, n := range w.history() {
			if n.State == "resolved" && n.Condition == "failed" && n.Status == "retrying" {
				return true
			}
		}
		return false
	})
	serve.Process.Kill() // kill -9: no graceful stop
	serve.Wait()
	serve = w.start("serve", "--listen", addr, "--alert-check-every", "1s")
	defer w.stop(serve)
	time.Sleep(time.Until(down.Add(time.Minute)))
	hook.down.Store(false)
	deadline := time.Now().Add(3 * time.Minute) // the next attempt, at most 5 minutes after the last
	for len(hook.kinds()) < 7 {
		if time.Now().After(deadline) {
			t.Fatalf("the recovery did not arrive after the receiver came back: %v", hookPayloads(t, hook))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("delivered %s after the receiver went down", time.Since(down).Round(time.Second))
	time.Sleep(2 * time.Second)
	if got := hookPayloads(t, hook); len(got) != 7 || got[6] != "resolved failed critical" {
		t.Fatalf("received %v", got)
	}
	deliveries.Range(func(k, n any) bool {
		if n.(*atomic.Int64).Load() != 1 {
			t.Errorf("notification %v received %d times", k, n.(*atomic.Int64).Load())
		}
		return true
	})
	for _, n := range w.history() {
		if n.Status != "sent" {
			t.Errorf("notification %d: %s (%s)", n.ID, n.Status, n.Error)
		}
		if n.State == "resolved" && n.Condition == "failed" && n.Attempts < 2 {
			t.Errorf("the recovery sent while the receiver was down took %d attempt", n.Attempts)
		}
	}
}
