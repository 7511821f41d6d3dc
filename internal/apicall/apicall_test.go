package apicall

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestTransportReportsEachExchangeWithSecretsHidden(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("X-Rate-Limit-Requests-Left", "35")
		io.WriteString(w, `{"id":7,"access_token":"tok-live-123","name":"Ann"}`)
	}))
	defer srv.Close()

	var mu sync.Mutex
	var calls []*Call
	client := &http.Client{Transport: &Transport{
		API:      "bigcommerce",
		Redactor: NewRedactor("tok-live-123", "hunter22"),
		Observer: ObserverFunc(func(_ context.Context, c *Call) { mu.Lock(); calls = append(calls, c); mu.Unlock() }),
	}}
	req, _ := http.NewRequest("POST", srv.URL+"/v3/customers?access_token=tok-live-123&page=2", strings.NewReader(`{"password":"hunter22","email":"a@example.com","note":"my pin is hunter22"}`))
	req.Header.Set("X-Auth-Token", "tok-live-123")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "tok-live-123") {
		t.Fatal("the caller must still get the real response body")
	}

	if len(calls) != 1 {
		t.Fatalf("observed %d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.API != "bigcommerce" || c.Method != "POST" || c.Path != "/v3/customers" || c.Status != 200 {
		t.Fatalf("call = %+v", c)
	}
	all := c.URL + strings.Join(c.RequestHeader.Values("X-Auth-Token"), "") + string(c.RequestBody) + string(c.ResponseBody) + strings.Join(c.ResponseHeader.Values("Set-Cookie"), "")
	for _, secret := range []string{"tok-live-123", "hunter22", "session=abc"} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q leaked into the call record: %s", secret, all)
		}
	}
	if !strings.Contains(string(c.RequestBody), "a@example.com") || !strings.Contains(c.URL, "page=2") {
		t.Errorf("non-secret data must stay visible: %s %s", c.URL, c.RequestBody)
	}
	if c.ResponseHeader.Get("X-Rate-Limit-Requests-Left") != "35" {
		t.Errorf("ordinary headers must stay visible")
	}
	if c.Duration <= 0 || c.ResponseSize != int64(len(body)) {
		t.Errorf("duration %v, size %d", c.Duration, c.ResponseSize)
	}
}

func TestTransportKeepsOnlyTheHeadOfLargeBodies(t *testing.T) {
	big := strings.Repeat("x", MaxBody*3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }))
	defer srv.Close()
	var got *Call
	client := &http.Client{Transport: &Transport{Observer: ObserverFunc(func(_ context.Context, c *Call) { got = c })}}
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if len(got.ResponseBody) != MaxBody || len(got.RequestBody) != MaxBody || !got.Truncated {
		t.Fatalf("kept %d/%d bytes, truncated=%v", len(got.RequestBody), len(got.ResponseBody), got.Truncated)
	}
	if got.ResponseSize != int64(len(big)) || got.RequestSize != int64(len(big)) {
		t.Fatalf("sizes %d/%d", got.RequestSize, got.ResponseSize)
	}
}

func TestTransportReportsFailedRoundTrips(t *testing.T) {
	var got *Call
	client := &http.Client{Transport: &Transport{Observer: ObserverFunc(func(_ context.Context, c *Call) { got = c })}}
	_, err := client.Get("http://127.0.0.1:1/unreachable")
	if err == nil {
		t.Fatal("expected an error")
	}
	if got == nil || got.Status != 0 || got.Err == "" {
		t.Fatalf("call = %+v", got)
	}
}

func TestRedactorLeavesNonJSONAlone(t *testing.T) {
	r := NewRedactor()
	in := []byte("email,token\na@b.c,xyz")
	if out := r.Bytes(in); string(out) != string(in) {
		t.Fatalf("got %q", out)
	}
	if out := r.Bytes([]byte(`{"token":`)); string(out) != `{"token":` {
		t.Fatalf("a truncated body must come back as it was, got %q", out)
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{"X-Auth-Token": true, "Authorization": true, "client_secret": true, "Password": true, "email": false, "X-Rate-Limit-Requests-Left": false, "id": false} {
		if SecretName(name) != want {
			t.Errorf("SecretName(%q) = %v", name, !want)
		}
	}
}

func TestAPIsAreNamedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range APIs {
		if a.Name == "" || a.Title == "" || seen[a.Name] {
			t.Fatalf("APIs: %+v", APIs)
		}
		seen[a.Name] = true
		if !Known(a.Name) || Title(a.Name) != a.Title {
			t.Errorf("%s: known %v, title %q", a.Name, Known(a.Name), Title(a.Name))
		}
	}
	if !seen[BigCommerce] || !seen[Dotdigital] || Title(BigCommerce) != "BigCommerce" {
		t.Fatalf("APIs: %+v", APIs)
	}
	for _, name := range []string{"", "shopify", "BigCommerce"} {
		if Known(name) || Title(name) != name {
			t.Errorf("%q: known %v, title %q", name, Known(name), Title(name))
		}
	}
}
