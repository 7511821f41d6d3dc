package main

import "errors"

// emulateDotdigitalCmd is filled in by the Dotdigital emulator work.
type emulateDotdigitalCmd struct{}

func (emulateDotdigitalCmd) Run() error { return errors.New("not built yet") }
