package store_test

import (
	"context"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

// A refusal is remembered per stream and key with the state it was refused in, the latest replacing
// the one before; a run's still rejected count is saved with its other counts.
func TestRefusalsAndStillRejectedCountsAreKept(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		first := store.Refusal{RecordState: store.RecordState{Key: "7", Email: "odd,one@x.io", Fingerprint: "f1", Status: 1}, Reason: "InvalidEmail"}
		if err := s.RememberRefusals(ctx, c.ID, "subscribers", []store.Refusal{first}); err != nil {
			t.Fatal(err)
		}
		again := first
		again.Fingerprint, again.Reason = "f2", "ApiSchemaViolation"
		if err := s.RememberRefusals(ctx, c.ID, "subscribers", []store.Refusal{again}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Refusals(ctx, c.ID, "subscribers", []string{"7", "8"})
		if err != nil || len(got) != 1 || got["7"].Fingerprint != "f2" || got["7"].Reason != "ApiSchemaViolation" || got["7"].UpdatedAt.IsZero() {
			t.Fatalf("refusals = %+v, %v", got, err)
		}
		if other, err := s.Refusals(ctx, c.ID, "customers", []string{"7"}); err != nil || len(other) != 0 {
			t.Fatalf("another stream's refusals = %+v, %v", other, err)
		}

		run, err := s.StartRun(ctx, c.ID, "manual", []string{"subscribers"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveStreamCounts(ctx, run.ID, store.StreamCounts{Stream: "subscribers", State: "done", Read: 3, Unchanged: 1, StillRejected: 2, Total: -1}); err != nil {
			t.Fatal(err)
		}
		saved, err := s.Run(ctx, run.ID)
		if err != nil || len(saved.Streams) != 1 || saved.Streams[0].StillRejected != 2 {
			t.Fatalf("run = %+v, %v", saved, err)
		}
	})
}
