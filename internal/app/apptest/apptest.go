// Package apptest builds bcsync's services for tests: a fresh SQLite state, an emulated store and an
// emulated Dotdigital account on loopback, and an admin with an API token.
package apptest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/store"
)

// Env is one test's bcsync.
type Env struct {
	T        *testing.T
	Services *app.Services
	BC       *bcemu.Server
	BCURL    string
	DD       *ddemu.Server
	DDURL    string
	Admin    *store.Admin
	Token    string // an API token of Admin
}

// Password is Admin's password.
const Password = "correct-horse-battery"

// New opens services (without workers) over a small emulated store and an account with lists, data
// fields and programmes; options adjust the configuration and the services.
func New(t *testing.T, options ...func(*app.Config, *app.ServiceOptions)) *Env {
	t.Helper()
	return open(t, false, Emulators{}, options)
}

// Emulators adjust the emulated store's and account's configuration (a clock, an allowance).
type Emulators struct {
	BigCommerce func(*bcemu.Config)
	Dotdigital  func(*ddemu.Config)
}

// NewWithEmulators is New over emulators adjusted by em.
func NewWithEmulators(t *testing.T, em Emulators, options ...func(*app.Config, *app.ServiceOptions)) *Env {
	t.Helper()
	return open(t, false, em, options)
}

// NewWorking is New with workers started: runs queued through the services are carried out.
func NewWorking(t *testing.T, options ...func(*app.Config, *app.ServiceOptions)) *Env {
	t.Helper()
	e := open(t, true, Emulators{}, options)
	if err := e.Services.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func open(t *testing.T, work bool, em Emulators, options []func(*app.Config, *app.ServiceOptions)) *Env {
	t.Helper()
	ctx := context.Background()
	bcCfg := bcemu.Config{Seed: 3, Customers: 20, Subscribers: 10, Orders: 30, Products: 10}
	ddCfg := ddemu.Config{Seed: 3, ImportDelay: 10 * time.Millisecond, Data: ddemu.DataSizes{Lists: 3, DataFields: 4, Programs: 5}}
	if em.BigCommerce != nil {
		em.BigCommerce(&bcCfg)
	}
	if em.Dotdigital != nil {
		em.Dotdigital(&ddCfg)
	}
	bc, err := bcemu.New(bcCfg)
	if err != nil {
		t.Fatal(err)
	}
	dd, err := ddemu.New(ddCfg)
	if err != nil {
		t.Fatal(err)
	}
	bcSrv, ddSrv := httptest.NewServer(bc.Handler()), httptest.NewServer(dd.Handler())
	dd.SetRegionEndpoint(ddSrv.URL)
	t.Cleanup(func() { bcSrv.Close(); ddSrv.Close(); bc.Close(); dd.Close() })

	cfg, so := app.Config{DataDir: t.TempDir(), ImportPollMin: 10 * time.Millisecond}, app.ServiceOptions{}
	so.Work = work
	for _, o := range options {
		o(&cfg, &so)
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	s, err := a.Services(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	admin, err := s.Auth.CreateAdmin(ctx, "admin", Password)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.Auth.CreateAPIToken(ctx, admin.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Services: s, BC: bc, BCURL: bcSrv.URL, DD: dd, DDURL: ddSrv.URL, Admin: admin, Token: token}
}

// ConnectInput is the emulators' credentials.
func (e *Env) ConnectInput() marketing.ConnectInput {
	return marketing.ConnectInput{
		BigCommerce: store.BigCommerceCredentials{APIPath: e.BC.APIPath(e.BCURL), ClientID: e.BC.ClientID(), AccessToken: e.BC.AccessToken()},
		Dotdigital:  store.DotdigitalCredentials{Username: e.DD.Username(), Password: e.DD.Password(), Endpoint: e.DDURL},
	}
}

// Connect connects the emulated store and account.
func (e *Env) Connect() *store.Connection {
	e.T.Helper()
	c, err := e.Services.Connect(context.Background(), e.ConnectInput())
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// AnotherStore is the credentials of a second emulated store (its own hash) with the same Dotdigital
// account as ConnectInput's: what a user gives when connecting a second store to an account.
func (e *Env) AnotherStore(hash string) marketing.ConnectInput {
	e.T.Helper()
	bc, err := bcemu.New(bcemu.Config{Seed: 4, StoreHash: hash, Customers: 5, Subscribers: 3, Orders: 5, Products: 3})
	if err != nil {
		e.T.Fatal(err)
	}
	srv := httptest.NewServer(bc.Handler())
	e.T.Cleanup(func() { srv.Close(); bc.Close() })
	in := e.ConnectInput()
	in.BigCommerce = store.BigCommerceCredentials{APIPath: bc.APIPath(srv.URL), ClientID: bc.ClientID(), AccessToken: bc.AccessToken()}
	return in
}
