package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/resource"
)

// Two stores in one Dotdigital account would share the keys of their orders and products in Insight
// data: `connection add` of a second store to an account that syncs a store fails with exit code 1 and
// a sentence saying why and what to do, and leaves no connection and no store behind. A store the user
// added beforehand stays.
func TestConnectionAddOfASecondStoreToTheSameAccountIsRefusedAndLeavesNothing(t *testing.T) {
	w := newWorld(t, small)
	first := w.connect()

	other, err := bcemu.New(bcemu.Config{Seed: 8, StoreHash: "shopb", Customers: 5, Subscribers: 3, Orders: 5, Products: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(other.Handler())
	t.Cleanup(func() { srv.Close(); other.Close() })
	add := []string{"connection", "add", "--name", "Shop B", "--bigcommerce-api-path", other.APIPath(srv.URL), "--bigcommerce-access-token", other.AccessToken(),
		"--dotdigital-username", w.dd.Username(), "--dotdigital-password", w.dd.Password(), "--dotdigital-endpoint", w.ddSrv.URL}
	want := fmt.Sprintf("bcsync: this Dotdigital account already syncs the store “Müller & Søn Outfitters” (connection %d): two stores in one account would overwrite each other's orders and products in Insight data. Use a Dotdigital account of its own for this store, or remove connection %d first\n", first, first)
	out, err := w.try(add...)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || out != want {
		t.Fatalf("a second store into the account: %v\n%s\nwant exit code 1 and\n%s", err, out, want)
	}
	stores := func() []resource.Store {
		var ss []resource.Store
		if err := json.Unmarshal([]byte(w.bcsync("store", "list", "--json")), &ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	var conns []resource.Connection
	if err := json.Unmarshal([]byte(w.bcsync("connection", "list", "--json")), &conns); err != nil {
		t.Fatal(err)
	}
	if ss := stores(); len(conns) != 1 || len(ss) != 1 {
		t.Fatalf("the refused connection left %d connections and %d stores", len(conns), len(ss))
	}

	// Added on its own first, the second store is still refused the account, and is kept.
	w.bcsync("store", "add", "--name", "Shop B", "--bigcommerce-api-path", other.APIPath(srv.URL), "--bigcommerce-access-token", other.AccessToken())
	if out, err := w.try(add...); !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(out, "already syncs the store") {
		t.Fatalf("a second store, added beforehand, into the account: %v\n%s", err, out)
	}
	if ss := stores(); len(ss) != 2 || ss[1].Name != "Shop B" || len(ss[1].Syncs) != 0 {
		t.Fatalf("stores = %+v", ss)
	}
}
