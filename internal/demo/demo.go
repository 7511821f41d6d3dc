// Package demo runs `bcsync demo`: bcsync against an emulated BigCommerce store and an emulated
// Dotdigital account, in one process, with a realistic generated store that keeps changing. It is a
// newcomer's first minute with bcsync: the UI answers within seconds, the first sync runs while they
// sign in, and every few seconds something changes in the store and reaches Dotdigital.
package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/store"
)

// Options shape a demo.
type Options struct {
	// Config is the state's configuration (the root command's flags). DataDir empty: a new temporary
	// directory, removed when the demo stops. DatabaseURL must be empty: the demo keeps its state in
	// SQLite. PublicURL is ignored: the emulated store sends its webhooks to the UI's own address.
	Config app.Config
	// Listen is the UI's address; port 0 picks a free one (the banner shows the real address).
	Listen string
	// Seed and the sizes make the generated store; the same seed makes the same store.
	Seed                                     uint64
	Customers, Subscribers, Orders, Products int
	// ChangeEvery is how often the store changes once the first sync is done; 0: never.
	ChangeEvery time.Duration
	// AdminPassword is the password of the account "admin" the demo makes; empty: a random one, shown
	// in the banner. AdminPasswordHint is shown instead of a given password (e.g. "$BCSYNC_ADMIN_PASSWORD").
	AdminPassword     string
	AdminPasswordHint string
	// Handler builds the web UI and API over the running services.
	Handler func(*app.Services) (http.Handler, error)
	// Out receives the banner: what to open and how to sign in (default: standard output).
	Out io.Writer

	// Tests follow the demo through these.
	onReady  func(*running)
	onChange func(change)
}

// AdminUser is the account the demo makes.
const AdminUser = "admin"

// running is a demo that has started.
type running struct {
	url   string
	dir   string
	world *world
	svc   *app.Services
	conn  *store.Connection
}

// Run runs the demo until ctx ends (Ctrl-C), then stops everything it started and returns nil.
func Run(ctx context.Context, o Options) (err error) {
	started := time.Now()
	defer func() {
		if ctx.Err() != nil {
			err = nil // stopped while starting: whatever failed, failed because of that
		}
	}()
	if o.Handler == nil {
		return errors.New("demo: no web handler")
	}
	if o.Config.DatabaseURL != "" {
		return errors.New("the demo keeps its state in SQLite, in a temporary directory or --data-dir: leave out --database-url (and BCSYNC_DATABASE_URL)")
	}
	if o.Customers < 0 || o.Subscribers < 0 || o.Orders < 0 || o.Products < 0 || o.ChangeEvery < 0 {
		return errors.New("the demo's sizes and --change-every cannot be negative")
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	log := o.Config.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.Config.Logger = log

	// The address first: a port in use is the likeliest failure, and it should fail at once.
	ln, err := listen(o.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	uiURL := browseURL(ln.Addr())

	dir, temporary := o.Config.DataDir, o.Config.DataDir == ""
	if temporary {
		if dir, err = os.MkdirTemp("", "bcsync-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := claimDir(dir); err != nil {
		return err
	}
	cfg := o.Config
	cfg.DataDir = dir
	// The emulated store lives in this process: its webhooks reach the UI's own address, whatever
	// public URL a production setup may have in the environment.
	cfg.PublicURL = uiURL

	w, err := newWorld(&o)
	if err != nil {
		return err
	}
	defer w.close()

	var signIn string
	var conn *store.Connection
	err = app.Run(ctx, app.Process{Config: cfg, Listener: ln, StopTimeout: 10 * time.Second,
		Services: app.ServiceOptions{Work: true, PollEvery: 200 * time.Millisecond,
			Engine: marketing.Options{ImportPoll: dotdigital.PollPolicy{Min: importDelay / 3, Max: time.Second}}},
		Prepare: func(ctx context.Context, s *app.Services) error {
			if err := forgetEarlierDemos(ctx, s, dir, log); err != nil {
				return err
			}
			if signIn, err = ensureAdmin(ctx, s, &o, dir); err != nil {
				return err
			}
			if err := w.unsubscribeSome(ctx, o.Seed, time.Now()); err != nil {
				return err
			}
			conn, err = connect(ctx, s, w)
			return err
		},
		Handler: o.Handler,
		Ready: func(ctx context.Context, s *app.Services, _ string) {
			printBanner(o.Out, banner{url: uiURL, signIn: signIn, shop: conn.StoreName, inv: w.bc.Inventory(),
				subscriberList: conn.Settings.SubscriberList.Name, customerList: conn.Settings.CustomerList.Name,
				dir: dir, temporary: temporary, changeEvery: o.ChangeEvery})
			log.Info("demo ready", slog.String("url", uiURL), slog.Duration("startup", time.Since(started).Round(time.Millisecond)))
			r := &running{url: uiURL, dir: dir, world: w, svc: s, conn: conn}
			if o.onReady != nil {
				o.onReady(r)
			}
			// The store starts changing once the first sync is done, so that its log reads in order.
			r.followFirstSync(ctx, log)
			if o.ChangeEvery > 0 && ctx.Err() == nil {
				newChanger(w, o.Seed, log).run(ctx, o.ChangeEvery, o.onChange)
			}
			<-ctx.Done()
			log.Info("demo stopping")
			w.stopWebhooks()
		}})
	if errors.Is(err, app.ErrWorkersElsewhere) {
		return fmt.Errorf("another bcsync process runs the workers of %s; stop it, or leave out --data-dir to run the demo in a directory of its own", dir)
	}
	return err
}

// listen opens the UI's address, saying what to do when it is taken.
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot serve the UI on %s: another program uses that address; choose another, e.g. --listen 127.0.0.1:8090, or --listen 127.0.0.1:0 for any free port", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot serve the UI on %s: %w", addr, err)
	}
	return ln, nil
}

// browseURL is the URL a browser on this machine opens for a listener: loopback when it listens on
// every interface.
func browseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// markerFile marks a data directory as the demo's own.
const markerFile = "bcsync-demo"

// claimDir makes sure a data directory given is the demo's: new, empty, or used by a demo before. A
// directory of a real bcsync is refused before anything opens it (the demo would migrate its database,
// sync its stores and point their webhooks at itself).
func claimDir(dir string) error {
	marker := filepath.Join(dir, markerFile)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty and no demo used it before: the demo needs a data directory of its own; leave out --data-dir (and BCSYNC_DATA_DIR) for a temporary one, or give a new or empty directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(marker, []byte("This directory holds the state of `bcsync demo`: its emulated store is made anew at every start.\n"), 0o600)
}

// forgetEarlierDemos removes the connections of an earlier demo in the same data directory: their
// emulated store and account are gone. A directory with connections to real stores is refused: the
// demo would sync them too, and point their webhooks at this process.
func forgetEarlierDemos(ctx context.Context, s *app.Services, dir string, log *slog.Logger) error {
	conns, err := s.Store.Connections(ctx)
	if err != nil {
		return err
	}
	var earlier []int64
	for _, c := range conns {
		if !isDemo(c) {
			return fmt.Errorf("%s holds a connection to a store that is not the demo's (%d, %q): remove it (bcsync connection remove --data-dir %s %d), or leave out --data-dir", dir, c.ID, c.Name, dir, c.ID)
		}
		earlier = append(earlier, c.ID)
	}
	for _, id := range earlier {
		if err := s.Remove(ctx, id); err != nil {
			return fmt.Errorf("remove the connection of an earlier demo: %w", err)
		}
	}
	if len(earlier) > 0 {
		log.Info("removed the connection of an earlier demo: its emulated store is gone", slog.Int("connections", len(earlier)))
	}
	return nil
}

// isDemo tells a connection a demo made: to the emulated store's hash, on loopback.
func isDemo(c *store.Connection) bool {
	if c.StoreHash != StoreHash {
		return false
	}
	u, err := url.Parse(c.BigCommerce.APIPath)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// ensureAdmin makes the account "admin" unless the data directory has accounts already, and says how
// to sign in.
func ensureAdmin(ctx context.Context, s *app.Services, o *Options, dir string) (string, error) {
	password, hint := o.AdminPassword, o.AdminPasswordHint
	if password == "" {
		password, hint = randomPassword(), ""
	} else if hint == "" {
		hint = "(the password given)"
	}
	created, err := s.Auth.EnsureAdmin(ctx, AdminUser, password)
	if err != nil {
		return "", fmt.Errorf("make the demo's account: %w", err)
	}
	switch {
	case created && hint != "":
		return AdminUser + " / " + hint, nil
	case created:
		return AdminUser + " / " + password, nil
	}
	if _, err := s.Store.AdminByUsername(ctx, AdminUser); err == nil {
		return fmt.Sprintf("%s / the password it was given when %s was first used (unchanged)", AdminUser, dir), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	return fmt.Sprintf("with an account made earlier in %s (the demo made none)", dir), nil
}

// randomPassword is 12 letters and digits in three groups, none that read alike (about 59 bits).
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 0, 14)
	for i := range 12 {
		if i > 0 && i%4 == 0 {
			b = append(b, '-')
		}
		var r [1]byte
		for {
			rand.Read(r[:])
			if int(r[0]) < 256-256%len(alphabet) { // no modulo bias
				break
			}
		}
		b = append(b, alphabet[int(r[0])%len(alphabet)])
	}
	return string(b)
}

// connect connects the emulated store and account as a user would, then chooses what a newcomer
// should see: customers synced to "Customers", new customers, new subscribers and abandoned carts
// enrolled in programmes, and a sync every minute besides the webhooks. The first sync is queued; it
// starts with the workers.
func connect(ctx context.Context, s *app.Services, w *world) (*store.Connection, error) {
	bc, dd := w.credentials()
	conn, err := s.Connect(ctx, marketing.ConnectInput{BigCommerce: bc, Dotdigital: dd})
	if err != nil {
		return nil, fmt.Errorf("connect the emulated store: %w", err)
	}
	ps, err := w.findPrograms(ctx)
	if err != nil {
		return nil, err
	}
	list, every := customerList, marketing.MinInterval
	conn, err = s.UpdateSettings(ctx, conn.ID, marketing.SettingsChange{CustomerList: &list, Interval: &every,
		NewCustomerProgram: programID(ps.newCustomer), NewSubscriberProgram: programID(ps.newSubscriber),
		AbandonedCartProgram: programID(ps.abandonedCart)})
	if err != nil {
		return nil, fmt.Errorf("choose the demo's settings: %w", err)
	}
	return conn, nil
}

// followFirstSync waits for the first sync to end and logs what it did.
func (r *running) followFirstSync(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		runs, err := r.svc.Store.Runs(ctx, r.conn.ID, 1, 0)
		if err != nil || len(runs) == 0 || runs[0].Status == store.RunRunning {
			continue
		}
		run := runs[0]
		attrs := []any{slog.String("status", string(run.Status)), slog.Duration("took", run.Duration(time.Now()).Round(10*time.Millisecond))}
		for _, c := range run.Streams {
			if c.Read > 0 || c.Sent > 0 {
				attrs = append(attrs, slog.Group(c.Stream, slog.Int64("read", c.Read), slog.Int64("sent", c.Sent)))
			}
		}
		if run.Error != "" {
			attrs = append(attrs, slog.String("error", run.Error))
		}
		log.Info("first sync finished", attrs...)
		return
	}
}
