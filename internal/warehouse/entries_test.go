package warehouse

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// A plan's entries go to disk in sorted runs and come back merged in key order, every key's copies
// grouped together, found by key in one block read, and changed in place.
func TestPlanEntriesSpillSortMergeAndFind(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	s := &entries{}
	const n = 3*spillEvery + 1000 // four runs
	keys := map[uint64]int{}
	for i := range n {
		k := rng.Uint64() | 1 // odd: even keys are absent
		if i%1000 == 0 {
			k = 42*2 + 1 // one key on many rows, across runs and blocks
		}
		keys[k]++
		if err := s.add(entry{key: k, print: uint64(i), op: opAdd}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.spill(); err != nil {
		t.Fatal(err)
	}
	if len(s.runs) != 4 {
		t.Fatalf("%d runs, want 4", len(s.runs))
	}
	groups := 0
	err := s.merge(func(g []entry) {
		groups++
		if len(g) != keys[g[0].key] {
			t.Errorf("key %d: a group of %d, want %d", g[0].key, len(g), keys[g[0].key])
		}
		if len(g) > 1 {
			for i := range g {
				g[i].op = opInvalid
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if groups != len(keys) || s.count != n {
		t.Fatalf("%d groups of %d keys, %d entries of %d", groups, len(keys), s.count, n)
	}
	var last uint64
	seen := 0
	if err := s.each(func(e entry) {
		if e.key < last {
			t.Fatalf("out of order: %d after %d", e.key, last)
		}
		last = e.key
		seen++
	}); err != nil || seen != n {
		t.Fatalf("each: %d entries, %v", seen, err)
	}
	for k, copies := range keys {
		e, at, ok, err := s.find(k)
		if err != nil || !ok || e.key != k {
			t.Fatalf("find %d: %+v %v %v", k, e, ok, err)
		}
		if (copies > 1) != (e.op == opInvalid) {
			t.Fatalf("key %d (%d copies) has op %v", k, copies, e.op)
		}
		if copies == 1 && k%7 == 0 {
			if err := s.setOp(at, opChange); err != nil {
				t.Fatal(err)
			}
			if e, _, _, _ := s.find(k); e.op != opChange {
				t.Fatalf("setOp did not stick: %+v", e)
			}
		}
	}
	for range 1000 {
		if _, _, ok, err := s.find(rng.Uint64() &^ 1); ok || err != nil {
			t.Fatalf("an absent key was found (%v)", err)
		}
	}
	s.close()
	if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "bcsync-plan-*")); len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
}
