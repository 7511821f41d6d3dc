package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/marketing"
)

type settingsCmd struct {
	serviceFlags
	ID                   int64          `arg:"" help:"Connection id."`
	DataSync             string         `help:"Turn data sync on or off." enum:",on,off" default:""`
	SubscriberList       *string        `help:"Dotdigital list subscribers sync to (by name)." placeholder:"NAME"`
	CustomerList         *string        `help:"Dotdigital list customers sync to (by name), or none." placeholder:"NAME|none"`
	Map                  []string       `help:"Map a BigCommerce field to a data field, e.g. --map total_spend=TOTAL_SPEND (repeatable)." placeholder:"FIELD=DATA_FIELD"`
	Unmap                []string       `help:"Stop syncing a BigCommerce field (repeatable)." placeholder:"FIELD"`
	NewCustomerProgram   *string        `help:"Programme new customers are enrolled in (name or id; none or 0: no one)." placeholder:"NAME|ID"`
	NewSubscriberProgram *string        `help:"Programme new subscribers are enrolled in (name or id; none or 0: no one)." placeholder:"NAME|ID"`
	AbandonedCartProgram *string        `help:"Programme abandoned carts are enrolled in (name or id; none or 0: no one)." placeholder:"NAME|ID"`
	Interval             *time.Duration `help:"Time from the end of one sync to the start of the next (default 5m)." placeholder:"DURATION"`
	WriteBackRemovals    string         `help:"Write to the store the unsubscribes and suppressions Dotdigital had before install, where the store's record is older (default off: they are only kept out of the list)." enum:",on,off" default:""`
	JSON                 bool           `help:"Print the connection as JSON afterwards."`
}

func (c *settingsCmd) Run(ctx context.Context, cfg app.Config) error {
	ch := marketing.SettingsChange{SubscriberList: c.SubscriberList, CustomerList: c.CustomerList, Unmap: c.Unmap, Interval: c.Interval}
	if c.DataSync != "" {
		on := c.DataSync == "on"
		ch.DataSync = &on
	}
	if c.WriteBackRemovals != "" {
		on := c.WriteBackRemovals == "on"
		ch.WriteBackRemovals = &on
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
	programmes := c.NewCustomerProgram != nil || c.NewSubscriberProgram != nil || c.AbandonedCartProgram != nil
	changed := programmes || ch.DataSync != nil || ch.SubscriberList != nil || ch.CustomerList != nil || len(ch.Map) > 0 ||
		len(ch.Unmap) > 0 || ch.Interval != nil || ch.WriteBackRemovals != nil
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		if !changed {
			// Nothing to change: the settings, and what the account offers to choose from.
			if err := showConnection(ctx, s, c.ID, c.JSON); err != nil || c.JSON {
				return err
			}
			account, err := s.Engine.Account(ctx, c.ID, true)
			if err != nil {
				return fmt.Errorf("the account's lists and programmes could not be read: %w", err)
			}
			cli.Account(os.Stdout, account)
			return nil
		}
		if programmes {
			account, err := s.Engine.Account(ctx, c.ID, true)
			if err != nil {
				return fmt.Errorf("the account's programmes could not be read: %w", err)
			}
			for _, p := range []struct {
				flag string
				in   *string
				out  **int64
			}{{"--new-customer-program", c.NewCustomerProgram, &ch.NewCustomerProgram}, {"--new-subscriber-program", c.NewSubscriberProgram, &ch.NewSubscriberProgram},
				{"--abandoned-cart-program", c.AbandonedCartProgram, &ch.AbandonedCartProgram}} {
				if p.in == nil {
					continue
				}
				id, err := programmeID(account, p.flag, *p.in)
				if err != nil {
					return err
				}
				*p.out = &id
			}
		}
		if _, err := s.UpdateSettings(ctx, c.ID, ch); err != nil {
			return err
		}
		return showConnection(ctx, s, c.ID, c.JSON)
	})
}

// programmeID finds a programme by id or name (ignoring case); "none" or 0 is no programme.
func programmeID(a *marketing.Account, flag, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "none") || v == "0" {
		return 0, nil
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		return id, nil // checked by UpdateSettings against the account
	}
	var names []string
	for _, p := range a.Programs {
		if strings.EqualFold(p.Name, v) {
			return p.ID, nil
		}
		names = append(names, fmt.Sprintf("%q (%d)", p.Name, p.ID))
	}
	return 0, fmt.Errorf("%s %q: the account has no programme of that name (programmes: %s)", flag, v, strings.Join(names, ", "))
}
