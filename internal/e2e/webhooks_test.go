package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// With a public URL, bcsync serve registers the store's webhooks: a change reaches Dotdigital in
// seconds (long before the 5-minute poll), and an abandoned cart of a contact goes to CartInsight and
// enrols the contact in the abandoned-cart programme, once per cart.
func TestWebhooksBringChangesAndAbandonedCartsInSeconds(t *testing.T) {
	w := newWorld(t, small, withAccount)
	serve, addr := w.serveWithWebhooks()
	defer w.stop(serve)
	id := w.connect()
	w.settings(id, "--abandoned-cart-program", "1003")
	w.firstSync(id)
	hooks := all(t, w.store().Webhooks(ctx()))
	if len(hooks) != 5 || hooks[0].Headers["X-Bcsync-Webhook-Secret"] == "" {
		t.Fatalf("webhooks: %+v", hooks)
	}

	// A change in the store: in Dotdigital within seconds.
	sub, _ := consentedSubscriber(t, w, false)
	start := time.Now()
	if _, err := w.store().UpdateSubscriber(ctx(), sub.ID, bigcommerce.SubscriberInput{FirstName: "Hooked"}); err != nil {
		t.Fatal(err)
	}
	w.eventually("the change in Dotdigital", func() bool {
		c, _ := w.dd.Contact(sub.Email)
		return c.DataFields["FIRSTNAME"] == "Hooked"
	})
	t.Logf("store change → Dotdigital in %s", time.Since(start).Round(time.Millisecond))

	// An abandoned cart of that subscriber.
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	w.bcJSON("POST", "v3/carts", map[string]any{"email": sub.Email, "line_items": []map[string]any{{"product_id": 1, "quantity": 2}}}, &created)
	abandon, err := http.Post(w.bcSrv.URL+"/_emulator/carts/"+created.Data.ID+"/abandon", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	abandon.Body.Close()
	if abandon.StatusCode >= 300 {
		t.Fatalf("abandon cart %s: %d", created.Data.ID, abandon.StatusCode)
	}
	w.eventually("the cart in CartInsight", func() bool { return slices.Contains(recordKeys(t, w, "CartInsight"), created.Data.ID) })
	contact := mustContact(t, w, sub.Email)
	w.eventually("the enrolment", func() bool { return w.dd.EnrolmentRequests(1003)[contact.ID] == 1 })
	// A repeated delivery of the same event changes nothing.
	time.Sleep(500 * time.Millisecond)
	if n := w.dd.EnrolmentRequests(1003)[contact.ID]; n != 1 {
		t.Fatalf("%d enrolments for one cart", n)
	}

	// A delivery without the connection's secret is refused.
	resp, err := http.Post("http://"+addr+"/webhooks/bigcommerce/"+strconv.FormatInt(id, 10), "application/json",
		strings.NewReader(`{"scope":"store/cart/abandoned","data":{"type":"cart","id":"x"},"hash":"h","producer":"stores/abc123xyz"}`))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated delivery: %v %v", resp.StatusCode, err)
	}
}

// serveWithWebhooks starts bcsync serve with a public URL, so that the store's webhooks are registered
// and delivered, running what is due every 100 ms; extra flags follow. addr is where it listens.
func (w *world) serveWithWebhooks(extra ...string) (serve *exec.Cmd, addr string) {
	w.t.Helper()
	addr = freeAddr(w.t)
	return w.start(append([]string{"serve", "--listen", addr, "--public-url", "http://" + addr, "--schedule-every", "100ms"}, extra...)...), addr
}

// firstSync waits for the connection's first run to succeed.
func (w *world) firstSync(id int64) {
	w.t.Helper()
	w.eventually("the first sync", func() bool { return strings.Contains(w.bcsync("runs", strconv.FormatInt(id, 10)), "succeeded") })
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// bcJSON calls the emulated store's API and decodes the answer.
func (w *world) bcJSON(method, path string, body, out any) {
	w.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, w.bc.APIPath(w.bcSrv.URL)+path, bytes.NewReader(b))
	req.Header.Set("X-Auth-Token", w.bc.AccessToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		w.t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		w.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
}

// BigCommerce's hash covers a callback's data only, so two changes of one record carry the same hash
// (the emulator computes it so). The second change is a new event all the same: it reaches Dotdigital
// in seconds too, not at the next poll.
func TestASecondChangeToTheSameRecordIsNotTakenForARepeat(t *testing.T) {
	w := newWorld(t, small, withAccount)
	serve, _ := w.serveWithWebhooks()
	defer w.stop(serve)
	id := w.connect()
	w.firstSync(id)

	sub, _ := consentedSubscriber(t, w, false)
	for _, name := range []string{"Once", "Twice"} {
		if _, err := w.store().UpdateSubscriber(ctx(), sub.ID, bigcommerce.SubscriberInput{FirstName: name}); err != nil {
			t.Fatal(err)
		}
		w.eventually("the change to "+name+" in Dotdigital", func() bool {
			c, _ := w.dd.Contact(sub.Email)
			return c.DataFields["FIRSTNAME"] == name
		})
		time.Sleep(1100 * time.Millisecond) // the next change is made in a later second (created_at)
	}
}

// Removing a connection deletes from the store the webhooks it registered, and only those: another
// app's stay.
func TestRemovingAConnectionDeletesItsWebhooksFromTheStore(t *testing.T) {
	w := newWorld(t, small)
	serve, _ := w.serveWithWebhooks()
	id := w.connect()
	w.firstSync(id)
	if hooks := all(t, w.store().Webhooks(ctx())); len(hooks) != 5 {
		t.Fatalf("%d webhooks registered", len(hooks))
	}
	active := true
	other, err := w.store().CreateWebhook(ctx(), bigcommerce.WebhookInput{Scope: "store/order/created", Destination: "https://other-app.example.com/hooks", IsActive: &active})
	if err != nil {
		t.Fatal(err)
	}
	w.stop(serve)
	out := w.bcsync("connection", "remove", strconv.FormatInt(id, 10))
	if !strings.Contains(out, "its 5 webhooks were deleted from the store") {
		t.Errorf("remove said: %s", out)
	}
	hooks := all(t, w.store().Webhooks(ctx()))
	if len(hooks) != 1 || hooks[0].ID != other.ID {
		t.Fatalf("webhooks left in the store: %+v", hooks)
	}
}
