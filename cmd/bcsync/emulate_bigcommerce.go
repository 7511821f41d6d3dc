package main

import "errors"

// emulateBigCommerceCmd is filled in by the BigCommerce emulator work.
type emulateBigCommerceCmd struct{}

func (emulateBigCommerceCmd) Run() error { return errors.New("not built yet") }
