package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/demo"
	"github.com/bcsync/bcsync/internal/web"
)

// demoCmd runs bcsync against an emulated store and account (see internal/demo).
type demoCmd struct {
	serviceFlags
	workFlags
	Listen        string        `help:"Address of the web UI; 127.0.0.1:0 picks a free port." default:"127.0.0.1:8080"`
	Seed          uint64        `help:"Seed of the generated store and account." default:"1"`
	Customers     int           `help:"Customers in the emulated store." default:"3000"`
	Subscribers   int           `help:"Newsletter subscribers in the emulated store." default:"600"`
	Orders        int           `help:"Orders in the emulated store." default:"4000"`
	Products      int           `help:"Products in the emulated store." default:"300"`
	ChangeEvery   time.Duration `help:"How often the emulated store changes once the first sync is done (0: never)." default:"15s"`
	AdminPassword string        `help:"Password of the demo's admin account (default: a random one, printed at start)." placeholder:"PASSWORD"`
}

func (c *demoCmd) Run(ctx context.Context, cfg app.Config) error {
	hint := ""
	if c.AdminPassword != "" {
		hint = "(the password of --admin-password or BCSYNC_ADMIN_PASSWORD)"
	}
	return demo.Run(ctx, demo.Options{Config: cfg, Listen: c.Listen, Seed: c.Seed,
		Customers: c.Customers, Subscribers: c.Subscribers, Orders: c.Orders, Products: c.Products, ChangeEvery: c.ChangeEvery,
		AdminPassword: c.AdminPassword, AdminPasswordHint: hint, Out: os.Stdout,
		Handler: func(s *app.Services) (http.Handler, error) { return web.New(web.Deps{Services: s}) }})
}
