package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

// Each sync numbers its own runs from 1, whatever other syncs ran in between: a new connection's
// first run is "Run 1", not the database-wide id.
func TestEachSyncNumbersItsRunsFromOne(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newConnection(t, s), newConnection(t, s)
		var numbers []int64
		for _, syncID := range []int64{a.ID, a.ID, b.ID, a.ID, b.ID} {
			r, err := s.StartRun(ctx, syncID, "manual", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishRun(ctx, r.ID, store.RunSucceeded, ""); err != nil {
				t.Fatal(err)
			}
			got, err := s.Run(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Number != r.Number {
				t.Fatalf("run %d: started as number %d, read back as %d", r.ID, r.Number, got.Number)
			}
			numbers = append(numbers, r.Number)
		}
		if want := []int64{1, 2, 1, 3, 2}; !slices.Equal(numbers, want) {
			t.Fatalf("numbers %v, want %v", numbers, want)
		}
	})
}

// Runs made before runs were numbered (migration 00012) get their numbers from the upgrade, in the
// order they ran.
func TestTheUpgradeNumbersExistingRunsInOrderPerSync(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := newConnection(t, s), newConnection(t, s)
		var ids []int64
		for _, syncID := range []int64{b.ID, a.ID, b.ID, b.ID, a.ID} {
			r, err := s.StartRun(ctx, syncID, "schedule", nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		if err := s.Remigrate(ctx, 12); err != nil {
			t.Fatal(err)
		}
		var numbers []int64
		for _, id := range ids {
			r, err := s.Run(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, r.Number)
		}
		if want := []int64{1, 1, 2, 3, 2}; !slices.Equal(numbers, want) {
			t.Fatalf("numbers after the upgrade %v, want %v", numbers, want)
		}
		r, err := s.StartRun(ctx, a.ID, "schedule", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != 3 {
			t.Fatalf("the next run of a sync with two numbered runs is number %d, want 3", r.Number)
		}
	})
}
