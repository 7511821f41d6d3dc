package diff_test

import (
	"context"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

type counts struct{ unchanged, stillRejected int64 }

func (c *counts) Count(_, _, unchanged, _ int64) { c.unchanged += unchanged }
func (c *counts) StillRejected(n int64)          { c.stillRejected += n }

// A record refused in one state is neither sent nor counted as sent while it stays in that state: it
// is still rejected. Changed, it is sent again; accepted since, its old refusal no longer counts.
func TestARefusedRecordIsStillRejectedUntilItChanges(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	c := storetest.NewConnection(t, s)
	ctx := context.Background()
	bad := store.RecordState{Key: "1", Email: "odd,one@x.io", Fingerprint: diff.Print(map[string]any{"name": "Odd"}), Status: 1}
	fixed := store.RecordState{Key: "2", Email: "b@x.io", Fingerprint: diff.Print(map[string]any{"name": "Ben"}), Status: 1}
	if err := s.RememberRefusals(ctx, c.ID, "subscribers", []store.Refusal{{RecordState: bad, Reason: "InvalidEmail"}, {RecordState: fixed, Reason: "InvalidEmail"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.SaveRecordStates(ctx, c.ID, "subscribers", []store.RecordState{fixed}); err != nil { // accepted since
		t.Fatal(err)
	}
	var n counts
	b, err := diff.Load(ctx, s, c.ID, "subscribers", []string{"1", "2"}, &n)
	if err != nil {
		t.Fatal(err)
	}
	if b.Changed(bad) || n.stillRejected != 1 || n.unchanged != 0 {
		t.Fatalf("the unchanged refused record: counts %+v", n)
	}
	changed := bad
	changed.Fingerprint = diff.Print(map[string]any{"name": "Odd One"})
	if !b.Changed(changed) {
		t.Fatal("a refused record that changed is not sent again")
	}
	if b.Changed(fixed) || n.unchanged != 1 || n.stillRejected != 1 {
		t.Fatalf("a record accepted after its refusal: counts %+v", n)
	}
}

func TestOnlyWhatChangedSinceItWasSentIsChanged(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	c := storetest.NewConnection(t, s)
	ctx := context.Background()
	sent := []store.RecordState{
		{Key: "1", Email: "a@x.io", Fingerprint: diff.Print(map[string]any{"name": "Ann"}), Status: 1},
		{Key: "2", Email: "b@x.io", Fingerprint: diff.Print(map[string]any{"name": "Ben"}), Status: 1},
		{Key: "3", Email: "c@x.io", Fingerprint: diff.Print(map[string]any{"name": "Cy"}), Status: 1},
	}
	if err := s.SaveRecordStates(ctx, c.ID, "customers", sent); err != nil {
		t.Fatal(err)
	}
	var n counts
	b, err := diff.Load(ctx, s, c.ID, "customers", []string{"1", "2", "3", "4"}, &n)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		next    store.RecordState
		changed bool
	}{
		{store.RecordState{Key: "1", Email: "a@x.io", Fingerprint: diff.Print(map[string]any{"name": "Ann"}), Status: 1}, false},
		{store.RecordState{Key: "2", Email: "b@x.io", Fingerprint: diff.Print(map[string]any{"name": "Benjamin"}), Status: 1}, true},
		{store.RecordState{Key: "3", Email: "cy@x.io", Fingerprint: diff.Print(map[string]any{"name": "Cy"}), Status: 1}, true},
		{store.RecordState{Key: "3", Email: "c@x.io", Fingerprint: diff.Print(map[string]any{"name": "Cy"}), Status: 0}, true},
		{store.RecordState{Key: "4", Email: "d@x.io", Fingerprint: diff.Print(map[string]any{"name": "Di"}), Status: 1}, true},
	} {
		if got := b.Changed(tc.next); got != tc.changed {
			t.Errorf("%+v: changed = %v", tc.next, got)
		}
	}
	if n.unchanged != 1 {
		t.Fatalf("counted %d unchanged", n.unchanged)
	}
	if prev, ok := b.Prev("2"); !ok || prev.Email != "b@x.io" {
		t.Fatalf("prev of 2 = %+v %v", prev, ok)
	}
	if _, ok := b.Prev("4"); ok {
		t.Fatal("a record never sent has a previous state")
	}
}

func TestPrintIsStableAcrossMapOrder(t *testing.T) {
	a := diff.Print(map[string]any{"a": 1, "b": "x", "c": []int{1, 2}})
	b := diff.Print(map[string]any{"c": []int{1, 2}, "b": "x", "a": 1})
	if a != b || len(a) != 32 {
		t.Fatalf("%s != %s", a, b)
	}
	if a == diff.Print(map[string]any{"a": 2, "b": "x", "c": []int{1, 2}}) {
		t.Fatal("different payloads print alike")
	}
}
