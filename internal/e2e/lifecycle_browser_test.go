package e2e

import (
	"strconv"
	"testing"
	"time"

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

// A Dotdigital password changed by the marketer puts the connection in "needs attention"; the store
// tab's Credentials form refuses a wrong one, then checks and saves the right one, which clears it.
func TestBrowserRotatesTheDotdigitalPassword(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	w.dd.SetPassword("a-new-password")
	b := newBrowser(t, w)
	b.signIn()
	tab := "/connections/" + strconv.FormatInt(id, 10)
	b.visit(tab)
	b.submit("button[form='sync-now']")
	b.waitFor("the connection to need attention", `(() => {
		const s = document.querySelector('.sync-status[data-active="false"] .now .badge.failed');
		return !!s && s.textContent === 'needs attention';
	})()`, 60*time.Second)
	b.see("Dotdigital refused the API user's password")

	b.fill("dotdigital_password", "not-it")
	b.submit("form.credentials button.primary")
	b.see("Dotdigital refused the API user or its password.")
	if !b.eval(`document.getElementById('dotdigital_password').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused password's field is not marked invalid")
	}
	b.shot("store-credentials-refused")

	b.fill("dotdigital_password", "a-new-password")
	b.submit("form.credentials button.primary")
	b.see("The new credentials work and were saved; a sync was started.")
	b.waitIdle(tab)
	if b.eval(`document.body.textContent.includes('needs attention')`) {
		t.Errorf("still needs attention after the new password:\n%s", b.body())
	}
	b.see("up to date")
}
