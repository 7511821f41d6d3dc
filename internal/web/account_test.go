package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The connect form refuses a second store into an account that syncs a store: the page comes back
// with the reason and what to do above the form, the API user's field marked, and nothing saved.
func TestTheConnectFormSaysWhyAnAccountThatSyncsAStoreTakesNoOther(t *testing.T) {
	s := newSite(t)
	first := s.env.Connect()
	token := s.signIn()
	in := s.env.AnotherStore("shopb")
	status, page := s.postPage("/connections", url.Values{"csrf": {token},
		"bigcommerce_api_path": {in.BigCommerce.APIPath}, "bigcommerce_access_token": {in.BigCommerce.AccessToken},
		"dotdigital_username": {in.Dotdigital.Username}, "dotdigital_password": {in.Dotdigital.Password}, "dotdigital_endpoint": {in.Dotdigital.Endpoint}})
	want := html.EscapeString(fmt.Sprintf("This Dotdigital account already syncs the store “Müller & Søn Outfitters” (connection %d): two stores in one account would overwrite each other's orders and products in Insight data. Use a Dotdigital account of its own for this store, or remove connection %d first.", first.ID, first.ID))
	if status != http.StatusConflict || !strings.Contains(page, `<div class="flash error" role="alert" id="problem">`+want+`</div>`) {
		t.Fatalf("%d, want 409 with %q:\n%s", status, want, page)
	}
	if !strings.Contains(page, `name="dotdigital_username" type="email" required autocomplete="off" placeholder="apiuser-…@apiconnector.com" value="`+in.Dotdigital.Username+`" aria-invalid="true"`) {
		t.Errorf("the API user's field is not marked, or lost what was typed:\n%s", page)
	}
	conns, err := s.env.Services.Store.Connections(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	shops, err := s.env.Services.Store.Shops(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || len(shops) != 1 {
		t.Fatalf("the refused form saved something: %d connections, %d stores", len(conns), len(shops))
	}
}
