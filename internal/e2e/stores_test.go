package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/resource"
)

// A store is added on its own and gets its id on the last line; connecting it reuses it, a second
// connection of it is refused, and removing it removes its connection with it.
func TestStoresAreAddedReusedByConnectionsAndRemovedWithThem(t *testing.T) {
	w := newWorld(t, small)
	out, err := w.try("store", "add", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-access-token", "wrong")
	if err == nil || !strings.Contains(out, "BigCommerce") || !strings.Contains(out, "token") {
		t.Fatalf("a wrong token: %v\n%s", err, out)
	}
	out = w.bcsync("store", "add", "--name", "Main shop", "--share", "0.4", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL),
		"--bigcommerce-client-id", w.bc.ClientID(), "--bigcommerce-access-token", w.bc.AccessToken())
	lines := strings.Split(strings.TrimSpace(out), "\n")
	storeID, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		t.Fatalf("store add did not end with an id: %q", out)
	}

	id := w.connect()
	if c := w.show(id); c.StoreID != storeID {
		t.Fatalf("the connection made a store of its own (%d) beside store %d", c.StoreID, storeID)
	}
	out, err = w.try("connection", "add", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL), "--bigcommerce-access-token", w.bc.AccessToken(),
		"--dotdigital-username", w.dd.Username(), "--dotdigital-password", w.dd.Password(), "--dotdigital-endpoint", w.ddSrv.URL)
	if err == nil || !strings.Contains(out, "connected to Dotdigital already") {
		t.Fatalf("a second connection of the store: %v\n%s", err, out)
	}
	// The same store under another spelling of its API path is the same store.
	out, err = w.try("connection", "add", "--bigcommerce-api-path", w.bc.APIPath(w.bcSrv.URL)+"v3/", "--bigcommerce-access-token", w.bc.AccessToken(),
		"--dotdigital-username", w.dd.Username(), "--dotdigital-password", w.dd.Password(), "--dotdigital-endpoint", w.ddSrv.URL)
	if err == nil || !strings.Contains(out, "connected to Dotdigital already") {
		t.Fatalf("the store connected again under the API path ending in v3/: %v\n%s", err, out)
	}

	var stores []resource.Store
	if err := json.Unmarshal([]byte(w.bcsync("store", "list", "--json")), &stores); err != nil {
		t.Fatal(err)
	}
	if len(stores) != 1 || stores[0].Name != "Main shop" || stores[0].QuotaShare != 0.4 || len(stores[0].Syncs) != 1 || stores[0].Syncs[0].ID != id {
		t.Fatalf("stores = %+v", stores)
	}
	if out := w.bcsync("store", "show", strconv.FormatInt(storeID, 10)); !strings.Contains(out, "40% of the store's API quota") || !strings.Contains(out, "marketing") {
		t.Fatalf("store show:\n%s", out)
	}

	w.bcsync("store", "remove", strconv.FormatInt(storeID, 10))
	if out, err := w.try("connection", "show", strconv.FormatInt(id, 10)); err == nil {
		t.Fatalf("the connection outlived its store:\n%s", out)
	}
	if out := w.bcsync("store", "list"); strings.Contains(out, "Main shop") {
		t.Fatalf("the store is still listed:\n%s", out)
	}
}
