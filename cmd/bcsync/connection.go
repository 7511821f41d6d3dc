package main

import (
	"context"
	"fmt"
	"os"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type connectionCmd struct {
	serviceFlags
	Add         connectionAddCmd         `cmd:"" help:"Connect a BigCommerce store to a Dotdigital account (checks both, then starts the first sync)."`
	List        connectionListCmd        `cmd:"" help:"List connections."`
	Show        connectionShowCmd        `cmd:"" help:"Show a connection."`
	Remove      connectionRemoveCmd      `cmd:"" help:"Remove a connection: stop its syncs, delete its webhooks from the store, its credentials and state (Dotdigital is left as it is)."`
	Credentials connectionCredentialsCmd `cmd:"" help:"Replace a connection's store access token and/or Dotdigital password (checked before saving; the connection keeps its state)."`
}

type connectionCredentialsCmd struct {
	ID                     int64  `arg:"" help:"Connection id."`
	BigcommerceAccessToken string `name:"bigcommerce-access-token" help:"New access token of the store's API account."`
	DotdigitalPassword     string `name:"dotdigital-password" help:"New password of the Dotdigital API user."`
}

func (c *connectionCredentialsCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		conn, err := s.RotateCredentials(ctx, c.ID, marketing.CredentialsChange{BigCommerceAccessToken: c.BigcommerceAccessToken,
			DotdigitalPassword: c.DotdigitalPassword})
		if err != nil {
			return err
		}
		fmt.Printf("the new credentials of connection %d work and were saved", conn.ID)
		if conn.Settings.DataSync {
			fmt.Print("; a sync is queued")
		}
		fmt.Println()
		return nil
	})
}

type connectionAddCmd struct {
	Name                   string `help:"A name for the connection (default: the store's name)."`
	BigcommerceAPIPath     string `name:"bigcommerce-api-path" required:"" help:"API path of the store-level API account, e.g. https://api.bigcommerce.com/stores/abc123/."`
	BigcommerceClientID    string `name:"bigcommerce-client-id" help:"Client id of the API account."`
	BigcommerceAccessToken string `name:"bigcommerce-access-token" required:"" help:"Access token of the API account."`
	BigcommerceBaseURL     string `name:"bigcommerce-base-url" help:"Send BigCommerce requests to this scheme://host instead (an emulator)."`
	DotdigitalUsername     string `name:"dotdigital-username" required:"" help:"Dotdigital API user."`
	DotdigitalPassword     string `name:"dotdigital-password" required:"" help:"Password of the API user."`
	DotdigitalEndpoint     string `name:"dotdigital-endpoint" help:"Dotdigital r1 endpoint to discover the account's region from (default https://r1-api.dotdigital.com)."`
}

func (c *connectionAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		conn, err := s.Connect(ctx, marketing.ConnectInput{
			Name: c.Name,
			BigCommerce: store.BigCommerceCredentials{APIPath: c.BigcommerceAPIPath, ClientID: c.BigcommerceClientID,
				AccessToken: c.BigcommerceAccessToken, BaseURL: c.BigcommerceBaseURL},
			Dotdigital: store.DotdigitalCredentials{Username: c.DotdigitalUsername, Password: c.DotdigitalPassword, Endpoint: c.DotdigitalEndpoint},
		})
		if err != nil {
			return err
		}
		fmt.Printf("connected %s (%s) to Dotdigital API user %s; subscribers sync to %q; the first sync is queued\n",
			conn.StoreName, conn.StoreURL, conn.Dotdigital.Username, conn.Settings.SubscriberList.Name)
		if x, err := s.Engine.Estimate(ctx, conn); err != nil {
			fmt.Fprintf(os.Stderr, "the first sync could not be estimated: %v\n", err)
		} else {
			fmt.Println(x)
		}
		if alive, err := s.Store.WorkersAlive(ctx); err == nil && !alive {
			fmt.Printf("no bcsync serve or worker is running: `bcsync sync %d --wait` runs the first sync now, or it starts with `bcsync serve`\n", conn.ID)
		}
		fmt.Println(conn.ID)
		return nil
	})
}

type connectionListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *connectionListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		conns, err := s.Store.Connections(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.Connection, len(conns))
		for i, conn := range conns {
			st, err := s.Describe(ctx, conn, false)
			if err != nil {
				return err
			}
			out[i] = resource.NewConnection(conn, st)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Connections(os.Stdout, out)
		return nil
	})
}

type connectionShowCmd struct {
	ID   int64 `arg:"" help:"Connection id."`
	JSON bool  `help:"Print JSON."`
}

func (c *connectionShowCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error { return showConnection(ctx, s, c.ID, c.JSON) })
}

func showConnection(ctx context.Context, s *app.Services, id int64, asJSON bool) error {
	conn, err := s.Store.Connection(ctx, id)
	if err != nil {
		return err
	}
	st, err := s.Describe(ctx, conn, true)
	if err != nil {
		return err
	}
	if asJSON {
		return cli.WriteJSON(os.Stdout, resource.NewConnection(conn, st))
	}
	cli.Connection(os.Stdout, conn, st)
	return nil
}

type connectionRemoveCmd struct {
	ID int64 `arg:"" help:"Connection id."`
}

func (c *connectionRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		removal, err := s.RemoveConnection(ctx, c.ID)
		if err != nil {
			return err
		}
		fmt.Printf("connection %d removed; %s; nothing was changed in Dotdigital\n", c.ID, removal.Describe())
		return nil
	})
}

// withExisting is withServices for commands about what exists (a connection, a store, runs): without
// a state database it says where it looked, and creates none.
func withExisting(ctx context.Context, cfg app.Config, work bool, f func(*app.Services) error) error {
	return runServices(ctx, cfg, app.OpenExisting, work, f)
}

// withServices opens the state and the services (without workers unless work), runs f and closes them.
func withServices(ctx context.Context, cfg app.Config, work bool, f func(*app.Services) error) error {
	return runServices(ctx, cfg, app.Open, work, f)
}

func runServices(ctx context.Context, cfg app.Config, open func(context.Context, app.Config) (*app.App, error), work bool, f func(*app.Services) error) error {
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(app.ServiceOptions{Work: work})
	if err != nil {
		return err
	}
	defer s.Stop(context.WithoutCancel(ctx))
	return f(s)
}
