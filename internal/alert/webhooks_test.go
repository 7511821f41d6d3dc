package alert_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// The webhooks condition reads the store's hooks from BigCommerce (here the emulator): one deactivated
// and one missing are told, and their repair is told as a recovery. The reading is recorded in the
// debugger of the marketing sync, outside any run.
func TestDeactivatedAndMissingWebhooksAreToldFromWhatBigCommerceLists(t *testing.T) {
	ctx := context.Background()
	bc, err := bcemu.New(bcemu.Config{Seed: 1, Customers: 1, Products: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(bc.Handler())
	t.Cleanup(func() { srv.Close(); bc.Close() })
	s, _ := setup(t, store.SQLite)
	sh := &store.Shop{Name: "Hooked shop", StoreHash: bc.StoreHash(),
		BigCommerce: store.BigCommerceCredentials{APIPath: bc.APIPath(srv.URL), ClientID: bc.ClientID(), AccessToken: bc.AccessToken()}}
	if err := s.CreateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	dest := "https://bcsync.example.com" + marketing.WebhookPath(sh.ID)
	if err := s.SetWebhooksURL(ctx, sh.ID, dest); err != nil {
		t.Fatal(err)
	}
	conn := &store.Connection{Name: "Hooked shop", StoreID: sh.ID, Dotdigital: store.DotdigitalCredentials{Username: "u", Password: "p"},
		Settings: store.Settings{DataSync: true}}
	if err := s.CreateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	client, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: bc.APIPath(srv.URL), ClientID: bc.ClientID(), AccessToken: bc.AccessToken()}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, scope := range marketing.WebhookScopes() {
		if scope == "store/cart/abandoned" {
			continue // missing
		}
		active := scope != "store/order/*" // deactivated
		h, err := client.CreateWebhook(ctx, bigcommerce.WebhookInput{Scope: scope, Destination: dest, IsActive: &active, Headers: map[string]string{"X-Test": "1"}})
		if err != nil {
			t.Fatal(err)
		}
		ids[scope] = h.ID
	}

	bcCalls := &calls{}
	p := newProcess(t, s, nil, func(o *alert.Options) { o.Shops = shop.New(s, shop.Options{Observer: bcCalls}) })
	p.start(t)
	rc := newReceiver(t)
	ch := hook(t, p.alerts, rc, "ops")
	if _, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, All: true, Conditions: []string{"webhooks"}}); err != nil {
		t.Fatal(err)
	}
	// Judging a sync at the end of a run or every minute does not read the hooks: nothing to say yet.
	if err := p.alerts.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.alerts.CheckWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rc.wait(t, 1); got[0] != "triggered webhooks warning" {
		t.Fatalf("received %v", got)
	}
	rc.mu.Lock()
	first := rc.got[0]
	rc.mu.Unlock()
	if !strings.Contains(first.Message, "2 of the store's 5 webhooks do not deliver") ||
		!strings.Contains(first.Detail, "deactivated by BigCommerce: store/order/*") || !strings.Contains(first.Detail, "missing: store/cart/abandoned") {
		t.Fatalf("the alert says %q / %q", first.Message, first.Detail)
	}
	bcCalls.mu.Lock()
	if len(bcCalls.scopes) == 0 || bcCalls.scopes[0] != (apicall.Scope{SyncID: conn.ID}) || bcCalls.apis[0] != "bigcommerce" {
		t.Errorf("the hooks were read in scope %v (%v)", bcCalls.scopes, bcCalls.apis)
	}
	bcCalls.mu.Unlock()

	// Repaired in the store: a recovery at the next reading, and nothing more after.
	active := true
	if _, err := client.UpdateWebhook(ctx, ids["store/order/*"], bigcommerce.WebhookInput{IsActive: &active}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateWebhook(ctx, bigcommerce.WebhookInput{Scope: "store/cart/abandoned", Destination: dest, IsActive: &active, Headers: map[string]string{"X-Test": "1"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := p.alerts.CheckWebhooks(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := rc.wait(t, 2); got[1] != "resolved webhooks warning" {
		t.Fatalf("received %v", got)
	}
	time.Sleep(200 * time.Millisecond)
	if got := rc.told(); len(got) != 2 {
		t.Fatalf("received %v", got)
	}
}

// syncBuffer is a log that tests read while workers write it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A notification the receiver refuses for good is given up at once, shown as failed and logged once,
// without the channel's secrets.
func TestARefusedNotificationIsLoggedOnceWithoutSecrets(t *testing.T) {
	ctx := context.Background()
	s, conn := setup(t, store.SQLite)
	logs := &syncBuffer{}
	p := newProcess(t, s, nil, func(o *alert.Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	p.start(t)
	rc := newReceiver(t)
	rc.mu.Lock()
	rc.status = http.StatusNotFound
	rc.mu.Unlock()
	ch := hook(t, p.alerts, rc, "ops")
	if _, err := p.alerts.AddRule(ctx, alert.RuleInput{ChannelID: ch.ID, SyncID: conn.ID, Conditions: []string{"failed"}}); err != nil {
		t.Fatal(err)
	}
	p.runOnce(t, conn.ID, 1, 0, true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		h, err := p.alerts.History(ctx, conn.ID, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) == 1 && h[0].Status == store.DeliveryFailed {
			if h[0].Attempts != 1 || !strings.Contains(h[0].Error, "404") || !strings.Contains(h[0].Error, "check the webhook URL") {
				t.Fatalf("the failed notification = %+v", h[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notification was not given up: %+v", h)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	out := logs.String()
	if n := strings.Count(out, `msg="alert not delivered"`); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, out)
	}
	for _, secret := range []string{secret, "/bcsync", rc.srv.URL + "/"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log shows %q:\n%s", secret, out)
		}
	}
}
