//go:build race

package source_test

// raceEnabled: the race detector slows SQLite (C translated to Go) some thirty times.
const raceEnabled = true
