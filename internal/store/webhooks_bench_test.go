package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store/storetest"
)

// A delivery of a busy store, with the deduplication window holding 50,000 earlier deliveries (some
// 14 minutes at 60 a second): the prune of expired deliveries each one makes reads only those, so the
// time a delivery takes does not grow as the window fills.
//
//	go test ./internal/store -run '^$' -bench FirstDelivery
func BenchmarkFirstDeliveryWithAFullWindow(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			s := storetest.Open(b, engine)
			c := storetest.NewConnection(b, s)
			ctx := context.Background()
			for i := range 50_000 {
				if _, err := s.FirstDelivery(ctx, c.StoreID, "earlier-"+strconv.Itoa(i), time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if first, err := s.FirstDelivery(ctx, c.StoreID, "now-"+strconv.Itoa(i), time.Hour); err != nil || !first {
					b.Fatalf("delivery %d: first %v, %v", i, first, err)
				}
			}
		})
	}
}
