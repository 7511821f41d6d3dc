package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

// submit posts a form and returns the status, where it leads and the page when it is not a redirect.
func (s *site) submit(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// The Alerts page works with forms alone: channels are added (a refused one says why, beside its
// field, and no secret is written back), tested and removed, rules added and removed, and the history
// shows what was sent.
func TestTheAlertsPageWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	conn := s.env.Connect()
	token := s.signIn()
	var got atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if notify.Verify("whsec-web-test-0123456789", body, r.Header.Get(notify.SignatureHeader)) {
			got.Add(1)
		}
	}))
	defer hook.Close()

	status, _, page := s.submit("/alerts/channels", url.Values{"csrf": {token}, "type": {"webhook"}, "name": {"ops"}, "url": {hook.URL + "/in"}, "secret": {"too-short"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "too short to be safe") ||
		!strings.Contains(page, `id="webhook-secret" name="secret" type="password" autocomplete="off" aria-describedby="webhook-secret-hint" aria-invalid="true"`) ||
		!strings.Contains(page, `<details class="channel-type" open>`) || strings.Contains(page, "too-short") || strings.Contains(page, hook.URL) {
		t.Fatalf("a refused channel: %d\n%s", status, page)
	}
	if status, loc, _ := s.submit("/alerts/channels", url.Values{"csrf": {token}, "type": {"webhook"}, "name": {"ops"}, "url": {hook.URL + "/in"},
		"secret": {"whsec-web-test-0123456789"}}); status != http.StatusSeeOther || loc != "/alerts#channels" {
		t.Fatalf("adding a channel: %d %s", status, loc)
	}
	chans, _ := s.env.Services.Alerts.Channels(t.Context())
	if len(chans) != 1 {
		t.Fatalf("channels = %+v", chans)
	}
	id := itoa(chans[0].ID)
	if status, loc, _ := s.submit("/alerts/channels/"+id+"/test", url.Values{"csrf": {token}}); status != http.StatusSeeOther || loc != "/alerts#history" || got.Load() != 1 {
		t.Fatalf("send test: %d %s, received %d", status, loc, got.Load())
	}
	status, page = s.get("/alerts")
	if status != http.StatusOK || !strings.Contains(page, "Test notification delivered to ops") || !strings.Contains(page, `<span class="badge sent">sent</span>`) ||
		strings.Contains(page, "/in") || strings.Contains(page, "whsec-web-test") {
		t.Fatalf("the page after a test: %d\n%s", status, page)
	}

	// Rules: none checked is refused with the choices kept; then one for the connection.
	status, _, page = s.submit("/alerts/rules", url.Values{"csrf": {token}, "channel": {id}, "sync": {itoa(conn.ID)}, "rejected_warning": {"2"},
		"rejected_critical": {"20"}, "slow_factor": {"3"}, "stale_intervals": {"3"}, "quiet": {"15"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose at least one condition") || !strings.Contains(page, `value="2"`) {
		t.Fatalf("a rule without conditions: %d\n%s", status, page)
	}
	if status, loc, _ := s.submit("/alerts/rules", url.Values{"csrf": {token}, "channel": {id}, "sync": {itoa(conn.ID)}, "on": {"failed", "stale"},
		"rejected_warning": {"1"}, "rejected_critical": {"10"}, "slow_factor": {"3"}, "stale_intervals": {"3"}, "quiet": {"0"}}); status != http.StatusSeeOther || loc != "/alerts#rules" {
		t.Fatalf("adding a rule: %d %s", status, loc)
	}
	rules, _ := s.env.Services.Alerts.Rules(t.Context())
	if len(rules) != 1 || rules[0].SyncID != conn.ID || strings.Join(rules[0].Conditions, ",") != "failed,stale" || rules[0].Quiet != 0 {
		t.Fatalf("rules = %+v", rules)
	}

	// A failed run: the connections list wears the alert's badge, the page lists it.
	ctx := t.Context()
	run, _ := s.env.Services.Store.StartRun(ctx, conn.ID, "schedule", []string{"customers"})
	s.env.Services.Store.FinishRun(ctx, run.ID, store.RunFailed, "customers: Dotdigital answered 500")
	if err := s.env.Services.Alerts.Evaluate(ctx, conn.ID); err != nil {
		t.Fatal(err)
	}
	if _, page := s.get("/connections"); !strings.Contains(page, `<a class="badge critical alert-badge" href="/alerts#active">alert: failed`) {
		t.Fatalf("no alert badge on the connections list:\n%s", page)
	}
	if _, page := s.get("/connections/live"); !strings.Contains(page, "alert: failed") {
		t.Fatalf("no alert badge in the live rows:\n%s", page)
	}
	_, page = s.get("/alerts")
	if !strings.Contains(page, "Run #"+itoa(run.Number)+" failed.") || !strings.Contains(page, `<span class="badge critical">triggered</span>`) {
		t.Fatalf("the page does not show the alert:\n%s", page)
	}
	history, _ := s.env.Services.Alerts.History(ctx, 0, 10, 0)
	status, page = s.get("/alerts/notifications/" + itoa(history[0].ID))
	if status != http.StatusOK || !strings.Contains(page, "Dotdigital answered 500") || !strings.Contains(page, "[CRITICAL]") {
		t.Fatalf("the notification's page: %d\n%s", status, page)
	}
	status, page = s.get("/alerts/notifications/" + itoa(history[1].ID))
	if status != http.StatusOK || !strings.Contains(page, "Last attempt") || !strings.Contains(page, "X-Bcsync-Signature: [REDACTED]") {
		t.Fatalf("the test's page: %d\n%s", status, page)
	}
	if status, _ := s.get("/alerts/notifications/9999"); status != http.StatusNotFound {
		t.Fatalf("a missing notification: %d", status)
	}

	if status, loc, _ := s.submit("/alerts/rules/"+itoa(rules[0].ID)+"/remove", url.Values{"csrf": {token}}); status != http.StatusSeeOther || loc != "/alerts#rules" {
		t.Fatalf("removing the rule: %d %s", status, loc)
	}
	if status, loc, _ := s.submit("/alerts/channels/"+id+"/remove", url.Values{"csrf": {token}}); status != http.StatusSeeOther || loc != "/alerts#channels" {
		t.Fatalf("removing the channel: %d %s", status, loc)
	}
	if chans, _ := s.env.Services.Alerts.Channels(ctx); len(chans) != 0 {
		t.Fatalf("channels after removal: %+v", chans)
	}
	if status, _, _ := s.submit("/alerts/channels/"+id+"/remove", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Fatalf("a forged form: %d", status)
	}
}
