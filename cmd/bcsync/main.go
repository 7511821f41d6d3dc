// Command bcsync syncs BigCommerce stores with Dotdigital and warehouses. This package only reads
// configuration, wires services and forwards signals; everything else lives in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/resource"
)

// command is the whole command line. Every flag can also be set with a BCSYNC_* environment variable
// (the flag's name in upper case, dashes as underscores), e.g. BCSYNC_LOG_LEVEL=debug. Only the log and
// state flags are on every command; the others are on the commands that use them (state.go).
type command struct {
	LogLevel  slog.Level `help:"Log level: debug, info, warn or error." default:"info"`
	LogFormat string     `help:"Log format: text or json." enum:"text,json" default:"text"`
	stateFlags

	Migrate    migrateCmd    `cmd:"" help:"Create or update the state database's tables."`
	Serve      serveCmd      `cmd:"" help:"Run bcsync: the web UI and API, the scheduler and sync workers."`
	Worker     workerCmd     `cmd:"" help:"Run sync workers only (several processes cooperate on PostgreSQL)."`
	Store      storeCmd      `cmd:"" help:"Add, list, show or remove BigCommerce stores."`
	Connection connectionCmd `cmd:"" help:"Add, list, show or remove connections: a store with its Dotdigital link."`
	Settings   settingsCmd   `cmd:"" help:"Show or change a connection's settings."`
	Sync       syncCmd       `cmd:"" help:"Sync a connection now."`
	Runs       runsCmd       `cmd:"" help:"List a connection's runs."`
	Warehouse  warehouseCmd  `cmd:"" help:"Write rows of a warehouse model into a store's customers or orders: sources, models, syncs, plans and runs."`
	Alert      alertCmd      `cmd:"" help:"Alerts: channels (Slack, PagerDuty, SMS, email, webhook), rules, the history of notifications."`
	Bench      benchCmd      `cmd:"" help:"Measure syncs against emulated APIs (the marketing sync by default, or bench warehouse): calls against the floor, time, memory."`
	Version    versionCmd    `cmd:"" help:"Print the version of bcsync."`
	Emulate    emulateCmd    `cmd:"" help:"Run a local emulator of an API that bcsync talks to."`
	Admin      adminCmd      `cmd:"" help:"Manage the accounts and API tokens of the web UI and API."`
	Demo       demoCmd       `cmd:"" help:"Try bcsync: an emulated store and Dotdigital account that keep changing, synced and shown in the web UI."`
}

type emulateCmd struct {
	Bigcommerce emulateBigCommerceCmd `cmd:"" name:"bigcommerce" help:"Emulate a BigCommerce store's REST API."`
	Dotdigital  emulateDotdigitalCmd  `cmd:"" name:"dotdigital" help:"Emulate a Dotdigital account's API."`
}

func main() {
	var c command
	parser := kong.Must(&c,
		kong.Name("bcsync"),
		kong.Description("Keep a Dotdigital account in step with a BigCommerce store, and write warehouse data back into the store.\n\n"+
			"Exit codes: 0 done, 1 failed (a sync failed, a credential was refused, …), 2 wrong usage (a bad flag or argument)."),
		kong.DefaultEnvars("BCSYNC"),
	)
	kctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		// One line and where to look, not the whole help.
		fmt.Fprintln(os.Stderr, "bcsync:", err)
		help := "bcsync --help"
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil && pe.Context.Command() != "" {
			help = "bcsync " + commandPath(pe.Context.Command()) + " --help"
		}
		fmt.Fprintf(os.Stderr, "see %s\n", help)
		os.Exit(2)
	}
	level := c.LogLevel
	if kctx.Command() == "sync <id>" && c.Sync.Wait && !logLevelGiven() {
		// The progress and the summary tell what the run does; the log says only what goes wrong
		// beyond it, and does not break into the bars.
		level = slog.LevelWarn
	}
	logger := newLogger(level, c.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config(kctx, &c.stateFlags, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bcsync:", err)
		os.Exit(2)
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	kctx.Bind(logger, cfg, &c.Bench.quotaFlags)
	if err := kctx.Run(); err != nil && !errors.Is(err, context.Canceled) {
		var code exitCode
		if errors.As(err, &code) {
			os.Exit(int(code))
		}
		fmt.Fprintln(os.Stderr, "bcsync:", message(err))
		os.Exit(1)
	}
}

// message is what bcsync says of an error: for credentials refused or a store connected already, the
// sentence the UI and the API say; else the error.
func message(err error) string {
	p := resource.ProblemOf(err)
	switch {
	case strings.HasPrefix(p.Code, "bigcommerce_"), strings.HasPrefix(p.Code, "dotdigital_"),
		p.Code == "store_connected", p.Code == "no_credentials", p.Code == "insecure_endpoint", p.Code == "invalid_mapping":
		return p.Message
	}
	return err.Error()
}

// exitCode ends bcsync with that code and nothing more printed: the command said why already.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// commandPath is a command without its arguments: "settings <id>" → "settings".
func commandPath(cmd string) string {
	var words []string
	for _, w := range strings.Fields(cmd) {
		if !strings.HasPrefix(w, "<") {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// logLevelGiven says whether the log level was asked for (flag or environment) rather than defaulted.
func logLevelGiven() bool {
	if os.Getenv("BCSYNC_LOG_LEVEL") != "" {
		return true
	}
	for _, a := range os.Args[1:] {
		if a == "--log-level" || strings.HasPrefix(a, "--log-level=") {
			return true
		}
	}
	return false
}

// terminal is standard output when progress is drawn on it in place, shared with the log when standard
// error is the same terminal (a log line then does not break into the bars).
var terminal = cli.NewScreen(os.Stdout)

func newLogger(level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var out io.Writer = os.Stderr
	if isTerminal(os.Stdout) && isTerminal(os.Stderr) {
		out = terminal.Writer(os.Stderr)
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}
