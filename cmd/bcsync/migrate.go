package main

import (
	"context"
	"fmt"

	"github.com/bcsync/bcsync/internal/app"
)

type migrateCmd struct{}

func (migrateCmd) Run(ctx context.Context, cfg app.Config) error {
	a, err := app.Open(ctx, cfg) // Open migrates
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Println("the state database is up to date")
	return nil
}
