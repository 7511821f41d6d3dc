package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// Killing bcsync with -9 anywhere in the enrolment of 200 new subscribers — while they are imported,
// with a chunk of 25 in flight, between chunks — and starting it again enrols every contact exactly
// once: the interrupted chunk is resolved by asking Dotdigital, nothing is dropped or sent twice.
func TestKilledDuringAnEnrolmentEveryContactIsEnrolledExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	w := newWorld(t, sizes{customers: 10, subscribers: 10, orders: 10, products: 5}, func(_ *bcemu.Config, dd *ddemu.Config) {
		dd.Data = ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}
		dd.ImportDelay = 300 * time.Millisecond // each enrolment (and import) is processed this long after it was made
	})
	id := w.connect()
	w.settings(id, "--new-subscriber-program", "1001")
	w.sync(id)
	importsBefore := len(w.dd.Imports())

	time.Sleep(1100 * time.Millisecond) // after install, in whole seconds
	const n = 200
	for i := range n {
		if _, err := w.store().CreateSubscriber(ctx(), bigcommerce.SubscriberInput{Email: fmt.Sprintf("reader.%03d@example.org", i),
			Consents: []string{"marketing_newsletter"}}); err != nil {
			t.Fatal(err)
		}
	}
	asked := func() int {
		k := 0
		for _, times := range w.dd.EnrolmentRequests(1001) {
			k += times
		}
		return k
	}
	points := []struct {
		name string
		hit  func() bool
	}{
		{"importing the new subscribers", func() bool { return len(w.dd.Imports()) > importsBefore }},
		{"the first chunk in flight", func() bool { return asked() >= 1 }},
		{"the third chunk in flight", func() bool { return asked() > 50 }},
		{"the fifth chunk in flight", func() bool { return asked() > 100 }},
		{"the seventh chunk in flight", func() bool { return asked() > 150 }},
	}
	killed := 0
	for _, p := range points {
		cmd := w.start("sync", strconv.FormatInt(id, 10), "--wait")
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		for hit := false; !hit; {
			select {
			case <-done:
				t.Logf("the run ended before the point %q", p.name)
				hit = true
				continue
			case <-time.After(2 * time.Millisecond):
			}
			if p.hit() {
				cmd.Process.Kill() // SIGKILL: no cleanup
				<-done
				killed++
				t.Logf("killed while %s (%d contacts asked)", p.name, asked())
				hit = true
			}
		}
	}
	if killed < 4 {
		t.Fatalf("only %d of %d kills landed in the middle of the enrolment", killed, len(points))
	}
	if run := w.sync(id); run.Status != "succeeded" {
		t.Fatalf("the resumed run: %+v", run)
	}
	reqs := w.dd.EnrolmentRequests(1001)
	for i := range n {
		email := fmt.Sprintf("reader.%03d@example.org", i)
		c, ok := w.dd.Contact(email)
		if !ok {
			t.Fatalf("%s is not a contact", email)
		}
		if reqs[c.ID] != 1 {
			t.Errorf("%s was asked to be enrolled %d times, want once", email, reqs[c.ID])
		}
	}
	if len(reqs) != n || len(w.dd.Enrolled(1001)) != n {
		t.Fatalf("%d contacts asked, %d enrolled; want %d", len(reqs), len(w.dd.Enrolled(1001)), n)
	}
	if waiting := w.show(id).EnrolmentsWaiting; waiting != 0 {
		t.Fatalf("enrolments waiting after the run: %d", waiting)
	}
}
