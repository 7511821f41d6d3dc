package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// StoreHash is the emulated store's hash. A connection to a store of this hash on a loopback address is
// one an earlier demo made.
const StoreHash = "bcsyncdemo"

// importDelay is how long the emulated account takes to finish an import: quick, but not instant, so
// that the UI shows imports in flight.
const importDelay = 300 * time.Millisecond

// customerList is the Dotdigital list the demo syncs customers to (the account has it already).
const customerList = "Customers"

// world is the emulated store and account, served on loopback, and clients that act on them as the
// store's shoppers and staff and the account's contacts would.
type world struct {
	bc      *bcemu.Server
	dd      *ddemu.Server
	bcURL   string
	ddURL   string
	servers []*http.Server
	store   *bigcommerce.Client
	account *dotdigital.Client
	// unsubscribed counts the store's subscribers the account held as unsubscribed or suppressed when
	// the demo started.
	unsubscribed int
}

func newWorld(o *Options) (*world, error) {
	w := &world{}
	var err error
	w.bc, err = bcemu.New(bcemu.Config{StoreHash: StoreHash, ClientID: "bcsync-demo", Seed: o.Seed,
		Customers: o.Customers, Subscribers: o.Subscribers, Orders: o.Orders, Products: o.Products})
	if err != nil {
		return nil, err
	}
	w.dd, err = ddemu.New(ddemu.Config{Seed: o.Seed, ImportDelay: importDelay, RateLimit: "off",
		Data: ddemu.DataSizes{Lists: 3, DataFields: 4, Contacts: 120, Unsubscribed: 8, Suppressed: 4, Programs: 5}})
	if err != nil {
		w.bc.Close()
		return nil, err
	}
	if w.bcURL, err = w.serve(w.bc.Handler()); err != nil {
		w.close()
		return nil, err
	}
	if w.ddURL, err = w.serve(w.dd.Handler()); err != nil {
		w.close()
		return nil, err
	}
	w.dd.SetRegionEndpoint(w.ddURL)
	if w.store, err = bigcommerce.New(bigcommerce.Config{Credentials: w.bigcommerceCredentials()}); err != nil {
		w.close()
		return nil, err
	}
	if w.account, err = dotdigital.New(dotdigital.Config{Credentials: dotdigital.Credentials{Username: w.dd.Username(), Password: w.dd.Password()},
		Endpoint: w.ddURL}); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *world) bigcommerceCredentials() bigcommerce.Credentials {
	return bigcommerce.Credentials{APIPath: w.bc.APIPath(w.bcURL), ClientID: w.bc.ClientID(), AccessToken: w.bc.AccessToken()}
}

// credentials are what a user would paste into bcsync to connect the store and the account.
func (w *world) credentials() (store.BigCommerceCredentials, store.DotdigitalCredentials) {
	return store.BigCommerceCredentials{APIPath: w.bc.APIPath(w.bcURL), ClientID: w.bc.ClientID(), AccessToken: w.bc.AccessToken()},
		store.DotdigitalCredentials{Username: w.dd.Username(), Password: w.dd.Password(), Endpoint: w.ddURL}
}

// serve serves h on a free loopback port.
func (w *world) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	w.servers = append(w.servers, srv)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// stopWebhooks stops the store's webhook deliveries, pending retries included.
func (w *world) stopWebhooks() { w.bc.Close() }

// close stops serving and finishes the account's pending imports.
func (w *world) close() {
	w.bc.Close()
	for _, srv := range w.servers {
		srv.Close()
	}
	w.dd.Close()
}

// unsubscribeSome gives the account history a store meets when it connects: some of the store's
// subscribers are contacts in Dotdigital already, and unsubscribed or bounced minutes before. The
// first sync writes what it can of that back to the store.
func (w *world) unsubscribeSome(ctx context.Context, seed uint64, now time.Time) error {
	var consented []bigcommerce.Subscriber
	pages := 0
	for page, err := range w.store.Subscribers(ctx, bigcommerce.SubscriberQuery{}) {
		if err != nil {
			return fmt.Errorf("read the store's subscribers: %w", err)
		}
		for _, s := range page {
			if slices.Contains(s.Consents, bigcommerce.ConsentNewsletter) {
				consented = append(consented, s)
			}
		}
		if pages++; pages == 2 {
			break // a sample is enough
		}
	}
	if len(consented) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0xde70))
	n := max(1, len(consented)/30)
	statuses := []string{"Unsubscribed", "Unsubscribed", "HardBounced", "Unsubscribed", "Suppressed", "IspComplained"}
	var contacts []ddemu.ExistingContact
	for i, k := range rng.Perm(len(consented))[:n] {
		s := consented[k]
		contacts = append(contacts, ddemu.ExistingContact{Email: s.Email, FirstName: s.FirstName, LastName: s.LastName,
			Lists: []string{"Newsletter"}, Status: statuses[i%len(statuses)],
			Created:   now.AddDate(0, -1-rng.IntN(12), -rng.IntN(28)),
			RemovedAt: now.Add(-time.Duration(n-i) * 5 * time.Second)})
	}
	if err := w.dd.AddContacts(contacts...); err != nil {
		return err
	}
	w.unsubscribed = len(contacts)
	return nil
}

// programs are the account's programmes the demo enrols into.
type programs struct{ newCustomer, newSubscriber, abandonedCart dotdigital.Program }

// findPrograms picks the account's active programmes for new customers, new subscribers and abandoned
// carts, by name where it can.
func (w *world) findPrograms(ctx context.Context) (programs, error) {
	all, err := w.account.Programs(ctx)
	if err != nil {
		return programs{}, fmt.Errorf("read the account's programmes: %w", err)
	}
	var active []dotdigital.Program
	for _, p := range all {
		if p.Status == "Active" {
			active = append(active, p)
		}
	}
	pick := func(words ...string) dotdigital.Program {
		for _, p := range active {
			name := strings.ToLower(p.Name)
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(name, w) }) {
				return p
			}
		}
		return dotdigital.Program{}
	}
	ps := programs{newCustomer: pick("customer"), newSubscriber: pick("subscriber"), abandonedCart: pick("abandoned", "cart")}
	return ps, nil
}

// programID is a programme as settings take it (0: none).
func programID(p dotdigital.Program) *int64 {
	id := int64(p.ID)
	return &id
}
