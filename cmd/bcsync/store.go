package main

import (
	"context"
	"fmt"
	"os"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

type storeCmd struct {
	serviceFlags
	Add    storeAddCmd    `cmd:"" help:"Add a BigCommerce store (checks its credentials first); prints its id on the last line."`
	List   storeListCmd   `cmd:"" help:"List stores with their syncs."`
	Show   storeShowCmd   `cmd:"" help:"Show a store with its syncs."`
	Remove storeRemoveCmd `cmd:"" help:"Remove a store and every sync of it: their syncs stop, their credentials and state are deleted (the store and Dotdigital are left as they are)."`
}

type storeAddCmd struct {
	Name                   string  `help:"A name for the store (default: the store's own)."`
	BigcommerceAPIPath     string  `name:"bigcommerce-api-path" required:"" help:"API path of the store-level API account, e.g. https://api.bigcommerce.com/stores/abc123/."`
	BigcommerceClientID    string  `name:"bigcommerce-client-id" help:"Client id of the API account."`
	BigcommerceAccessToken string  `name:"bigcommerce-access-token" required:"" help:"Access token of the API account."`
	BigcommerceBaseURL     string  `name:"bigcommerce-base-url" help:"Send BigCommerce requests to this scheme://host instead (an emulator)."`
	Share                  float64 `help:"Share of this store's API quota that all its syncs together may use, e.g. 0.3 (0: --quota-share)." default:"0"`
}

func (c *storeAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		sh, created, err := s.AddStore(ctx, shop.Input{Name: c.Name, QuotaShare: c.Share, BigCommerce: store.BigCommerceCredentials{
			APIPath: c.BigcommerceAPIPath, ClientID: c.BigcommerceClientID, AccessToken: c.BigcommerceAccessToken, BaseURL: c.BigcommerceBaseURL}})
		if err != nil {
			return err
		}
		if created {
			fmt.Printf("added %s (%s)\n", sh.StoreName, sh.StoreURL)
		} else {
			fmt.Printf("%s (%s) was added before as store %d; its credentials are updated\n", sh.StoreName, sh.StoreURL, sh.ID)
		}
		fmt.Println(sh.ID)
		return nil
	})
}

type storeListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *storeListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		shops, err := s.Store.Shops(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.Store, len(shops))
		for i, sh := range shops {
			st, err := s.DescribeStore(ctx, sh)
			if err != nil {
				return err
			}
			out[i] = resource.NewStore(sh, st)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Stores(os.Stdout, out)
		return nil
	})
}

type storeShowCmd struct {
	ID   int64 `arg:"" help:"Store id."`
	JSON bool  `help:"Print JSON."`
}

func (c *storeShowCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		sh, err := s.Store.Shop(ctx, c.ID)
		if err != nil {
			return err
		}
		st, err := s.DescribeStore(ctx, sh)
		if err != nil {
			return err
		}
		out := resource.NewStore(sh, st)
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Store(os.Stdout, out)
		return nil
	})
}

type storeRemoveCmd struct {
	ID int64 `arg:"" help:"Store id."`
}

func (c *storeRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		if err := s.RemoveStore(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("store %d removed with its syncs; nothing was changed in the store or in Dotdigital\n", c.ID)
		return nil
	})
}
