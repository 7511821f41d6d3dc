package marketing

import (
	"context"
	"errors"
	"strings"

	"github.com/bcsync/bcsync/internal/endpoint"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// CredentialsChange is new credentials for a connection; an empty field keeps what is there.
type CredentialsChange struct {
	BigCommerceAccessToken string
	DotdigitalPassword     string
}

// ErrNoCredentials refuses a change that gives nothing new.
var ErrNoCredentials = errors.New("give a new BigCommerce access token, a new Dotdigital password, or both")

// RotateCredentials replaces a connection's store access token and/or Dotdigital password, without
// losing any of its state. Each new credential is checked first (the store's /v2/store, the account's
// account-info): nothing is saved unless all given work. Saved, they clear "needs attention".
func (e *Engine) RotateCredentials(ctx context.Context, connID int64, ch CredentialsChange) (*store.Connection, error) {
	ch.BigCommerceAccessToken = strings.TrimSpace(ch.BigCommerceAccessToken)
	if ch.BigCommerceAccessToken == "" && ch.DotdigitalPassword == "" {
		return nil, ErrNoCredentials
	}
	c, err := e.store.Connection(ctx, connID)
	if err != nil {
		return nil, err
	}
	var sh *store.Shop
	if ch.BigCommerceAccessToken != "" {
		if sh, err = e.store.Shop(ctx, c.StoreID); err != nil {
			return nil, err
		}
		probe := *sh
		probe.BigCommerce.AccessToken = ch.BigCommerceAccessToken
		bc, err := e.shops.Client(&probe, 1)
		if err != nil {
			return nil, &shop.CredentialError{Err: err}
		}
		if _, err := bc.Store(ctx); err != nil {
			origin := sh.BigCommerce.BaseURL
			if origin == "" {
				origin = sh.BigCommerce.APIPath
			}
			return nil, &shop.CredentialError{Err: endpoint.Opaque(err, origin, endpoint.BigCommerceHosts...)}
		}
		sh.BigCommerce.AccessToken = ch.BigCommerceAccessToken
	}
	dd := c.Dotdigital
	if ch.DotdigitalPassword != "" {
		dd.Password = ch.DotdigitalPassword
		client, err := e.dotdigital(dd)
		if err != nil {
			return nil, err
		}
		info, err := client.AccountInfo(ctx)
		if err == nil {
			err = endpoint.Check(info.APIEndpoint, e.opts.AllowInsecureEndpoints)
		}
		if err != nil {
			return nil, &CredentialError{"Dotdigital", endpoint.Opaque(err, dd.Endpoint, endpoint.DotdigitalHosts...)}
		}
		dd.APIEndpoint = info.APIEndpoint
	}
	if sh != nil {
		if err := e.store.UpdateShop(ctx, sh); err != nil {
			return nil, err
		}
		if err := e.store.SetShopStatus(ctx, sh.ID, store.StatusOK, ""); err != nil {
			return nil, err
		}
	}
	if ch.DotdigitalPassword != "" {
		if err := e.store.UpdateDotdigitalCredentials(ctx, c.ID, dd); err != nil {
			return nil, err
		}
	}
	if err := e.store.SetSyncStatus(ctx, c.ID, store.StatusOK, ""); err != nil {
		return nil, err
	}
	e.accounts.mu.Lock()
	delete(e.accounts.entries, c.ID)
	e.accounts.mu.Unlock()
	e.opts.Logger.Info("credentials replaced", "connection_id", c.ID, "bigcommerce", sh != nil, "dotdigital", ch.DotdigitalPassword != "")
	return e.store.Connection(ctx, c.ID)
}
