// Package emulator holds what the emulated APIs share: fault injection, latency, fixed-window
// quotas and per-operation request statistics. The emulators themselves live in the bigcommerce
// and dotdigital subpackages; production code never depends on any of them.
package emulator
