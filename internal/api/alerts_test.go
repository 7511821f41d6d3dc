package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/store"
)

const hookSecret = "whsec-api-test-0123456789"

// signedReceiver accepts notifications whose signature holds, and refuses everything while refuse is set.
func signedReceiver(t *testing.T, refuse *atomic.Bool) (*httptest.Server, *atomic.Int64) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(hookSecret, body, r.Header.Get(notify.SignatureHeader)) || refuse.Load() {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestAlertChannelsRulesAndHistory(t *testing.T) {
	c := newClient(t)
	conn := c.connect()
	var refuse atomic.Bool
	srv, got := signedReceiver(t, &refuse)

	// A channel is checked, saved and listed without its secrets.
	status, out, _ := c.call("POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "type": "webhook", "url": srv.URL + "/hook", "secret": "short"})
	if status != http.StatusUnprocessableEntity || out["code"] != "invalid_alert" || out["field"] != "secret" {
		t.Fatalf("a short secret: %d %v", status, out)
	}
	if status, out, _ := c.call("POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "type": "fax"}); status != http.StatusUnprocessableEntity || out["field"] != "type" {
		t.Fatalf("an unknown type: %d %v", status, out)
	}
	if status, out, _ := c.call("POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "typo": "webhook"}); status != http.StatusBadRequest || out["code"] != "bad_json" {
		t.Fatalf("an unknown field: %d %v", status, out)
	}
	ch := c.must(http.StatusCreated, "POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "type": "webhook", "url": srv.URL + "/hook", "secret": hookSecret})
	id := int64(ch["id"].(float64))
	if ch["type"] != "webhook" || !strings.HasPrefix(ch["target"].(string), "127.0.0.1:") {
		t.Fatalf("channel = %v", ch)
	}
	c.must(http.StatusCreated, "POST", "/api/v1/alerts/channels", map[string]any{"name": "team", "type": "email",
		"smtp_url": "smtp://alerts:pa55word@127.0.0.1:2525", "from": "bcsync <alerts@example.com>", "to": "a@example.com, b@example.com"})
	status, out, _ = c.call("GET", "/api/v1/alerts/channels", nil)
	raw := fmt.Sprint(out)
	if status != http.StatusOK || len(out["channels"].([]any)) != 2 || strings.Contains(raw, hookSecret) || strings.Contains(raw, "/hook") || strings.Contains(raw, "pa55word") ||
		!strings.Contains(raw, "a@example.com, b@example.com via 127.0.0.1:2525") {
		t.Fatalf("channels = %d %s", status, raw)
	}
	if status, out, _ := c.call("POST", "/api/v1/alerts/channels", map[string]any{"name": "ops", "type": "webhook", "url": srv.URL, "secret": hookSecret}); status != http.StatusUnprocessableEntity || out["field"] != "name" {
		t.Fatalf("a taken name: %d %v", status, out)
	}

	// Send test: delivered, or the service's answer in a 502.
	test := c.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/alerts/channels/%d/test", id), nil)
	if test["status"] != "sent" || test["state"] != "test" || got.Load() != 1 {
		t.Fatalf("test = %v (received %d)", test, got.Load())
	}
	refuse.Store(true)
	status, out, _ = c.call("POST", fmt.Sprintf("/api/v1/alerts/channels/%d/test", id), nil)
	if status != http.StatusBadGateway || out["code"] != "channel_test_failed" || !strings.Contains(out["error"].(string), "403") {
		t.Fatalf("a refused test: %d %v", status, out)
	}
	refuse.Store(false)

	// Rules, for one sync or for all.
	if status, out, _ := c.call("POST", "/api/v1/alerts/rules", map[string]any{"channel_id": id, "sync_id": conn, "on": "failed,late"}); status != http.StatusUnprocessableEntity || out["field"] != "on" {
		t.Fatalf("an unknown condition: %d %v", status, out)
	}
	if status, out, _ := c.call("POST", "/api/v1/alerts/rules", map[string]any{"channel_id": id, "sync_id": conn, "all": true}); status != http.StatusUnprocessableEntity || out["field"] != "sync" {
		t.Fatalf("a sync and all: %d %v", status, out)
	}
	rule := c.must(http.StatusCreated, "POST", "/api/v1/alerts/rules", map[string]any{"channel_id": id, "sync_id": conn, "on": []string{"rejected", "failed"},
		"rejected_warning": 0.02, "quiet_s": 60})
	if fmt.Sprint(rule["on"]) != "[failed rejected]" || rule["rejected_warning"] != 0.02 || rule["rejected_critical"] != 0.1 || rule["quiet_s"] != float64(60) || rule["all"] != false {
		t.Fatalf("rule = %v", rule)
	}
	all := c.must(http.StatusCreated, "POST", "/api/v1/alerts/rules", map[string]any{"channel_id": id, "all": true})
	if all["sync_id"] != nil || len(all["on"].([]any)) != 7 || all["quiet_s"] != float64(900) {
		t.Fatalf("rule for all = %v", all)
	}
	if rules := c.must(http.StatusOK, "GET", "/api/v1/alerts/rules", nil)["rules"].([]any); len(rules) != 2 {
		t.Fatalf("rules = %v", rules)
	}
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/alerts/rules/%d", int64(all["id"].(float64))), nil)
	if status, _, _ := c.call("DELETE", fmt.Sprintf("/api/v1/alerts/rules/%d", int64(all["id"].(float64))), nil); status != http.StatusNotFound {
		t.Fatalf("deleting a deleted rule: %d", status)
	}

	// A failed run: what holds now, and its notification queued in the history.
	ctx := context.Background()
	s := c.env.Services.Store
	run, err := s.StartRun(ctx, conn, "schedule", []string{"customers"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, run.ID, store.RunFailed, "customers: Dotdigital answered 500"); err != nil {
		t.Fatal(err)
	}
	if err := c.env.Services.Alerts.Evaluate(ctx, conn); err != nil {
		t.Fatal(err)
	}
	active := c.must(http.StatusOK, "GET", "/api/v1/alerts/active", nil)["active"].([]any)
	if len(active) != 1 || active[0].(map[string]any)["condition"] != "failed" || active[0].(map[string]any)["severity"] != "critical" ||
		active[0].(map[string]any)["sync_id"] != float64(conn) {
		t.Fatalf("active = %v", active)
	}
	history := c.must(http.StatusOK, "GET", "/api/v1/alerts/history?limit=2", nil)
	list := history["notifications"].([]any)
	first := list[0].(map[string]any)
	if len(list) != 2 || history["next_before"] == nil || first["state"] != "triggered" || first["status"] != "queued" ||
		first["sync"].(map[string]any)["id"] != float64(conn) || !strings.HasPrefix(first["title"].(string), "[CRITICAL] ") ||
		!strings.HasSuffix(first["title"].(string), ": sync failed") || first["message"] != fmt.Sprintf("Run #%d failed.", run.ID) {
		t.Fatalf("history = %v", history)
	}
	older := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/alerts/history?before=%d", int64(history["next_before"].(float64))), nil)["notifications"].([]any)
	if len(older) != 1 || older[0].(map[string]any)["state"] != "test" || older[0].(map[string]any)["sync"] != nil {
		t.Fatalf("older = %v", older)
	}
	one := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/alerts/history/%d", int64(list[1].(map[string]any)["id"].(float64))), nil)
	call, _ := one["call"].(map[string]any)
	if one["status"] != "failed" || call == nil || call["status"] != float64(403) || call["method"] != "POST" || strings.Contains(fmt.Sprint(one), hookSecret) ||
		strings.Contains(fmt.Sprint(call["url"]), "/hook") {
		t.Fatalf("the refused test = %v", one)
	}
	if status, _, _ := c.call("GET", "/api/v1/alerts/history?sync=x", nil); status != http.StatusBadRequest {
		t.Fatalf("a bad ?sync: %d", status)
	}

	// Removing the channel removes its rules; its history stays.
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/alerts/channels/%d", id), nil)
	if rules := c.must(http.StatusOK, "GET", "/api/v1/alerts/rules", nil)["rules"].([]any); len(rules) != 0 {
		t.Fatalf("rules of a removed channel: %v", rules)
	}
	kept := c.must(http.StatusOK, "GET", "/api/v1/alerts/history", nil)["notifications"].([]any)
	if len(kept) != 3 || kept[0].(map[string]any)["channel"].(map[string]any)["id"] != nil || kept[0].(map[string]any)["channel"].(map[string]any)["name"] != "ops" {
		t.Fatalf("the history after removing the channel = %v", kept)
	}
	if status, _, _ := c.call("POST", fmt.Sprintf("/api/v1/alerts/channels/%d/test", id), nil); status != http.StatusNotFound {
		t.Fatalf("testing a removed channel: %d", status)
	}
}
