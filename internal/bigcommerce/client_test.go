package bigcommerce

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	"github.com/bcsync/bcsync/internal/version"
)

func TestParseAPIPath(t *testing.T) {
	for _, tc := range []struct {
		in, hash string
		ok       bool
	}{
		{"https://api.bigcommerce.com/stores/abc123/", "abc123", true},
		{"https://api.bigcommerce.com/stores/abc123", "abc123", true},
		{"https://api.bigcommerce.com/stores/abc123/v3/", "abc123", true},
		{" http://127.0.0.1:8081/stores/x9/ ", "x9", true},
		{"https://api.bigcommerce.com/stores/", "", false},
		{"https://api.bigcommerce.com/abc123/", "", false},
		{"api.bigcommerce.com/stores/abc123/", "", false},
		{"https://api.bigcommerce.com/stores/ABC-1/", "", false},
		{"https://api.bigcommerce.com/stores/abc/v3/customers", "", false},
	} {
		hash, err := ParseAPIPath(tc.in)
		if (err == nil) != tc.ok || hash != tc.hash {
			t.Errorf("ParseAPIPath(%q) = %q, %v", tc.in, hash, err)
		}
	}
}

func TestNewOverridesTheBaseURL(t *testing.T) {
	c, err := New(Config{Credentials: Credentials{APIPath: "https://api.bigcommerce.com/stores/abc123/", AccessToken: "t"}, BaseURL: "http://127.0.0.1:9/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != "http://127.0.0.1:9/stores/abc123/" || c.StoreHash() != "abc123" {
		t.Fatalf("base %q hash %q", c.base, c.StoreHash())
	}
	if _, err := New(Config{Credentials: Credentials{APIPath: "https://api.bigcommerce.com/stores/abc123/"}}); err == nil {
		t.Fatal("a client without a token was built")
	}
}

func TestStoreIsTheConnectionCheck(t *testing.T) {
	s := newStore(t, bcemu.Config{}, nil)
	st, err := s.client.Store(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != s.emu.StoreHash() || st.Name == "" || !strings.HasPrefix(st.SecureURL, "https://") || st.Timezone.Name == "" || st.Currency != "USD" || st.PlanName == "" {
		t.Fatalf("store %+v", st)
	}
}

// A wrong token, a wrong hash and a missing scope each fail with their own error.
func TestConnectionErrorsAreDistinct(t *testing.T) {
	sentinels := []error{ErrUnauthorized, ErrStoreNotFound, ErrForbidden}
	for _, tc := range []struct {
		name   string
		emu    bcemu.Config
		client func(*Config)
		want   error
	}{
		{"wrong token", bcemu.Config{}, func(c *Config) { c.AccessToken = "not-the-token" }, ErrUnauthorized},
		{"wrong hash", bcemu.Config{}, func(c *Config) { c.APIPath = strings.Replace(c.APIPath, "/abc123xyz/", "/zzz999/", 1) }, ErrStoreNotFound},
		{"missing scope", bcemu.Config{Scopes: []string{"store_v2_customers"}}, nil, ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Config)
			if tc.client != nil {
				opts = append(opts, tc.client)
			}
			s := newStore(t, tc.emu, nil, opts...)
			_, err := s.client.Store(ctxT(t))
			for _, sentinel := range sentinels {
				if errors.Is(err, sentinel) != (sentinel == tc.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, !(sentinel == tc.want))
				}
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Method != http.MethodGet || !strings.HasSuffix(apiErr.Path, "/v2/store") {
				t.Fatalf("error %#v", err)
			}
			if tc.want == ErrStoreNotFound && errors.Is(err, ErrNotFound) {
				t.Error("an unknown store is not an unknown record")
			}
		})
	}
}

// Every attempt reaches the observer, with the token hidden and bcsync named in the User-Agent.
func TestObserverSeesEveryAttemptRedacted(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 300, Faults: "500=0.3", Seed: 3}, nil, func(c *Config) { c.PageSize = 20 })
	customers := readAll(t, s.client.Customers(ctxT(t), CustomerQuery{}))
	if len(customers) != 300 {
		t.Fatalf("read %d customers", len(customers))
	}
	calls := s.calls.all()
	if int64(len(calls)) != s.emu.Stats().Total || s.emu.Stats().Faults["500"] == 0 {
		t.Fatalf("observed %d calls, the store saw %d (faults %v)", len(calls), s.emu.Stats().Total, s.emu.Stats().Faults)
	}
	for _, c := range calls {
		if c.API != "bigcommerce" || c.Method != "GET" || c.Status == 0 || c.Duration <= 0 {
			t.Fatalf("call %+v", c)
		}
		if got := c.RequestHeader.Get("X-Auth-Token"); got == s.emu.AccessToken() || got == "" {
			t.Fatalf("token header %q", got)
		}
		if strings.Contains(string(c.ResponseBody)+c.URL, s.emu.AccessToken()) {
			t.Fatal("the token leaked into a call record")
		}
		if c.RequestHeader.Get("User-Agent") != version.UserAgent() {
			t.Fatalf("User-Agent %q", c.RequestHeader.Get("User-Agent"))
		}
		if c.ResponseHeader.Get("X-Rate-Limit-Requests-Quota") == "" && c.Status < 500 {
			t.Fatalf("rate-limit headers missing from %d answer", c.Status)
		}
	}
	if s.client.Requests() != len(calls) {
		t.Fatalf("client counted %d requests, observer %d", s.client.Requests(), len(calls))
	}
}

func TestAPIErrorMessages(t *testing.T) {
	v3 := parseError("POST", "/stores/x/v3/customers", 422, []byte(`{"status":422,"title":"Create customers failed.","type":"t","errors":{"email":"taken","n":3}}`))
	if v3.Title != "Create customers failed." || v3.Errors["email"] != "taken" || v3.Errors["n"] != "3" || !errors.Is(v3, ErrInvalid) {
		t.Fatalf("v3 %+v", v3)
	}
	if msg := v3.Error(); !strings.Contains(msg, "email: taken") || !strings.Contains(msg, "422") {
		t.Fatalf("message %q", msg)
	}
	v2 := parseError("PUT", "/stores/x/v2/orders/1", 400, []byte(`[{"status":400,"message":"a"},{"status":404,"message":"b"}]`))
	if len(v2.Messages) != 2 || v2.Messages[1] != "b" || !errors.Is(v2, ErrInvalid) {
		t.Fatalf("v2 %+v", v2)
	}
	text := parseError("GET", "/x", 502, []byte("<html>bad gateway</html>"))
	if len(text.Messages) != 1 || errors.Is(text, ErrInvalid) {
		t.Fatalf("text %+v", text)
	}
	if v3.NamesRecords() {
		t.Fatalf("an answer naming fields only names records: %+v", v3.Records)
	}
	named := parseError("POST", "/stores/x/v3/customers", 422, []byte(`{"status":422,"title":"JSON data is missing or invalid","type":"t",`+
		`"errors":{"0.email":"error.path.missing","[3].addresses.0.city":"error.path.missing","/7/last_name":"too long","addresses.0.city":"x"}}`))
	if !named.NamesRecords() || len(named.Records) != 3 || named.Records[0]["email"] != "error.path.missing" ||
		named.Records[3]["addresses.0.city"] == "" || named.Records[7]["last_name"] != "too long" {
		t.Fatalf("records %+v", named.Records)
	}
	if r := named.record(3); r.Errors["addresses.0.city"] == "" || len(r.Errors) != 1 || r.Status != 422 || r.NamesRecords() {
		t.Fatalf("record 3: %+v", r)
	}
	partial := parseError("POST", "/stores/x/v3/customers/metafields", 422, []byte(`{"data":[],"errors":[{"status":422,"title":"Bulk operation has failed",`+
		`"type":"t","errors":{"1":"Metafield does not exist"}}],"meta":{"total":2,"success":1,"failed":1}}`))
	if partial.Title != "Bulk operation has failed" || partial.Records[1][""] != "Metafield does not exist" || len(partial.Body) == 0 {
		t.Fatalf("partial %+v", partial)
	}
	notFound := parseError("GET", "/stores/x/v3/customers/subscribers/9", 404, []byte(`{"status":404,"title":"Subscriber not found"}`))
	if !errors.Is(notFound, ErrNotFound) || errors.Is(notFound, ErrStoreNotFound) {
		t.Fatalf("record 404 %+v", notFound)
	}
}
