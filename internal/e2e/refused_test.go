package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

// A subscriber Dotdigital refuses (an email with a comma, which bcsync's own check lets through) and
// one bcsync refuses itself (an email without a dot in its domain) are logged once. While they stay as
// they are, later syncs neither send nor log them again, and count them as still rejected: the runs
// succeed. The refused one is sent again, and refused and logged again, once it changes.
func TestARefusedRecordIsNeitherSentNorLoggedAgainUntilItChanges(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)

	time.Sleep(1100 * time.Millisecond) // the records below are newer than the cursor, in whole seconds
	odd, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "odd,one@example.org", FirstName: "Odd",
		Consents: []string{"marketing_newsletter"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: "nodot@localhost", Consents: []string{"marketing_newsletter"}}); err != nil {
		t.Fatal(err)
	}
	contactImports := func() int { return countImports(w, "contacts") }

	before := contactImports()
	run := w.sync(id)
	subs := run.Streams["subscribers"]
	if run.Status != "partial" || subs.Rejected != 2 || subs.StillRejected != 0 || contactImports() != before+1 {
		t.Fatalf("first sync: %s, subscribers %+v, %d contact imports (want partial, 2 rejected, one import)", run.Status, subs, contactImports()-before)
	}

	// Unchanged, inside the cursor's overlap: neither sent nor logged again, twice over.
	for range 2 {
		before = contactImports()
		run = w.sync(id)
		subs = run.Streams["subscribers"]
		if run.Status != "succeeded" || subs.Rejected != 0 || subs.StillRejected != 2 || contactImports() != before {
			t.Fatalf("unchanged: %s, subscribers %+v, %d contact imports (want succeeded, 2 still rejected, none sent)",
				run.Status, subs, contactImports()-before)
		}
	}
	if out := w.bcsync("sync", strconv.FormatInt(id, 10), "--wait"); !strings.Contains(out, "still rejected 2") {
		t.Fatalf("the sync's summary does not tell the still rejected records:\n%s", out)
	}

	// Changed: sent again, refused again, logged again; the other stays still rejected.
	updateSubscriber(t, w, odd.ID, bigcommerce.SubscriberInput{FirstName: "Oddly"})
	before = contactImports()
	run = w.sync(id)
	subs = run.Streams["subscribers"]
	if run.Status != "partial" || subs.Rejected != 1 || subs.StillRejected != 1 || contactImports() != before+1 {
		t.Fatalf("changed: %s, subscribers %+v, %d contact imports (want partial, 1 rejected, 1 still rejected, one import)",
			run.Status, subs, contactImports()-before)
	}
}
