package marketing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"net/url"
	"strings"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/endpoint"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// DefaultSubscriberList is the list subscribers go to unless the user chooses another.
const DefaultSubscriberList = "Store subscribers"

// ConnectInput is what a user gives to connect a store to an account: the store (added, or found by
// its API path when bcsync knows it already) and the Dotdigital API user.
type ConnectInput struct {
	Name        string
	BigCommerce store.BigCommerceCredentials
	Dotdigital  store.DotdigitalCredentials
}

// CredentialError says which credentials were refused, in words a user can act on. BigCommerce's are
// the store's (shop.CredentialError).
type CredentialError struct {
	API string // Dotdigital
	Err error
}

func (e *CredentialError) Error() string { return e.API + ": " + e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// LinkedError refuses a second Dotdigital link of a store: a store syncs with one account.
type LinkedError struct {
	StoreID      int64
	ConnectionID int64
}

func (e *LinkedError) Error() string {
	return fmt.Sprintf("this store is connected to Dotdigital already (connection %d): a store syncs with one Dotdigital account", e.ConnectionID)
}

// AccountLinkedError refuses to link a Dotdigital account that syncs another store already: the
// stores' orders (contact-scoped Orders, keyed by order id) and products (Catalog_Default, keyed by
// product id) would share keys in the account's Insight data and overwrite each other.
type AccountLinkedError struct {
	ConnectionID int64  // the other store's connection
	StoreName    string // the other store's name
}

func (e *AccountLinkedError) Error() string {
	return fmt.Sprintf("this Dotdigital account already syncs the store “%s” (connection %d): two stores in one account would overwrite each other's orders and products in Insight data. Use a Dotdigital account of its own for this store, or remove connection %d first",
		e.StoreName, e.ConnectionID, e.ConnectionID)
}

// accountLinked returns an AccountLinkedError when a store other than storeID syncs into the account
// of dd (see store.ConnectionOfAccount for how an account is known), nil when none does.
func (e *Engine) accountLinked(ctx context.Context, dd store.DotdigitalCredentials, storeID int64) error {
	other, err := e.store.ConnectionOfAccount(ctx, dd, storeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return &AccountLinkedError{ConnectionID: other.ID, StoreName: cmp.Or(other.StoreName, other.Name)}
}

// Connect checks both sets of credentials (the store's /v2/store, the account's account-info), adds the
// store or reuses the one bcsync knows at that API path, sets up the defaults (data sync on,
// subscribers into "Store subscribers", created if missing, customers not synced, the default field
// mapping) and saves the store's Dotdigital link with its credentials sealed. Its next sync is due at
// once: the caller enqueues it as the first sync. An account that syncs another store is refused
// (AccountLinkedError) before anything is made in it.
func (e *Engine) Connect(ctx context.Context, in ConnectInput) (*store.Connection, error) {
	if strings.TrimSpace(in.BigCommerce.APIPath) == "" || strings.TrimSpace(in.BigCommerce.AccessToken) == "" {
		return nil, &shop.CredentialError{Err: errors.New("the API path and the access token are required")}
	}
	if strings.TrimSpace(in.Dotdigital.Username) == "" || in.Dotdigital.Password == "" {
		return nil, &CredentialError{"Dotdigital", errors.New("the API user and its password are required")}
	}
	ddEndpoint := cmp.Or(in.Dotdigital.Endpoint, dotdigital.DefaultEndpoint)
	if err := endpoint.Check(ddEndpoint, e.opts.AllowInsecureEndpoints); err != nil {
		return nil, &CredentialError{"Dotdigital", err}
	}
	dd, err := e.dotdigital(in.Dotdigital)
	if err != nil {
		return nil, err
	}
	if linked, err := e.connectionOfSameStore(ctx, in.BigCommerce); err != nil {
		return nil, err
	} else if linked != nil {
		return nil, &LinkedError{StoreID: linked.StoreID, ConnectionID: linked.ID}
	}
	sh, created, err := e.shops.Add(ctx, shop.Input{BigCommerce: in.BigCommerce}) // the name given is the connection's
	if err != nil {
		return nil, err
	}
	// A store added here goes again if the rest fails: connecting is all or nothing.
	connected := false
	defer func() {
		if created && !connected {
			e.store.DeleteShop(context.WithoutCancel(ctx), sh.ID)
			e.shops.Forget(sh.ID)
		}
	}()
	if !created {
		if linked, err := e.store.ConnectionOfStore(ctx, sh.ID); err == nil {
			return nil, &LinkedError{StoreID: sh.ID, ConnectionID: linked.ID}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	info, err := dd.AccountInfo(ctx)
	if err == nil {
		err = endpoint.Check(info.APIEndpoint, e.opts.AllowInsecureEndpoints) // the region's, where the password goes next
	}
	if err != nil {
		return nil, &CredentialError{"Dotdigital", endpoint.Opaque(err, ddEndpoint, endpoint.DotdigitalHosts...)}
	}
	conn := &store.Connection{Name: strings.TrimSpace(in.Name), Dotdigital: in.Dotdigital}
	conn.Dotdigital.APIEndpoint, conn.Dotdigital.AccountID = info.APIEndpoint, int64(info.ID)
	if err := e.accountLinked(ctx, conn.Dotdigital, sh.ID); err != nil {
		return nil, err
	}
	book, _, err := dd.EnsureAddressBook(ctx, DefaultSubscriberList)
	if err != nil {
		return nil, fmt.Errorf("create the list %q: %w", DefaultSubscriberList, err)
	}
	fields, err := dd.DataFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the account's data fields: %w", err)
	}
	var mappings []store.FieldMapping
	for _, m := range DefaultMappings {
		// Every account has Dotdigital's default fields; should one be gone, its mapping is left out.
		if resolved, err := ResolveMappings([]store.FieldMapping{m}, dataFields(fields)); err == nil {
			mappings = append(mappings, resolved...)
		}
	}
	if conn.Name == "" {
		conn.Name = sh.Name
	}
	conn.StoreID = sh.ID
	conn.Settings = store.Settings{DataSync: true, SubscriberList: store.Ref{ID: int64(book.ID), Name: book.Name}, Interval: store.DefaultInterval}
	conn.NextSyncAt = e.opts.Now()
	if err := e.store.CreateConnection(ctx, conn); err != nil {
		if errors.Is(err, store.ErrExists) {
			// Another connect of the same store got there first.
			if linked, lerr := e.store.ConnectionOfStore(ctx, sh.ID); lerr == nil {
				return nil, &LinkedError{StoreID: sh.ID, ConnectionID: linked.ID}
			}
		}
		if errors.Is(err, store.ErrAccountLinked) {
			// Another store's connect to the same account got there first.
			if lerr := e.accountLinked(ctx, conn.Dotdigital, sh.ID); lerr != nil {
				return nil, lerr
			}
		}
		return nil, err
	}
	if _, err := e.store.ReplaceFieldMappings(ctx, conn.ID, mappings); err != nil {
		e.store.DeleteSync(context.WithoutCancel(ctx), conn.ID)
		return nil, err
	}
	connected = true
	return e.store.Connection(ctx, conn.ID)
}

func dataFields(fs []dotdigital.DataField) []DataField {
	out := make([]DataField, len(fs))
	for i, f := range fs {
		out[i] = DataField{Name: f.Name, Type: FieldType(f.Type)}
	}
	return out
}

// connectionOfSameStore finds a connection of the store these credentials reach, however its API path
// is written (".../stores/abc/" or ".../stores/abc/v3/"): the same store hash on the same API host. Nil
// when there is none.
func (e *Engine) connectionOfSameStore(ctx context.Context, bc store.BigCommerceCredentials) (*store.Connection, error) {
	hash, err := bigcommerce.ParseAPIPath(bc.APIPath)
	if err != nil {
		return nil, nil // Add says what is wrong with it
	}
	conns, err := e.store.Connections(ctx)
	if err != nil {
		return nil, err
	}
	host := apiHost(bc)
	for _, c := range conns {
		if strings.EqualFold(c.StoreHash, hash) && apiHost(c.BigCommerce) == host {
			return c, nil
		}
	}
	return nil, nil
}

// apiHost is where a store's requests go: the base URL's host when set, else the API path's.
func apiHost(bc store.BigCommerceCredentials) string {
	u, err := url.Parse(strings.TrimSpace(cmp.Or(bc.BaseURL, bc.APIPath)))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
