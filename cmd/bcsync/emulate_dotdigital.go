package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// emulateDotdigitalCmd runs a local Dotdigital account (see internal/emulator/dotdigital).
type emulateDotdigitalCmd struct {
	Listen       string `help:"Address of the r1 endpoint, where clients start." default:"127.0.0.1:8082"`
	Region       string `help:"Region the account lives in: r1, r2 or r3. Outside r1, the r1 endpoint answers 403 to everything but account-info." enum:"r1,r2,r3" default:"r1"`
	RegionListen string `help:"Address of the account's regional endpoint when --region is not r1." default:"127.0.0.1:8083"`
	Username     string `help:"API user name." default:"apiuser-demo@apiconnector.com"`
	Password     string `help:"API user password." default:"demo-password"`

	Seed           uint64 `help:"Seed of the generated data and of fault draws." default:"1"`
	SeedLists      int    `help:"Pre-existing lists (besides Test)." default:"5"`
	SeedDataFields int    `help:"Pre-existing data fields (besides the defaults)." default:"4"`
	SeedContacts   int    `help:"Pre-existing contacts." default:"200"`
	Unsubscribed   int    `help:"How many of the pre-existing contacts unsubscribed." default:"20"`
	Suppressed     int    `help:"How many of the pre-existing contacts are suppressed." default:"10"`
	SeedPrograms   int    `help:"Pre-existing programs (Active, Draft, Deactivated)." default:"5"`

	ImportDelay        time.Duration `help:"Time from accepting an import (or enrolment) to its final status." default:"2s"`
	ImportFailures     float64       `help:"Share of imports that end in a failed status (0 to 1)." default:"0"`
	Latency            time.Duration `help:"Delay added to every request." default:"0s"`
	Faults             string        `help:"Injected faults, e.g. 429=0.02,500=0.05,timeout=0.01,truncate=0.01,reset=0.01."`
	RateLimit          string        `help:"Calls per tier and window, e.g. low=35/1m,medium=100/1m,high=300/1m, a single number per minute for every tier, or off." default:""`
	EnrolmentAllowance int           `help:"Program enrolment calls allowed per hour." default:"20"`
}

func (c emulateDotdigitalCmd) Run(ctx context.Context, logger *slog.Logger) error {
	srv, err := ddemu.New(ddemu.Config{
		Username: c.Username, Password: c.Password, Seed: c.Seed,
		Data: ddemu.DataSizes{Lists: c.SeedLists, DataFields: c.SeedDataFields, Contacts: c.SeedContacts,
			Unsubscribed: c.Unsubscribed, Suppressed: c.Suppressed, Programs: c.SeedPrograms},
		ImportDelay: c.ImportDelay, ImportFailures: c.ImportFailures, Latency: c.Latency, Faults: c.Faults,
		RateLimit: c.RateLimit, Region: c.Region, EnrolmentAllowance: c.EnrolmentAllowance, Logger: logger,
	})
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, c.Listen, c.RegionListen, func(ep ddemu.Endpoints) {
		fmt.Printf("Endpoint: %s\n", ep.R1)
		if ep.Regional != ep.R1 {
			fmt.Printf("Regional endpoint (%s): %s\n", c.Region, ep.Regional)
		}
		fmt.Printf("Username: %s\nPassword: %s\n", c.Username, c.Password)
		logger.Info("dotdigital emulator ready", slog.String("endpoint", ep.R1), slog.String("region", c.Region))
	})
}
