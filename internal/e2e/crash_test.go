package e2e

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// A backfill big and slow enough to be killed in the middle of each stream.
var crashSizes = sizes{customers: 1200, subscribers: 400, orders: 1500, products: 120}

// anchor fixes the emulated store's clock, so two stores generated from one seed are equal.
var anchor = time.Now().Truncate(time.Second)

func slowWorld(bc *bcemuConfig, dd *ddemuConfig) {
	bc.Now = func() time.Time { return anchor }
	bc.Latency = 4 * time.Millisecond
	dd.ImportDelay = 250 * time.Millisecond
	dd.Data = ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}
}

// Killing bcsync with -9 at any point of a backfill and starting it again ends in the same Dotdigital
// state as a backfill that was never interrupted: nothing lost, nothing twice.
func TestKilledAnywhereABackfillResumesToTheSameState(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	ref := newWorld(t, crashSizes, slowWorld)
	rid := ref.connect()
	ref.settings(rid, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS")
	ref.sync(rid)

	w := newWorld(t, crashSizes, slowWorld)
	id := w.connect()
	w.settings(id, "--customer-list", "Customers", "--map", "total_spend=LOYALTY_POINTS")
	points := []struct {
		name string
		hit  func() bool
	}{
		{"reading orders", func() bool { return w.bc.Stats().Requests["GET /stores/{store_hash}/v2/orders"] >= 3 }},
		{"importing subscribers", func() bool { return len(w.dd.Imports()) >= 1 }},
		{"importing customers", func() bool { return countImports(w, "contacts") >= 2 }},
		{"sending waiting orders", func() bool { return countImports(w, "insight") >= 1 }},
	}
	killed := 0
	for _, p := range points {
		cmd := w.start("sync", strconv.FormatInt(id, 10), "--wait")
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		hit := false
		for !hit {
			select {
			case <-done:
				t.Logf("the run ended before the point %q", p.name)
				hit = true
				continue
			case <-time.After(2 * time.Millisecond):
			}
			if p.hit() {
				cmd.Process.Kill() // SIGKILL: no cleanup, no checkpoint
				<-done
				killed++
				t.Logf("killed while %s", p.name)
				hit = true
			}
		}
	}
	if killed < 3 {
		t.Fatalf("only %d of %d kills landed in the middle of the backfill", killed, len(points))
	}
	run := w.sync(id) // resumes the interrupted run and finishes it
	if run.Status != "succeeded" || run.ID != 1 {
		t.Fatalf("the resumed run: %+v", run)
	}
	sameState(t, ref, w)
	if runs := w.bcsync("runs", strconv.FormatInt(id, 10)); strings.Count(runs, "\n") != 2 {
		t.Fatalf("the kills left extra runs:\n%s", runs)
	}
}

func countImports(w *world, kind string) int {
	n := 0
	for _, im := range w.dd.Imports() {
		if im.Kind == kind {
			n++
		}
	}
	return n
}

// sameState compares two accounts as a user sees them: contacts by email (status, lists by name, data
// fields, consent records) and Insight records by key, with contact ids replaced by emails.
func sameState(t *testing.T, a, b *world) {
	t.Helper()
	if a.dd.ContactCount() != b.dd.ContactCount() {
		t.Errorf("contacts: %d vs %d", a.dd.ContactCount(), b.dd.ContactCount())
	}
	ca, cb := contactsByEmail(a), contactsByEmail(b)
	for email, x := range ca {
		y, ok := cb[email]
		if !ok {
			t.Errorf("%s missing", email)
			continue
		}
		if x != y {
			t.Errorf("%s differs:\n  %s\n  %s", email, x, y)
		}
	}
	for _, coll := range []string{"Orders", "Catalog_Default"} {
		ra, rb := recordsByKey(t, a, coll), recordsByKey(t, b, coll)
		if len(ra) != len(rb) {
			t.Errorf("%s: %d vs %d records", coll, len(ra), len(rb))
		}
		for k, x := range ra {
			if rb[k] != x {
				t.Errorf("%s record %s differs:\n  %s\n  %s", coll, k, x, rb[k])
			}
		}
	}
}

func contactsByEmail(w *world) map[string]string {
	out := map[string]string{}
	for _, c := range w.dd.Contacts() {
		names := []string{}
		for _, l := range c.Lists {
			names = append(names, strconv.Itoa(l.ID)) // both accounts were made alike: same ids
		}
		slices.Sort(names)
		fields, _ := json.Marshal(c.DataFields)
		out[strings.ToLower(c.Email)] = c.Status + " " + strings.Join(names, ",") + " " + string(fields) + " consent=" + strconv.Itoa(c.Consent)
	}
	return out
}

// recordsByKey reads an Insight collection by record key. The collection must exist: two accounts that
// both lacked it would otherwise compare as the same without one record compared.
func recordsByKey(t *testing.T, w *world, collection string) map[string]string {
	t.Helper()
	emails := map[int]string{}
	for _, c := range w.dd.Contacts() {
		emails[c.ID] = strings.ToLower(c.Email)
	}
	out := map[string]string{}
	c, ok := w.dd.Collection(collection)
	if !ok {
		t.Fatalf("no %s collection in the account", collection)
	}
	for _, r := range c.Records {
		out[r.Key] = emails[r.ContactID] + " " + string(r.JSON)
	}
	return out
}
