package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

// A store is added (its credentials checked), found again by its API path, listed with its syncs,
// and removed with them.
func TestAStoreIsAddedListedShownAndRemovedWithItsSyncs(t *testing.T) {
	c := newClient(t)
	in := c.env.ConnectInput()
	body := map[string]any{"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": "wrong"}
	status, out, _ := c.call("POST", "/api/v1/stores", body)
	if status != http.StatusUnprocessableEntity || out["code"] != "bigcommerce_token_refused" || out["field"] != "bigcommerce_access_token" {
		t.Fatalf("wrong token: %d %v", status, out)
	}
	body["bigcommerce_access_token"] = in.BigCommerce.AccessToken
	body["quota_share"] = 1.5
	if status, out, _ := c.call("POST", "/api/v1/stores", body); status != http.StatusBadRequest || out["field"] != "quota_share" {
		t.Fatalf("a share over 1: %d %v", status, out)
	}
	body["quota_share"] = 0.4
	added := c.must(http.StatusCreated, "POST", "/api/v1/stores", body)
	id := int64(added["id"].(float64))
	if added["quota_share"] != 0.4 || added["store_name"] == "" || len(added["syncs"].([]any)) != 0 {
		t.Fatalf("added = %v", added)
	}
	if raw, _ := json.Marshal(added); bytes.Contains(raw, []byte(in.BigCommerce.AccessToken)) {
		t.Fatal("a store shows its token")
	}
	body["name"] = "Main shop"
	again := c.must(http.StatusOK, "POST", "/api/v1/stores", body)
	if int64(again["id"].(float64)) != id || again["name"] != "Main shop" {
		t.Fatalf("the same store again = %v", again)
	}

	// Connecting the same store reuses it; it has one Dotdigital link at most.
	conn := c.connect()
	one := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/stores/%d", id), nil)
	syncs := one["syncs"].([]any)
	if len(syncs) != 1 || syncs[0].(map[string]any)["kind"] != "marketing" || int64(syncs[0].(map[string]any)["id"].(float64)) != conn {
		t.Fatalf("store = %v", one)
	}
	status, out, _ = c.call("POST", "/api/v1/connections", map[string]string{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
		"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint,
	})
	if status != http.StatusConflict || out["code"] != "store_connected" {
		t.Fatalf("a second connection of the store: %d %v", status, out)
	}
	if list := c.must(http.StatusOK, "GET", "/api/v1/stores", nil)["stores"].([]any); len(list) != 1 {
		t.Fatalf("stores = %v", list)
	}

	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/stores/%d", id), nil)
	c.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/stores/%d", id), nil)
	c.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/connections/%d", conn), nil)
}

// Removing a connection removes its store too when nothing else syncs with it, and leaves the store
// and its other syncs alone when something does.
func TestRemovingAConnectionRemovesItsStoreOnlyWhenNothingElseUsesIt(t *testing.T) {
	c := newClient(t)
	conn := c.connect()
	shop := int64(c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d", conn), nil)["store_id"].(float64))
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/connections/%d", conn), nil)
	c.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/stores/%d", shop), nil)

	conn = c.connect()
	shop = int64(c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d", conn), nil)["store_id"].(float64))
	other := &store.Sync{Kind: store.KindWarehouse, StoreID: shop, Name: "Loyalty tiers"}
	if err := c.env.Services.Store.CreateSync(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/connections/%d", conn), nil)
	kept := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/stores/%d", shop), nil)
	if syncs := kept["syncs"].([]any); len(syncs) != 1 || syncs[0].(map[string]any)["name"] != "Loyalty tiers" {
		t.Fatalf("the store after its Dotdigital link went: %v", kept)
	}
}
