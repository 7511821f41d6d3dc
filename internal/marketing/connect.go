package marketing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// DefaultSubscriberList is the list subscribers go to unless the user chooses another.
const DefaultSubscriberList = "Store subscribers"

// ConnectInput is what a user gives to connect a store to an account.
type ConnectInput struct {
	Name        string
	BigCommerce store.BigCommerceCredentials
	Dotdigital  store.DotdigitalCredentials
}

// CredentialError says which credentials were refused, in words a user can act on.
type CredentialError struct {
	API string // BigCommerce or Dotdigital
	Err error
}

func (e *CredentialError) Error() string { return e.API + ": " + e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// Connect checks both sets of credentials (the store's /v2/store, the account's account-info), sets
// up the defaults (data sync on, subscribers into "Store subscribers", created if missing, customers
// not synced, the default field mapping) and saves the connection with its credentials sealed. Its
// next sync is due at once: the caller enqueues it as the first sync.
func (e *Engine) Connect(ctx context.Context, in ConnectInput) (*store.Connection, error) {
	if strings.TrimSpace(in.BigCommerce.APIPath) == "" || strings.TrimSpace(in.BigCommerce.AccessToken) == "" {
		return nil, &CredentialError{"BigCommerce", errors.New("the API path and the access token are required")}
	}
	if strings.TrimSpace(in.Dotdigital.Username) == "" || in.Dotdigital.Password == "" {
		return nil, &CredentialError{"Dotdigital", errors.New("the API user and its password are required")}
	}
	hash, err := bigcommerce.ParseAPIPath(in.BigCommerce.APIPath)
	if err != nil {
		return nil, &CredentialError{"BigCommerce", err}
	}
	conn := &store.Connection{Name: strings.TrimSpace(in.Name), StoreHash: hash, BigCommerce: in.BigCommerce, Dotdigital: in.Dotdigital}
	bc, dd, err := e.clients(conn, 1)
	if err != nil {
		return nil, err
	}
	shop, err := bc.Store(ctx)
	if err != nil {
		return nil, &CredentialError{"BigCommerce", err}
	}
	info, err := dd.AccountInfo(ctx)
	if err != nil {
		return nil, &CredentialError{"Dotdigital", err}
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
	secretBytes := make([]byte, 24)
	rand.Read(secretBytes)
	if conn.Name == "" {
		conn.Name = shop.Name
	}
	conn.StoreName, conn.StoreURL = shop.Name, shop.SecureURL
	if conn.StoreURL == "" {
		conn.StoreURL = "https://" + shop.Domain
	}
	conn.Dotdigital.APIEndpoint = info.APIEndpoint
	conn.WebhookSecret = hex.EncodeToString(secretBytes)
	conn.Settings = store.Settings{DataSync: true, SubscriberList: store.Ref{ID: int64(book.ID), Name: book.Name}, Interval: store.DefaultInterval}
	conn.NextSyncAt = e.opts.Now()
	if err := e.store.CreateConnection(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := e.store.ReplaceFieldMappings(ctx, conn.ID, mappings); err != nil {
		return nil, err
	}
	return conn, nil
}

func dataFields(fs []dotdigital.DataField) []DataField {
	out := make([]DataField, len(fs))
	for i, f := range fs {
		out[i] = DataField{Name: f.Name, Type: FieldType(f.Type)}
	}
	return out
}
