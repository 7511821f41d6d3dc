package spectest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFindPrefersTheMostLiteralTemplate(t *testing.T) {
	v := Load(t, "bigcommerce")
	r, op, params := v.find("GET", "/stores/abc123/v3/customers/subscribers/42")
	if r == nil || op == nil {
		t.Fatal("no route for a subscriber")
	}
	if r.template != "/stores/{store_hash}/v3/customers/subscribers/{subscriber_id}" || params["subscriber_id"] != "42" || params["store_hash"] != "abc123" {
		t.Fatalf("route %s params %v", r.template, params)
	}
	if r, _, _ := v.find("GET", "/stores/abc123/v2/orders"); r == nil || r.file != "orders.v2.oas2.yml" {
		t.Fatalf("orders route = %+v", r)
	}
}

// A response that breaks the contract is reported, one that keeps it is not.
func TestCheckHoldsResponsesToTheContract(t *testing.T) {
	v := Load(t, "bigcommerce")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("bad") == "1" {
			io.WriteString(w, `{"time":"not a number"}`)
			return
		}
		io.WriteString(w, `{"time":1700000000}`)
	}))
	defer srv.Close()
	check := func(query string) error {
		req, _ := http.NewRequest("GET", srv.URL+"/stores/abc123/v2/time"+query, nil)
		req.Header.Set("X-Auth-Token", "t")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return v.Check(req, nil, resp, body)
	}
	if err := check(""); err != nil {
		t.Fatalf("a good response was refused: %v", err)
	}
	if err := check("?bad=1"); err == nil || !strings.Contains(err.Error(), "time") {
		t.Fatalf("a bad response was accepted: %v", err)
	}
}

func TestCheckRefusesOperationsTheAPIDoesNotHave(t *testing.T) {
	v := Load(t, "dotdigital")
	req := httptest.NewRequest("GET", "/v2/no-such-thing", nil)
	if err := v.Check(req, nil, nil, nil); err == nil {
		t.Fatal("an unknown operation passed")
	}
	req = httptest.NewRequest("GET", "/v2/account-info", nil)
	req.SetBasicAuth("u", "p")
	if err := v.Check(req, nil, nil, nil); err != nil {
		t.Fatalf("account-info: %v", err)
	}
}
