package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

// emulateBigCommerceCmd runs a local BigCommerce store (see internal/emulator/bigcommerce).
type emulateBigCommerceCmd struct {
	Listen      string        `help:"Address to listen on." default:"127.0.0.1:8081"`
	StoreHash   string        `help:"Hash of the emulated store, as in its API path." default:"abc123xyz"`
	AccessToken string        `help:"Access token the store accepts." default:"emulator-token"`
	ClientID    string        `help:"Client id of the store-level API account (owner of the webhooks)." default:"emulator-client"`
	Seed        uint64        `help:"Seed of the generated data and of fault draws." default:"1"`
	Customers   int           `help:"Generated customers." default:"1000"`
	Subscribers int           `help:"Generated newsletter subscribers." default:"300"`
	Orders      int           `help:"Generated orders." default:"2000"`
	Products    int           `help:"Generated catalog products." default:"200"`
	Latency     time.Duration `help:"Delay added to every request." default:"0s"`
	Faults      string        `help:"Injected faults, e.g. 429=0.02,500=0.05,timeout=0.01,truncate=0.01 (429 here carries no rate-limit headers)."`
	RateLimit   string        `help:"The store's quota per window, e.g. 150/30s (a Standard plan); empty for unlimited." default:""`
}

func (c emulateBigCommerceCmd) Run(ctx context.Context, logger *slog.Logger) error {
	limit, err := bcemu.ParseRateLimit(c.RateLimit)
	if err != nil {
		return err
	}
	srv, err := bcemu.New(bcemu.Config{
		StoreHash: c.StoreHash, AccessToken: c.AccessToken, ClientID: c.ClientID, Seed: c.Seed,
		Customers: c.Customers, Subscribers: c.Subscribers, Orders: c.Orders, Products: c.Products,
		Latency: c.Latency, Faults: c.Faults, RateLimit: limit, Logger: logger,
	})
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, c.Listen, func(base string) {
		fmt.Printf("API path: %s\nClient ID: %s\nAccess token: %s\nStats: %s/_emulator/stats\n",
			srv.APIPath(base), c.ClientID, c.AccessToken, base)
		logger.Info("bigcommerce emulator ready", slog.String("api_path", srv.APIPath(base)), slog.String("rate_limit", limit.String()))
	})
}
