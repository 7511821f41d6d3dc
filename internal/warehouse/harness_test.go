package warehouse_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/ledger"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// env is a state store, an emulated store and a warehouse engine over them.
type env struct {
	t      *testing.T
	st     *store.Store
	emu    *bcemu.Server
	srv    *httptest.Server
	eng    *warehouse.Engine
	shopID int64
}

func newEnv(t *testing.T, cfg bcemu.Config) *env {
	t.Helper()
	st := storetest.Open(t, store.SQLite)
	emu, err := bcemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	shops := shop.New(st, shop.Options{})
	sh, _, err := shops.Add(context.Background(), shop.Input{BigCommerce: store.BigCommerceCredentials{APIPath: emu.APIPath(srv.URL), AccessToken: emu.AccessToken()}})
	if err != nil {
		t.Fatal(err)
	}
	eng := warehouse.New(st, shops, ledger.New(st, ledger.Options{}), warehouse.Options{})
	return &env{t: t, st: st, emu: emu, srv: srv, eng: eng, shopID: sh.ID}
}

// client is a client of the emulated store, to look at it as a person would.
func (e *env) client() *bigcommerce.Client {
	c, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: e.emu.APIPath(e.srv.URL), AccessToken: e.emu.AccessToken()}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// sqliteModel is a SQLite file with a table of rows the test changes between runs.
type sqliteModel struct {
	t    *testing.T
	path string
	db   *sql.DB
}

func newSQLiteModel(t *testing.T, schema string) *sqliteModel {
	t.Helper()
	path := filepath.Join(t.TempDir(), "warehouse.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	return &sqliteModel{t: t, path: path, db: db}
}

func (m *sqliteModel) exec(q string, args ...any) {
	m.t.Helper()
	if _, err := m.db.Exec(q, args...); err != nil {
		m.t.Fatalf("%s: %v", q, err)
	}
}

// run runs a sync to its end in this goroutine and returns the run.
func (e *env) run(id int64, trigger string) *store.Run {
	e.t.Helper()
	ctx := context.Background()
	for range 100 {
		done, err := e.eng.Run(ctx, id, trigger, 0)
		if err != nil {
			e.t.Fatalf("run: %v", err)
		}
		if done {
			runs, err := e.st.Runs(ctx, id, 1, 0)
			if err != nil || len(runs) == 0 {
				e.t.Fatalf("no run: %v", err)
			}
			return runs[0]
		}
	}
	e.t.Fatal("the run never ended")
	return nil
}

func counts(r *store.Run) map[string]store.StreamCounts {
	out := map[string]store.StreamCounts{}
	for _, c := range r.Streams {
		out[c.Stream] = c
	}
	return out
}

func requests(e *env) int64 { return e.emu.Stats().Total }
