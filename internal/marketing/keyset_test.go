package marketing

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"
)

type rec struct {
	id  int
	mod time.Time
}

// fakeStore serves records sorted by (date_modified, id) in pages, as BigCommerce does.
type fakeStore struct {
	recs     []rec
	pageSize int
	requests int
	onPage   func(n int) // runs before the n-th request is answered
}

func (f *fakeStore) fetch(w window) iter.Seq2[[]rec, error] {
	return func(yield func([]rec, error) bool) {
		for page := max(w.FirstPage, 1); ; page++ {
			f.requests++
			if f.onPage != nil {
				f.onPage(f.requests)
			}
			var match []rec
			for _, r := range f.recs {
				if !r.mod.Before(w.Since) && (w.Until.IsZero() || !r.mod.After(w.Until)) {
					match = append(match, r)
				}
			}
			slices.SortFunc(match, func(a, b rec) int {
				if c := a.mod.Compare(b.mod); c != 0 {
					return c
				}
				return a.id - b.id
			})
			from := (page - 1) * f.pageSize
			if from >= len(match) {
				yield(nil, nil)
				return
			}
			out := match[from:min(from+f.pageSize, len(match))]
			if !yield(out, nil) || len(out) < f.pageSize {
				return
			}
		}
	}
}

func read(t *testing.T, f *fakeStore) []int {
	t.Helper()
	rc := &runContext{e: &Engine{opts: Options{Now: time.Now}}}
	var got []int
	err := readSorted(context.Background(), rc, time.Time{}, f.pageSize, f.fetch,
		func(r *rec) time.Time { return r.mod }, func(r *rec) int { return r.id },
		func(page []rec) error {
			for _, r := range page {
				got = append(got, r.id)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func at(sec int) time.Time { return time.Unix(int64(1_700_000_000+sec), 0) }

func TestKeysetReadsEveryRecordOnceThroughACrowdedSecond(t *testing.T) {
	f := &fakeStore{pageSize: 3}
	id := 0
	for _, sec := range []int{1, 2, 5, 5, 5, 5, 5, 5, 5, 8, 9} { // seven records share second 5
		id++
		f.recs = append(f.recs, rec{id, at(sec)})
	}
	got := read(t, f)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	// [1 2 3], then from second 5: [3 4 5] is all one second, so [6 7 8] and [9] by page number, then
	// from second 6: [10 11]. Five requests.
	if f.requests != 5 {
		t.Fatalf("%d requests for 11 records in pages of 3", f.requests)
	}
}

// A record changed while the read is under way moves to the end and is read again; none is skipped,
// which reading by page numbers would allow.
func TestKeysetDoesNotSkipWhenARecordMovesDuringTheRead(t *testing.T) {
	f := &fakeStore{pageSize: 3}
	for i := 1; i <= 9; i++ {
		f.recs = append(f.recs, rec{i, at(i)})
	}
	f.onPage = func(n int) {
		if n == 2 {
			f.recs[1].mod = at(100) // record 2, already read, changes: page 2 by number would skip record 4
		}
	}
	got := read(t, f)
	for i := 1; i <= 9; i++ {
		if !slices.Contains(got, i) {
			t.Fatalf("record %d was skipped: %v", i, got)
		}
	}
	if got[len(got)-1] != 2 {
		t.Fatalf("the changed record was not read again at the end: %v", got)
	}
}
