package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// Every test here runs on both engines: one conformance suite, as the design asks.
func forEachEngine(t *testing.T, f func(t *testing.T, s *store.Store)) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			f(t, storetest.Open(t, engine))
		})
	}
}

func newConnection(t *testing.T, s *store.Store) *store.Connection {
	return storetest.NewConnection(t, s)
}

func TestConnectionsRoundTripWithCredentialsSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		if c.ID == 0 || c.Settings.Interval != store.DefaultInterval || c.Status != store.StatusOK {
			t.Fatalf("defaults not applied: %+v", c)
		}
		got, err := s.Connection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.BigCommerce.AccessToken != "tok-secret-1" || got.Dotdigital.Password != "pw-secret-2" || got.WebhookSecret != "hook-secret-3" {
			t.Fatalf("credentials did not round-trip: %+v", got)
		}
		if got.Settings.SubscriberList.Name != "Store subscribers" || !got.Settings.DataSync {
			t.Fatalf("settings: %+v", got.Settings)
		}
		// At rest, no secret is readable.
		var token, password, hook string
		if err := s.DB().QueryRow(`SELECT s.bc_access_token, d.dd_password, s.webhook_secret FROM stores s JOIN dotdigital_links d ON d.store_id = s.id
			WHERE d.sync_id = $1`, c.ID).Scan(&token, &password, &hook); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{token, password, hook} {
			if !strings.HasPrefix(v, "v2:") || strings.Contains(v, "secret") {
				t.Fatalf("credential stored in the clear: %q", v)
			}
		}
		// A ciphertext moved to another column does not open.
		if _, err := s.DB().Exec(`UPDATE dotdigital_links SET dd_password = $1 WHERE sync_id = $2`, token, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connection(ctx, c.ID); err == nil {
			t.Fatal("a token copied into the password column decrypted")
		}
	})
}

func TestSettingsScheduleAndDeletion(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		now := time.Now()
		if due, err := s.DueSyncs(ctx, now); err != nil || len(due) != 0 {
			t.Fatalf("an unscheduled connection was due: %v %v", due, err)
		}
		s.SetNextRunAt(ctx, c.ID, now.Add(-time.Second))
		if due, err := s.DueSyncs(ctx, now); err != nil || len(due) != 1 || due[0] != (store.DueSync{ID: c.ID, Kind: store.KindMarketing}) {
			t.Fatalf("due = %v %v", due, err)
		}
		st := c.Settings
		st.DataSync = false
		st.CustomerList = store.Ref{ID: 9, Name: "Store customers"}
		st.Interval = time.Minute
		if err := s.UpdateSettings(ctx, c.ID, st); err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueSyncs(ctx, now); err != nil || len(due) != 0 {
			t.Fatalf("data sync off, still due: %v %v", due, err)
		}
		got, _ := s.Connection(ctx, c.ID)
		if got.Settings.CustomerList.ID != 9 || got.Settings.Interval != time.Minute || got.Settings.DataSync {
			t.Fatalf("settings = %+v", got.Settings)
		}
		s.SetSyncStatus(ctx, c.ID, store.StatusNeedsAttention, "password refused")
		got, _ = s.Connection(ctx, c.ID)
		if got.Status != store.StatusNeedsAttention || got.StatusMessage != "password refused" {
			t.Fatalf("status = %s %q", got.Status, got.StatusMessage)
		}
		// The store's status wins: its credentials stop every sync of it.
		s.SetShopStatus(ctx, c.StoreID, store.StatusNeedsAttention, "token revoked")
		got, _ = s.Connection(ctx, c.ID)
		if got.Status != store.StatusNeedsAttention || got.StatusMessage != "token revoked" {
			t.Fatalf("status = %s %q", got.Status, got.StatusMessage)
		}
		s.SetSyncStatus(ctx, c.ID, store.StatusOK, "")
		s.SetNextRunAt(ctx, c.ID, now.Add(-time.Second))
		s.SetEnabled(ctx, c.ID, true)
		if due, err := s.DueSyncs(ctx, now); err != nil || len(due) != 0 {
			t.Fatalf("a sync of a store whose credentials were refused is due: %v %v", due, err)
		}

		// Deleting a connection's sync deletes all of its state, and leaves its store.
		s.SetCursor(ctx, c.ID, "customers", "x")
		s.SaveRecordStates(ctx, c.ID, "customers", []store.RecordState{{Key: "1", Email: "a@x.io"}})
		run, _ := s.StartRun(ctx, c.ID, "manual", []string{"customers"})
		s.AddRejected(ctx, []store.Rejected{{SyncID: c.ID, RunID: run.ID, Stream: "customers", Key: "2", Reason: "InvalidEmail"}})
		if err := s.DeleteSync(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connection(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		for _, table := range []string{"stream_cursors", "records", "runs", "run_streams", "rejected_records"} {
			var n int
			s.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
			if n != 0 {
				t.Errorf("%s still has %d rows", table, n)
			}
		}
		if _, err := s.Shop(ctx, c.StoreID); err != nil {
			t.Fatalf("the store went with its Dotdigital link: %v", err)
		}
		if err := s.DeleteSync(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestFieldMappingChangeResetsTheNamedCursors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		for _, st := range []string{"customers", "subscribers", "orders"} {
			s.SetCursor(ctx, c.ID, st, "2026-01-01T00:00:00Z")
		}
		m := []store.FieldMapping{{Source: "first_name", DataField: "FIRSTNAME"}, {Source: "last_name", DataField: "LASTNAME"}}
		changed, err := s.ReplaceFieldMappings(ctx, c.ID, m, "customers", "subscribers")
		if err != nil || !changed {
			t.Fatalf("changed %v, %v", changed, err)
		}
		for st, want := range map[string]string{"customers": "", "subscribers": "", "orders": "2026-01-01T00:00:00Z"} {
			if got, _ := s.Cursor(ctx, c.ID, st); got != want {
				t.Errorf("cursor %s = %q, want %q", st, got, want)
			}
		}
		s.SetCursor(ctx, c.ID, "customers", "later")
		if changed, _ := s.ReplaceFieldMappings(ctx, c.ID, []store.FieldMapping{m[1], m[0]}, "customers"); changed {
			t.Fatal("the same mapping in another order counted as a change")
		}
		if got, _ := s.Cursor(ctx, c.ID, "customers"); got != "later" {
			t.Fatal("an unchanged mapping reset a cursor")
		}
		got, _ := s.FieldMappings(ctx, c.ID)
		if len(got) != 2 || got[0].Source != "first_name" {
			t.Fatalf("mappings = %+v", got)
		}
	})
}

func TestRecordStatesAndOrderSummaries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		orders := []store.RecordState{
			{Key: "9", Email: "a@x.io", AmountE4: 125000, OccurredAt: day, Status: 10},
			{Key: "10", Email: "a@x.io", AmountE4: 50000, OccurredAt: day, Status: 2},
			{Key: "11", Email: "a@x.io", AmountE4: 990000, OccurredAt: day.Add(-time.Hour), Status: 5}, // cancelled
			{Key: "12", Email: "b@x.io", AmountE4: 1, OccurredAt: day.Add(time.Hour), Status: 10},
		}
		if err := s.SaveRecordStates(ctx, c.ID, "orders", orders); err != nil {
			t.Fatal(err)
		}
		got, _ := s.RecordStates(ctx, c.ID, "orders", []string{"9", "12", "404"})
		if len(got) != 2 || got["9"].AmountE4 != 125000 || !got["9"].OccurredAt.Equal(day) {
			t.Fatalf("states = %+v", got)
		}
		sums, err := s.OrderSummaries(ctx, c.ID, "orders", []string{"a@x.io", "b@x.io", "c@x.io"}, []int64{0, 4, 5, 6})
		if err != nil {
			t.Fatal(err)
		}
		a := sums["a@x.io"]
		// Same timestamp: the numerically larger id is the last order ("10" > "9").
		if a.Orders != 2 || a.TotalE4 != 175000 || a.LastOrderID != "10" || !a.FirstAt.Equal(day) {
			t.Fatalf("a = %+v", a)
		}
		if _, ok := sums["c@x.io"]; ok {
			t.Fatal("c has no orders")
		}
		byEmail, _ := s.RecordsByEmail(ctx, c.ID, "orders", []string{"b@x.io"})
		if len(byEmail) != 1 || byEmail[0].Key != "12" {
			t.Fatalf("by email = %+v", byEmail)
		}
		// Upsert replaces.
		s.SaveRecordStates(ctx, c.ID, "orders", []store.RecordState{{Key: "12", Email: "b@x.io", Fingerprint: "f2"}})
		got, _ = s.RecordStates(ctx, c.ID, "orders", []string{"12"})
		if got["12"].Fingerprint != "f2" || got["12"].AmountE4 != 0 {
			t.Fatalf("after upsert: %+v", got["12"])
		}
		s.DeleteRecordStates(ctx, c.ID, "orders", []string{"12"})
		if got, _ = s.RecordStates(ctx, c.ID, "orders", []string{"12"}); len(got) != 0 {
			t.Fatal("delete did not delete")
		}
		// Many keys cross the IN-list batch size.
		var many []store.RecordState
		var keys []string
		for i := range 1200 {
			k := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
			many = append(many, store.RecordState{Key: k, Status: 1})
			keys = append(keys, k)
		}
		s.SaveRecordStates(ctx, c.ID, "products", many)
		if got, _ := s.RecordStates(ctx, c.ID, "products", keys); len(got) != 1200 {
			t.Fatalf("read back %d of 1200", len(got))
		}
		if all, _ := s.RecordKeys(ctx, c.ID, "products", 1); len(all) != 1200 {
			t.Fatalf("keys = %d", len(all))
		}
	})
}

func TestContactsWaitingAndEnrolments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		s.SaveContacts(ctx, c.ID, []store.Contact{{Email: "a@x.io", ContactID: 11}, {Email: "b@x.io"}})
		s.SaveContacts(ctx, c.ID, []store.Contact{{Email: "b@x.io", ContactID: 0}, {Email: "a@x.io", ContactID: 0}})
		ids, _ := s.ContactIDs(ctx, c.ID, []string{"a@x.io", "b@x.io", "z@x.io"})
		if len(ids) != 2 || ids["a@x.io"] != 11 {
			t.Fatalf("a known contact id must not be forgotten: %v", ids)
		}
		s.RenameContact(ctx, c.ID, "a@x.io", "new@x.io", 11)
		if ids, _ := s.ContactIDs(ctx, c.ID, []string{"a@x.io", "new@x.io"}); len(ids) != 1 || ids["new@x.io"] != 11 {
			t.Fatalf("after rename: %v", ids)
		}

		s.AddWaiting(ctx, c.ID, []store.Waiting{
			{Collection: "Orders", Key: "1", Email: "g@x.io", Body: []byte(`{"id":1}`), Reason: "ContactEmailDoesNotExist"},
			{Collection: "Orders", Key: "2", Email: "h@x.io", Body: []byte(`{"id":2}`)},
		})
		w, _ := s.WaitingFor(ctx, c.ID, "Orders", []string{"g@x.io"})
		if len(w) != 1 || string(w[0].Body) != `{"id":1}` || w[0].Reason != "ContactEmailDoesNotExist" {
			t.Fatalf("waiting = %+v", w)
		}
		if due, _ := s.WaitingRetryDue(ctx, c.ID, "Orders", time.Now().Add(time.Minute), 10); len(due) != 2 {
			t.Fatalf("due = %d", len(due))
		}
		s.DeleteWaiting(ctx, c.ID, "Orders", []string{"1"})
		if n, _ := s.CountWaiting(ctx, c.ID); n != 1 {
			t.Fatalf("waiting = %d", n)
		}

		e := []store.Enrolment{{ProgramID: 5, Email: "a@x.io", Reason: "new_customer"}, {ProgramID: 5, Email: "b@x.io", Reason: "new_customer"},
			{ProgramID: 5, Email: "a@x.io", Subject: "cart-2", Reason: "abandoned_cart"}}
		if n, err := s.QueueEnrolments(ctx, c.ID, e); n != 3 || err != nil {
			t.Fatalf("queued %d, %v", n, err)
		}
		if n, _ := s.QueueEnrolments(ctx, c.ID, e); n != 0 {
			t.Fatal("a contact was queued twice for one programme and subject")
		}
		// One chunk: one enrolment per contact; a's second subject waits for the next chunk.
		chunk, err := s.TakeEnrolments(ctx, c.ID, 25)
		if err != nil || len(chunk) != 2 || chunk[0].SentAt.IsZero() {
			t.Fatalf("chunk = %+v, %v", chunk, err)
		}
		if sending, _ := s.SendingEnrolments(ctx, c.ID); len(sending) != 2 {
			t.Fatalf("sending = %+v", sending)
		}
		if n, _ := s.EnrolmentsWaiting(ctx, c.ID); n != 3 {
			t.Fatalf("waiting = %d", n)
		}
		s.SetEnrolmentStatus(ctx, c.ID, chunk, "enrolled", "")
		if n, _ := s.EnrolmentsWaiting(ctx, c.ID); n != 1 {
			t.Fatalf("waiting after the chunk = %d", n)
		}
		if next, _ := s.TakeEnrolments(ctx, c.ID, 25); len(next) != 1 || next[0].Subject != "cart-2" {
			t.Fatalf("next chunk = %+v", next)
		}
		if counts, _ := s.EnrolmentCounts(ctx, c.ID); counts["enrolled"] != 2 {
			t.Fatalf("counts = %v", counts)
		}
	})
}

func TestRunsAndRejectedRecords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		run, err := s.StartRun(ctx, c.ID, "install", []string{"subscribers", "customers"})
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := s.RunningRun(ctx, c.ID); r == nil || r.ID != run.ID {
			t.Fatalf("running run = %+v", r)
		}
		s.SaveStreamCounts(ctx, run.ID, store.StreamCounts{Stream: "customers", State: "running", Read: 500, Sent: 400, Unchanged: 90, Rejected: 10, Total: 1000, StartedAt: time.Now()})
		s.AddRejected(ctx, []store.Rejected{
			{SyncID: c.ID, RunID: run.ID, Stream: "customers", Key: "17", Email: "bad@@x.io", Reason: "InvalidEmail", Detail: "not an email"},
			{SyncID: c.ID, RunID: run.ID, Stream: "orders", Key: "900", Email: "g@x.io", Reason: "InconsistentTypes"},
		})
		if err := s.FinishRun(ctx, run.ID, store.RunPartial, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Run(ctx, run.ID)
		if got.Status != store.RunPartial || got.FinishedAt.IsZero() || len(got.Streams) != 2 || got.Streams[1].Sent != 400 || got.Streams[1].Total != 1000 || got.Streams[0].State != "pending" {
			t.Fatalf("run = %+v", got)
		}
		if r, _ := s.RunningRun(ctx, c.ID); r != nil {
			t.Fatal("a finished run is still running")
		}
		last, _ := s.LastFinishedRun(ctx, c.ID)
		if last == nil || last.ID != run.ID {
			t.Fatalf("last = %+v", last)
		}
		run2, _ := s.StartRun(ctx, c.ID, "schedule", nil)
		list, _ := s.Runs(ctx, c.ID, 10, 0)
		if len(list) != 2 || list[0].ID != run2.ID {
			t.Fatalf("runs = %+v", list)
		}
		if older, _ := s.Runs(ctx, c.ID, 10, run2.ID); len(older) != 1 {
			t.Fatalf("paging back = %d", len(older))
		}

		for q, want := range map[string]int{"": 2, "BAD@@": 1, "900": 1, "nothing": 0} {
			rs, err := s.RejectedRecords(ctx, c.ID, store.RejectedFilter{Query: q})
			if err != nil || len(rs) != want {
				t.Errorf("query %q: %d records, %v", q, len(rs), err)
			}
		}
		if rs, _ := s.RejectedRecords(ctx, c.ID, store.RejectedFilter{RunID: run2.ID}); len(rs) != 0 {
			t.Fatal("filter by run")
		}
	})
}

func TestAPICallsArePrunedAndFiltered(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		var calls []store.APICall
		for i := range 30 {
			status := 200
			if i%10 == 0 {
				status = 429
			}
			api := "bigcommerce"
			if i%2 == 1 {
				api = "dotdigital"
			}
			calls = append(calls, store.APICall{SyncID: c.ID, RunID: 1, API: api, Method: "GET", URL: "http://x/v3/customers", Status: status,
				Duration: 15 * time.Millisecond, StartedAt: time.Now(), RequestHeaders: http.Header{"X-Auth-Token": {"[REDACTED]"}}, ResponseBody: `{"data":[]}`})
		}
		if err := s.AddAPICalls(ctx, calls, 20); err != nil {
			t.Fatal(err)
		}
		all, _ := s.APICalls(ctx, c.ID, store.APICallFilter{Limit: 100, Bodies: true})
		if len(all) != 20 {
			t.Fatalf("kept %d calls, want 20", len(all))
		}
		if all[0].RequestHeaders.Get("X-Auth-Token") != "[REDACTED]" || all[0].Duration != 15*time.Millisecond || all[0].ResponseBody != `{"data":[]}` {
			t.Fatalf("call = %+v", all[0])
		}
		// A list without bodies; one call with them.
		list, _ := s.APICalls(ctx, c.ID, store.APICallFilter{Limit: 1})
		if len(list) != 1 || list[0].ResponseBody != "" || list[0].URL == "" {
			t.Fatalf("list = %+v", list)
		}
		if newer, _ := s.APICalls(ctx, c.ID, store.APICallFilter{AfterID: list[0].ID - 3}); len(newer) != 3 {
			t.Fatalf("calls after the fourth newest = %d, want 3", len(newer))
		}
		one, err := s.APICall(ctx, c.ID, list[0].ID)
		if err != nil || one.ResponseBody != `{"data":[]}` {
			t.Fatalf("one call = %+v, %v", one, err)
		}
		if _, err := s.APICall(ctx, c.ID+1, list[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another connection's call: %v", err)
		}
		if got, _ := s.APICalls(ctx, c.ID, store.APICallFilter{StatusClass: 4}); len(got) != 2 {
			t.Fatalf("4xx = %d", len(got))
		}
		if got, _ := s.APICalls(ctx, c.ID, store.APICallFilter{API: "dotdigital"}); len(got) != 10 {
			t.Fatalf("dotdigital = %d", len(got))
		}
	})
}

func TestWebhookDeliveriesAreDeduplicated(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		first, err1 := s.FirstDelivery(ctx, c.StoreID, "abc", time.Hour)
		again, err2 := s.FirstDelivery(ctx, c.StoreID, "abc", time.Hour)
		if !first || again || err1 != nil || err2 != nil {
			t.Fatalf("first %v again %v (%v, %v)", first, again, err1, err2)
		}
		// Past the window, the key is forgotten: a late repeat is handled again.
		time.Sleep(5 * time.Millisecond)
		if first, err := s.FirstDelivery(ctx, c.StoreID, "abc", time.Millisecond); !first || err != nil {
			t.Fatalf("a delivery older than the window still known: %v", err)
		}
	})
}

func TestParseURL(t *testing.T) {
	for raw, want := range map[string]store.Engine{
		"postgres://u@h/db": store.Postgres, "postgresql://u@h/db": store.Postgres,
		"sqlite:/tmp/x.db": store.SQLite, "sqlite:///tmp/x.db": store.SQLite, "/tmp/x.db": store.SQLite, "data/x.db": store.SQLite,
	} {
		loc, err := store.ParseURL(raw)
		if err != nil || loc.Engine != want {
			t.Errorf("ParseURL(%q) = %+v, %v", raw, loc, err)
		}
	}
	for _, bad := range []string{"", "mysql://u@h/db", "sqlite:"} {
		if _, err := store.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		if err := s.Migrate(context.Background(), nil); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

// An order parked again (it changed) keeps what is known of its email; a new order of an email known not
// to be a contact is not tried before the daily retry either.
func TestParkedRecordsKeepWhatIsKnownOfTheirEmail(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newConnection(t, s)
		if err := s.ParkWaiting(ctx, c.ID, []store.Waiting{{Collection: "Orders", Key: "1", Email: "g@x.io", Body: []byte(`{"v":1}`)}}); err != nil {
			t.Fatal(err)
		}
		s.AddWaiting(ctx, c.ID, []store.Waiting{{Collection: "Orders", Key: "1", Email: "g@x.io", Body: []byte(`{"v":1}`), Reason: "ContactEmailDoesNotExist"}})
		s.ParkWaiting(ctx, c.ID, []store.Waiting{
			{Collection: "Orders", Key: "1", Email: "g@x.io", Body: []byte(`{"v":2}`)},
			{Collection: "Orders", Key: "2", Email: "g@x.io", Body: []byte(`{"v":1}`)},
			{Collection: "Orders", Key: "3", Email: "new@x.io", Body: []byte(`{"v":1}`)},
		})
		got, _ := s.ReleasableWaiting(ctx, c.ID, "Orders", "", time.Now().Add(-time.Hour), 10)
		if len(got) != 1 || got[0].Key != "3" {
			t.Fatalf("releasable = %+v, want only the never-tried order 3", got)
		}
		w, _ := s.WaitingFor(ctx, c.ID, "Orders", []string{"g@x.io"})
		if len(w) != 2 || string(w[0].Body) != `{"v":2}` || w[0].Reason != "ContactEmailDoesNotExist" {
			t.Fatalf("waiting = %+v", w)
		}
	})
}

func TestAdminsSessionsAndAPITokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if n, _ := s.CountAdmins(ctx); n != 0 {
			t.Fatalf("a new database has %d admins", n)
		}
		a, err := s.CreateAdmin(ctx, " Admin ", "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAdmin(ctx, "ADMIN", "hash-2"); !errors.Is(err, store.ErrExists) {
			t.Fatalf("a second admin of the same name (other case): %v", err)
		}
		got, err := s.AdminByUsername(ctx, "admin")
		if err != nil || got.ID != a.ID || got.PasswordHash != "hash-1" || got.Username != "admin" {
			t.Fatalf("by username: %+v, %v", got, err)
		}

		now := time.Now()
		live := store.Session{TokenHash: "live", AdminID: a.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), UserAgent: "test"}
		old := store.Session{TokenHash: "old", AdminID: a.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
		for _, se := range []store.Session{old, live} {
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.SessionAdmin(ctx, "live"); err != nil || got.ID != a.ID {
			t.Fatalf("live session: %+v, %v", got, err)
		}
		if _, err := s.SessionAdmin(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired session signed in: %v", err)
		}
		if err := s.DeleteSession(ctx, "live"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAdmin(ctx, "live"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a signed-out session signed in: %v", err)
		}

		tok := &store.APIToken{AdminID: a.ID, Name: "ci", TokenHash: "digest", Hint: "bcs_abcd"}
		if err := s.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got, err := s.APITokenAdmin(ctx, "digest"); err != nil || got.ID != a.ID {
			t.Fatalf("token: %+v, %v", got, err)
		}
		list, err := s.APITokens(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() || list[0].Name != "ci" {
			t.Fatalf("tokens: %+v, %v", list, err)
		}
		if err := s.DeleteAPIToken(ctx, a.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APITokenAdmin(ctx, "digest"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a revoked token works: %v", err)
		}

		// A new password signs every session out.
		s.CreateSession(ctx, live)
		if err := s.SetAdminPassword(ctx, a.ID, "hash-3"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAdmin(ctx, "live"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session outlived a password change: %v", err)
		}
	})
}

// A password change keeps the account's API tokens unless asked to revoke them; then it revokes them
// all, and only the account's.
func TestAPasswordChangeRevokesTheAccountsTokensWhenAsked(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, err := s.CreateAdmin(ctx, "admin", "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateAdmin(ctx, "other", "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		for i, owner := range []int64{a.ID, a.ID, other.ID} {
			if err := s.CreateAPIToken(ctx, &store.APIToken{AdminID: owner, Name: "t", TokenHash: fmt.Sprint("digest-", i), Hint: "bcs_abcd"}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.ReplaceAdminPassword(ctx, a.ID, "hash-2", false); err != nil || n != 0 {
			t.Fatalf("a change that keeps the tokens: %d revoked, %v", n, err)
		}
		if _, err := s.APITokenAdmin(ctx, "digest-0"); err != nil {
			t.Fatalf("a token stopped working: %v", err)
		}
		if n, err := s.ReplaceAdminPassword(ctx, a.ID, "hash-3", true); err != nil || n != 2 {
			t.Fatalf("a change that revokes the tokens: %d revoked, %v", n, err)
		}
		for digest, works := range map[string]bool{"digest-0": false, "digest-1": false, "digest-2": true} {
			if _, err := s.APITokenAdmin(ctx, digest); (err == nil) != works {
				t.Errorf("%s: %v", digest, err)
			}
		}
		if got, _ := s.AdminByUsername(ctx, "admin"); got.PasswordHash != "hash-3" {
			t.Fatalf("password hash %q", got.PasswordHash)
		}
	})
}
