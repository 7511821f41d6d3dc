package main

import (
	"fmt"

	"github.com/bcsync/bcsync/internal/version"
)

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println(version.String())
	return nil
}
