package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/store"
)

type adminCmd struct {
	Create   adminCreateCmd   `cmd:"" help:"Create an admin account for the web UI and API."`
	Password adminPasswordCmd `cmd:"" help:"Set an admin account's password (signs it out everywhere; --revoke-tokens revokes its API tokens too)."`
	Token    adminTokenCmd    `cmd:"" help:"Create an API token for an admin account and print it."`
}

type adminCreateCmd struct {
	Username string `help:"Account name." default:"admin"`
	Password string `help:"Password (at least 10 characters); prompted for when not given." env:"BCSYNC_ADMIN_PASSWORD" placeholder:"PASSWORD"`
}

func (c *adminCreateCmd) Run(ctx context.Context, cfg app.Config) error {
	password, err := passwordOf(c.Password)
	if err != nil {
		return err
	}
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		a, err := s.Auth.CreateAdmin(ctx, c.Username, password)
		if err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("an account named %q exists already: use bcsync admin password to change its password", c.Username)
			}
			return err
		}
		fmt.Printf("admin account %q created: sign in at the web UI (bcsync serve)\n", a.Username)
		return nil
	})
}

type adminPasswordCmd struct {
	Username     string `help:"Account name." default:"admin"`
	Password     string `help:"New password (at least 10 characters); prompted for when not given." env:"BCSYNC_ADMIN_PASSWORD" placeholder:"PASSWORD"`
	RevokeTokens bool   `help:"Also revoke the account's API tokens: whoever knew the old password may have made one."`
}

func (c *adminPasswordCmd) Run(ctx context.Context, cfg app.Config) error {
	password, err := passwordOf(c.Password)
	if err != nil {
		return err
	}
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		revoked, err := s.Auth.SetPassword(ctx, c.Username, password, c.RevokeTokens)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no account is named %q", c.Username)
			}
			return err
		}
		fmt.Printf("password of %q changed; its sessions were signed out\n", c.Username)
		if c.RevokeTokens {
			fmt.Printf("API tokens of %q revoked: %d\n", c.Username, revoked)
		} else {
			fmt.Printf("its API tokens still work: bcsync admin password --revoke-tokens revokes them\n")
		}
		return nil
	})
}

type adminTokenCmd struct {
	Username string `help:"Account the token acts as." default:"admin"`
	Name     string `help:"A name for the token, to tell it from others." required:""`
}

func (c *adminTokenCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		a, err := s.Store.AdminByUsername(ctx, c.Username)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no account is named %q: create it with bcsync admin create", c.Username)
			}
			return err
		}
		token, _, err := s.Auth.CreateAPIToken(ctx, a.ID, c.Name)
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "API token created; it is shown only once. Send it as Authorization: Bearer <token>.")
		fmt.Println(token)
		return nil
	})
}

// passwordOf returns the password given, else asks for it on the terminal (twice, not echoed), else
// reads a line of standard input.
func passwordOf(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password: give --password, set BCSYNC_ADMIN_PASSWORD or write it to standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(os.Stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}
