package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// Four store subscribers whom Dotdigital had unsubscribed or suppressed before the store was connected
// stay so: the first syncs never send them as subscribed nor put them in the subscriber list, and the
// store keeps their consent, counted as "unsubscribed in Dotdigital". With the write-back setting on,
// their consent is emptied in the store; they stay removed in Dotdigital.
func TestContactsRemovedBeforeInstallStayRemovedAndKeepTheStoresConsentUnlessWrittenBack(t *testing.T) {
	w := newWorld(t, small, withAccount)
	var removed []bigcommerce.Subscriber
	for _, s := range allSubscribers(t, w) {
		if slices.Contains(s.Consents, "marketing_newsletter") && len(removed) < 4 {
			removed = append(removed, s)
		}
	}
	if len(removed) != 4 {
		t.Fatalf("the generated store has %d consented subscribers, want 4", len(removed))
	}
	// Before the connection: two unsubscribed themselves, two were suppressed by the marketer.
	w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": removed[0].Email})
	w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": removed[1].Email})
	for _, s := range removed[2:] {
		w.ddDo("PATCH", "/contacts/v3/email/"+s.Email, map[string]any{"channelProperties": map[string]any{"email": map[string]any{"status": "suppressed"}}})
	}
	want := map[string]string{removed[0].Email: "Unsubscribed", removed[1].Email: "Unsubscribed", removed[2].Email: "Suppressed", removed[3].Email: "Suppressed"}

	id := w.connect()
	list := int(w.show(id).SubscriberList.ID)
	check := func(when string, storeConsent bool) {
		t.Helper()
		for _, s := range removed {
			c := mustContact(t, w, s.Email)
			if c.Status != want[s.Email] || inList(c, list) {
				t.Fatalf("%s: %s is %s (want %s), in the subscriber list %v", when, s.Email, c.Status, want[s.Email], inList(c, list))
			}
			if got := subscriber(t, w, s.ID); slices.Contains(got.Consents, "marketing_newsletter") != storeConsent {
				t.Fatalf("%s: the store's consents of %s are %v", when, s.Email, got.Consents)
			}
		}
	}
	first := w.sync(id)
	if first.Streams["subscribers"].Rejected != 0 {
		t.Fatalf("subscribers stream: %+v", first.Streams["subscribers"])
	}
	check("after the first sync", true)
	if n := w.show(id).UnsubscribedInDotdigital; n != 4 {
		t.Fatalf("unsubscribed in Dotdigital: %d, want 4", n)
	}
	if list := mustContact(t, w, removed[0].Email); len(list.Lists) != 0 {
		t.Fatalf("%s was put in lists %v", removed[0].Email, list.Lists)
	}
	w.sync(id)
	check("after a second sync", true)

	w.settings(id, "--write-back-removals", "on")
	if !w.show(id).WriteBackRemovals {
		t.Fatal("the setting did not stick")
	}
	run := w.sync(id)
	check("after writing back", false)
	if n := w.show(id).UnsubscribedInDotdigital; n != 0 || run.Streams["subscribers"].Sent < 4 {
		t.Fatalf("after writing back: %d still counted, subscribers stream %+v", n, run.Streams["subscribers"])
	}
}

// The store tab tells how many store subscribers Dotdigital had removed before the connection, where
// subscribers' consent evidence goes, and offers to write those removals back to the store.
func TestBrowserShowsSubscribersUnsubscribedInDotdigitalAndTheWriteBackSetting(t *testing.T) {
	w := newWorld(t, small, withAccount)
	n := 0
	for _, s := range allSubscribers(t, w) {
		if slices.Contains(s.Consents, "marketing_newsletter") && n < 2 {
			w.ddPost("/v2/contacts/unsubscribe", map[string]string{"email": s.Email})
			n++
		}
	}
	id := w.connect()
	w.sync(id)
	b := newBrowser(t, w)
	b.signIn()
	b.visit(fmt.Sprintf("/connections/%d", id))
	b.see("2 store subscribers are unsubscribed in Dotdigital", "Write these unsubscribes back to the store",
		"CONSENT_TEXT, CONSENT_DATETIME, CONSENT_URL, CONSENT_IP", "user agent")
	b.accessible()
	if b.eval(`document.getElementById('write_back_removals').checked`) {
		t.Fatal("writing removals back is on by default")
	}
	b.do(chromedp.Click(chromedp.CSS("#write_back_removals")))
	b.submit("form.settings button.primary")
	b.see("Settings saved.")
	if !b.eval(`document.getElementById('write_back_removals').checked`) || !w.show(id).WriteBackRemovals {
		t.Fatal("the write-back setting was not saved")
	}
}
