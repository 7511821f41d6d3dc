package e2e

import (
	"strconv"
	"testing"
	"time"
)

// While a first sync runs, the store tab shows each stream read from the store with "n of N", a
// percentage and the time left; the run's page then has an Unchanged column.
func TestBrowserShowsABackfillWithNOfNAPercentageAndTimeLeft(t *testing.T) {
	// Large enough that the first sync still runs once Chromium has started and signed in.
	sz := paced
	sz.customers = 4000
	w := newWorld(t, sz, pacedQuota)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers")
	b := newBrowser(t, w) // serve starts the first sync, queued by connection add
	b.signIn()
	b.visit("/connections/" + strconv.FormatInt(id, 10))
	b.waitFor("a stream running with n of N, a percentage and the time left", `[...document.querySelectorAll('.progress-table tr.stream-running')].some(r => {
		const td = r.querySelectorAll('td');
		return /\d+%/.test(td[0].textContent) && /^[\d,]+ of [\d,]+$/.test(td[1].textContent.trim()) && /\d+s$/.test(td[3].textContent.trim());
	})`, 60*time.Second)
	b.shot("sync-progress")
	b.waitIdle("/connections/" + strconv.FormatInt(id, 10))
	b.visit("/connections/" + strconv.FormatInt(id, 10) + "/runs/1")
	b.see("Unchanged", "4,000 of 4,000", "Waiting or skipped", "waiting: the order's email is not a contact yet")
	b.shot("run-backfill")
}
