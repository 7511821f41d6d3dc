package main

import (
	"context"
	"os"
	"time"

	"github.com/bcsync/bcsync/internal/bench"
	"github.com/bcsync/bcsync/internal/cli"
)

type benchCmd struct {
	quotaFlags                   // the share the benchmarked bcsync processes use
	Marketing  benchMarketingCmd `cmd:"" default:"withargs" help:"The store ⇄ email marketing sync: backfill, no-change incremental, incremental after changes (the default)."`
	Warehouse  benchWarehouseCmd `cmd:"" help:"The warehouse → store sync: plans of a PostgreSQL model of each size, then runs of new, unchanged and changed customers."`
}

type benchMarketingCmd struct {
	Customers   int           `help:"Customers in the emulated store." default:"100000"`
	Subscribers int           `help:"Subscribers in the emulated store." default:"20000"`
	Orders      int           `help:"Orders in the emulated store." default:"200000"`
	Products    int           `help:"Products in the emulated store." default:"10000"`
	Changes     int           `help:"Records changed before the last phase." default:"1000"`
	RateLimit   string        `help:"The store's quota, e.g. 150/30s (default: unlimited)." placeholder:"N/WINDOW"`
	Latency     time.Duration `name:"request-latency" help:"Latency added to every request of both APIs." default:"0"`
	TimeScale   float64       `help:"Divide rate-limit windows, import delays and poll waits by this, so quota-bound runs finish quickly." default:"1"`
	Seed        uint64        `help:"Seed of the generated data." default:"1"`
	JSON        bool          `help:"Print one JSON object."`

	LatencyMode bool          `name:"latency" help:"Measure change → Dotdigital latency instead: a running bcsync serve with webhooks, a store of 2,000 customers, 1,000 subscribers, 3,000 orders and 300 products (the size flags do not apply), and changes made through the store's API at --rate for --duration (docs/benchmarks.md)."`
	Rate        float64       `help:"With --latency: changes a second." default:"1"`
	Duration    time.Duration `help:"With --latency: how long changes are made." default:"1m"`
	ImportDelay time.Duration `help:"With --latency: how long an emulated Dotdigital import takes." default:"2s"`
	DDRateLimit string        `name:"dotdigital-rate-limit" help:"With --latency: the Dotdigital account's call-rate tiers, e.g. low=35/1m (a Basic package's Low tier); off for none." default:"off"`
}

func (c *benchMarketingCmd) Run(ctx context.Context, q *quotaFlags) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if c.LatencyMode {
		return c.runLatency(ctx, q, self)
	}
	opts := bench.Options{Binary: self, Customers: c.Customers, Subscribers: c.Subscribers, Orders: c.Orders, Products: c.Products,
		Changes: c.Changes, RateLimit: c.RateLimit, Latency: c.Latency, TimeScale: c.TimeScale, QuotaShare: q.QuotaShare, Seed: c.Seed,
		Progress: os.Stderr}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	if c.JSON {
		return cli.WriteJSON(os.Stdout, rep)
	}
	bench.Table(os.Stdout, rep)
	return nil
}

type benchWarehouseCmd struct {
	Postgres  string        `help:"A PostgreSQL database the benchmark may create a schema in (dropped at the end)." default:"postgres://postgres@127.0.0.1:5432/test?sslmode=disable" env:"BCSYNC_BENCH_POSTGRES"`
	PlanRows  []int         `help:"Model sizes to plan." default:"100000,1000000"`
	Rows      int           `help:"Customers the runs write." default:"10000"`
	Changes   int           `help:"Customers changed before the last run." default:"1000"`
	RateLimit string        `help:"The store's quota, e.g. 150/30s (default: unlimited)." placeholder:"N/WINDOW"`
	Latency   time.Duration `help:"Latency added to every request." default:"0"`
	TimeScale float64       `help:"Divide rate-limit windows by this, so quota-bound runs finish quickly." default:"1"`
	JSON      bool          `help:"Print one JSON object."`
}

func (c *benchWarehouseCmd) Run(ctx context.Context, q *quotaFlags) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep, err := bench.RunWarehouse(ctx, bench.WarehouseOptions{Binary: self, PostgresURL: c.Postgres, PlanRows: c.PlanRows, Rows: c.Rows,
		Changes: c.Changes, RateLimit: c.RateLimit, Latency: c.Latency, TimeScale: c.TimeScale, QuotaShare: q.QuotaShare, Progress: os.Stderr})
	if err != nil {
		return err
	}
	if c.JSON {
		return cli.WriteJSON(os.Stdout, rep)
	}
	bench.WarehouseTable(os.Stdout, rep)
	return nil
}

func (c *benchMarketingCmd) runLatency(ctx context.Context, q *quotaFlags, self string) error {
	rep, err := bench.RunLatency(ctx, bench.LatencyOptions{Binary: self, Rate: c.Rate, Duration: c.Duration, RateLimit: c.RateLimit,
		QuotaShare: q.QuotaShare, ImportDelay: c.ImportDelay, DotdigitalRateLimit: c.DDRateLimit, Seed: c.Seed, Progress: os.Stderr})
	if err != nil {
		return err
	}
	if c.JSON {
		return cli.WriteJSON(os.Stdout, rep)
	}
	bench.LatencyTable(os.Stdout, rep)
	return nil
}
