package e2e

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// Removing a connection in the browser deletes the webhooks it registered from the store, and says so.
func TestBrowserRemovesAConnectionWithItsWebhooks(t *testing.T) {
	w := newWorld(t, small)
	w.env = append(w.env, "BCSYNC_PUBLIC_URL=http://127.0.0.1:9") // where the store would call bcsync
	id := w.connect()
	b := newBrowser(t, w)
	b.signIn()
	tab := "/connections/" + strconv.FormatInt(id, 10)
	b.waitIdle(tab)
	if hooks := all(t, w.store().Webhooks(ctx())); len(hooks) != 5 {
		t.Fatalf("%d webhooks registered", len(hooks))
	}
	b.do(chromedp.Click(chromedp.CSS("a.button.danger")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#confirm")))
	b.see("The webhooks it registered are deleted from the store.")
	b.submit("form[action$='/remove'] button.danger")
	b.see("Removed", "its 5 webhooks were deleted from the store")
	w.eventually("the webhooks gone", func() bool { return len(all(t, w.store().Webhooks(ctx()))) == 0 })
}
