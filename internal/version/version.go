// Package version names the running build of bcsync.
package version

import "runtime"

// Version is set at link time: -ldflags "-X github.com/bcsync/bcsync/internal/version.Version=v1.2.3".
var Version = "dev"

// String describes the build for `bcsync version`.
func String() string {
	return "bcsync " + Version + " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// UserAgent is sent with every API request so store owners and API providers can tell who is calling.
func UserAgent() string {
	return "bcsync/" + Version + " (+https://github.com/bcsync/bcsync)"
}
