package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// A Dotdigital account takes one store: connecting a second store to it is refused with 409 and a
// sentence saying why and what to do, and leaves no store behind. Once the first store's connection is
// removed, the second store connects.
func TestASecondStoreIntoAnAccountThatSyncsAStoreIsRefusedWith409(t *testing.T) {
	c := newClient(t)
	first := c.connect()
	in := c.env.AnotherStore("shopb")
	body := map[string]string{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
		"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint,
	}
	status, out, _ := c.call("POST", "/api/v1/connections", body)
	want := fmt.Sprintf("This Dotdigital account already syncs the store “Müller & Søn Outfitters” (connection %d): two stores in one account would overwrite each other's orders and products in Insight data. Use a Dotdigital account of its own for this store, or remove connection %d first.", first, first)
	if status != http.StatusConflict || out["code"] != "account_syncs_another_store" || out["error"] != want || out["field"] != "dotdigital_username" {
		t.Fatalf("a second store into the account: %d %v\nwant the error %q", status, out, want)
	}
	if stores := c.must(http.StatusOK, "GET", "/api/v1/stores", nil)["stores"].([]any); len(stores) != 1 {
		t.Fatalf("the refused connection left a store behind: %v", stores)
	}
	if list := c.must(http.StatusOK, "GET", "/api/v1/connections", nil)["connections"].([]any); len(list) != 1 {
		t.Fatalf("connections = %v", list)
	}

	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/connections/%d", first), nil)
	c.must(http.StatusCreated, "POST", "/api/v1/connections", body)
}
