package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/marketing"
)

type settingsCmd struct {
	ID                   int64          `arg:"" help:"Connection id."`
	DataSync             string         `help:"Turn data sync on or off." enum:",on,off" default:""`
	SubscriberList       *string        `help:"Dotdigital list subscribers sync to (by name)." placeholder:"NAME"`
	CustomerList         *string        `help:"Dotdigital list customers sync to (by name), or none." placeholder:"NAME|none"`
	Map                  []string       `help:"Map a BigCommerce field to a data field, e.g. --map total_spend=TOTAL_SPEND (repeatable)." placeholder:"FIELD=DATA_FIELD"`
	Unmap                []string       `help:"Stop syncing a BigCommerce field (repeatable)." placeholder:"FIELD"`
	NewCustomerProgram   *int64         `help:"Programme new customers are enrolled in (id; 0: none)." placeholder:"ID"`
	NewSubscriberProgram *int64         `help:"Programme new subscribers are enrolled in (id; 0: none)." placeholder:"ID"`
	AbandonedCartProgram *int64         `help:"Programme abandoned carts are enrolled in (id; 0: none)." placeholder:"ID"`
	Interval             *time.Duration `help:"Time from the end of one sync to the start of the next (default 5m)." placeholder:"DURATION"`
	JSON                 bool           `help:"Print the connection as JSON afterwards."`
}

func (c *settingsCmd) Run(ctx context.Context, cfg app.Config) error {
	ch := marketing.SettingsChange{SubscriberList: c.SubscriberList, CustomerList: c.CustomerList, Unmap: c.Unmap,
		NewCustomerProgram: c.NewCustomerProgram, NewSubscriberProgram: c.NewSubscriberProgram, AbandonedCartProgram: c.AbandonedCartProgram,
		Interval: c.Interval}
	if c.DataSync != "" {
		on := c.DataSync == "on"
		ch.DataSync = &on
	}
	if len(c.Map) > 0 {
		ch.Map = map[string]string{}
		for _, m := range c.Map {
			src, field, ok := strings.Cut(m, "=")
			if !ok || src == "" || field == "" {
				return fmt.Errorf("--map %q: want BIGCOMMERCE_FIELD=DATA_FIELD", m)
			}
			ch.Map[strings.TrimSpace(src)] = strings.TrimSpace(field)
		}
	}
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		if _, err := s.UpdateSettings(ctx, c.ID, ch); err != nil {
			return err
		}
		return showConnection(ctx, s, c.ID, c.JSON)
	})
}
