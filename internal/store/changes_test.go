package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// A change delivered again while a run reads it stays for the next run: the run deletes only the
// version it read. A full read deletes the changes whose last delivery came before it started.
func TestAChangeDeliveredAgainDuringItsReadIsReadAgain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		changed := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
		if err := s.AddChanges(ctx, c.ID, []store.Change{{Stream: "customers", RecordID: "7", ChangedAt: changed},
			{Stream: "orders", RecordID: "9", ChangedAt: changed.Add(time.Second)}}); err != nil {
			t.Fatal(err)
		}
		read, err := s.PendingChanges(ctx, c.ID, 10)
		if err != nil || len(read) != 2 || read[0].Version != 1 || !read[0].ChangedAt.Equal(changed) {
			t.Fatalf("pending: %+v %v", read, err)
		}
		// Customer 7 changes again while the run reads it.
		if err := s.AddChanges(ctx, c.ID, []store.Change{{Stream: "customers", RecordID: "7", ChangedAt: changed.Add(time.Minute)}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DoneChanges(ctx, c.ID, read); err != nil {
			t.Fatal(err)
		}
		left, err := s.PendingChanges(ctx, c.ID, 10)
		if err != nil || len(left) != 1 || left[0].RecordID != "7" || left[0].Version != 2 || !left[0].ChangedAt.Equal(changed) {
			t.Fatalf("after the run: %+v %v (want customer 7, version 2, still changed since the first change)", left, err)
		}
		n, oldest, err := s.ChangeBacklog(ctx, c.ID)
		if err != nil || n != 1 || oldest.IsZero() {
			t.Fatalf("backlog: %d %v %v", n, oldest, err)
		}
		if err := s.ChangesReadBy(ctx, c.ID, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if n, _, err := s.ChangeBacklog(ctx, c.ID); err != nil || n != 0 {
			t.Fatalf("after a full read: %d waiting, %v", n, err)
		}
	})
}
