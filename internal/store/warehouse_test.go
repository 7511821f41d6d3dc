package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Sources, models and warehouse syncs: a source's URL is sealed; a source or model in use is not
// removed, and the refusal names what uses it; removing the store removes its warehouse syncs and plans.
func TestWarehouseSourcesModelsAndSyncs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		src := &store.Source{Name: "dwh", Engine: "postgres", URL: "postgres://etl:pw-secret-9@db/x", DisplayURL: "postgres://etl:xxxxx@db/x"}
		if err := s.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		var sealed string
		if err := s.DB().QueryRow(`SELECT url FROM warehouse_sources WHERE id = $1`, src.ID).Scan(&sealed); err != nil || sealed == src.URL {
			t.Fatalf("the URL is stored in the clear: %q %v", sealed, err)
		}
		got, err := s.Source(ctx, src.ID)
		if err != nil || got.URL != src.URL || got.Status != store.SourceUntested {
			t.Fatalf("source = %+v, %v", got, err)
		}
		if err := s.SetSourceStatus(ctx, src.ID, store.SourceOK, ""); err != nil {
			t.Fatal(err)
		}
		m := &store.Model{Name: "Loyalty", SourceID: src.ID, Query: "SELECT 1", PrimaryKey: "id"}
		if err := s.CreateModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		var inUse *store.InUseError
		if err := s.DeleteSource(ctx, src.ID); !errors.As(err, &inUse) || inUse.Users[0] != `model 1 "Loyalty"` {
			t.Fatalf("removing a source in use: %v", err)
		}
		c := newConnection(t, s)
		w := &store.WarehouseSync{Sync: store.Sync{StoreID: c.StoreID, Name: "Tiers", Enabled: true}, ModelID: m.ID, Object: "customers",
			Mode: "upsert", MatchColumn: "email", MatchField: "email", Mappings: `[{"field":"company","column":"tier"}]`, Delete: "nothing",
			GuardRemoveShare: 0.1, GuardCountShare: 0.25}
		if err := s.CreateWarehouseSync(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteModel(ctx, m.ID); !errors.As(err, &inUse) || inUse.Users[0] != `sync `+itoa(w.ID)+` "Tiers"` {
			t.Fatalf("removing a model in use: %v", err)
		}
		next := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
		w.Mode, w.Cron, w.NextRunAt = "update", "0 3 * * *", next
		if err := s.UpdateWarehouseSync(ctx, w); err != nil {
			t.Fatal(err)
		}
		all, err := s.WarehouseSyncs(ctx)
		if err != nil || len(all) != 1 || all[0].Mode != "update" || all[0].Cron != "0 3 * * *" || all[0].Kind != store.KindWarehouse ||
			!all[0].NextRunAt.Equal(next) {
			t.Fatalf("warehouse syncs = %+v, %v", all, err)
		}
		w.Cron, w.NextRunAt = "", time.Time{} // manual: not scheduled
		if err := s.UpdateWarehouseSync(ctx, w); err != nil {
			t.Fatal(err)
		}
		if got, err := s.WarehouseSync(ctx, w.ID); err != nil || !got.NextRunAt.IsZero() || got.Cron != "" {
			t.Fatalf("a sync made manual: %+v, %v", got, err)
		}
		if err := s.SavePlan(ctx, &store.Plan{SyncID: w.ID, State: "blocked", Digest: "d1", Body: "{}"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SetPlanState(ctx, w.ID, "blocked", "approved"); !ok || err != nil {
			t.Fatalf("approve: %v %v", ok, err)
		}
		if ok, err := s.SetPlanState(ctx, w.ID, "blocked", "discarded"); ok || err != nil {
			t.Fatalf("a plan moved from a state it was not in: %v %v", ok, err)
		}
		rows := []store.RecordState{{Key: "a", Fingerprint: "f", Status: 1, TargetID: "42"}, {Key: "b", Status: 2, Attempts: 3}}
		if err := s.SaveRecordStates(ctx, w.ID, "rows", rows); err != nil {
			t.Fatal(err)
		}
		after, err := s.RecordStatesAfter(ctx, w.ID, "rows", "", 10)
		if err != nil || len(after) != 2 || after[0].TargetID != "42" || after[1].Attempts != 3 {
			t.Fatalf("row states = %+v, %v", after, err)
		}
		if n, err := s.CountRecords(ctx, w.ID, "rows", 1); err != nil || n != 1 {
			t.Fatalf("synced rows = %d, %v", n, err)
		}
		if err := s.DeleteShop(ctx, c.StoreID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Plan(ctx, w.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the plan outlived its store: %v", err)
		}
		if err := s.DeleteModel(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSource(ctx, src.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
