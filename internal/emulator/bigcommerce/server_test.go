package bigcommerce

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/emulator"
)

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RateLimit
		ok   bool
	}{
		{"150/30s", RateLimit{150, 30 * time.Second}, true},
		{" 450 / 30s ", RateLimit{450, 30 * time.Second}, true},
		{"25/5000ms", RateLimit{25, 5 * time.Second}, true},
		{"", RateLimit{}, true},
		{"unlimited", RateLimit{}, true},
		{"150", RateLimit{}, false},
		{"0/30s", RateLimit{}, false},
		{"150/thirty", RateLimit{}, false},
		{"-1/30s", RateLimit{}, false},
	} {
		got, err := ParseRateLimit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRateLimit(%q) = %v, %v", tc.in, got, err)
		}
	}
	if s := (RateLimit{150, 30 * time.Second}).String(); s != "150/30s" {
		t.Errorf("String() = %s", s)
	}
}

// The store's hash is checked first (404), then the token (401), then the scope (403); errors come in
// the dialect of the API version.
func TestAccessChecks(t *testing.T) {
	h := start(t, Config{Customers: 3, Scopes: []string{"store_v2_customers_read_only", "store_v2_information"}})
	for _, tc := range []struct {
		method, path string
		headers      []string
		status       int
		v2           bool
	}{
		{"GET", "/stores/wrong/v3/customers", nil, 404, false},
		{"GET", "/stores/wrong/v2/store", nil, 404, true},
		{"GET", "v3/customers", []string{"X-Auth-Token", "nope"}, 401, false},
		{"GET", "v2/store", []string{"X-Auth-Token", "wrong"}, 401, true},
		{"GET", "v3/customers", []string{"X-Auth-Client", "anything"}, 200, false},
		{"POST", "v3/customers/subscribers", nil, 403, false},
		{"GET", "v2/orders", nil, 403, true},
	} {
		var body any
		if tc.method == "POST" {
			body = map[string]string{"email": "a@example.com"}
		}
		resp, b := h.do(tc.method, tc.path, body, tc.headers...)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, b)
			continue
		}
		if tc.status == 200 {
			continue
		}
		if tc.v2 {
			var e v2Error
			if json.Unmarshal(b, &e) != nil || len(e) != 1 || e[0].Status != tc.status || e[0].Message == "" {
				t.Errorf("%s %s: v2 body %s", tc.method, tc.path, b)
			}
		} else {
			var e v3Error
			if json.Unmarshal(b, &e) != nil || e.Status != tc.status || e.Title == "" || e.Type == "" {
				t.Errorf("%s %s: v3 body %s", tc.method, tc.path, b)
			}
		}
	}
}

func TestRateLimitHeadersAndThrottling(t *testing.T) {
	h := start(t, Config{Customers: 2, RateLimit: RateLimit{Quota: 3, Window: time.Minute}})
	for i, wantLeft := range []string{"2", "1", "0"} {
		resp, _ := h.do("GET", "v3/customers", nil)
		hd := resp.Header
		if resp.StatusCode != 200 || hd.Get("X-Rate-Limit-Requests-Left") != wantLeft || hd.Get("X-Rate-Limit-Requests-Quota") != "3" ||
			hd.Get("X-Rate-Limit-Time-Window-Ms") != "60000" || hd.Get("X-Rate-Limit-Time-Reset-Ms") == "" {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, hd)
		}
	}
	for _, path := range []string{"v3/customers", "v2/orders"} {
		resp, b := h.do("GET", path, nil)
		retry, _ := strconv.Atoi(resp.Header.Get("X-Retry-After"))
		reset, _ := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Time-Reset-Ms"))
		if resp.StatusCode != http.StatusTooManyRequests || retry < 1 || retry > 60 || reset < 1 || resp.Header.Get("X-Rate-Limit-Requests-Left") != "0" {
			t.Fatalf("%s over quota: %d %v", path, resp.StatusCode, resp.Header)
		}
		if (b[0] == '[') != (path == "v2/orders") {
			t.Fatalf("%s: error body in the wrong dialect: %s", path, b)
		}
	}
	if snap := h.s.Stats(); snap.Throttled != 2 || snap.Statuses["429"] != 2 {
		t.Fatalf("stats %+v", snap)
	}
}

// An unlimited store still sends the four headers, with a quota no client paces on, and refuses nothing.
func TestUnlimitedStoreSendsHeaders(t *testing.T) {
	h := start(t, Config{})
	resp, _ := h.do("GET", "v2/time", nil)
	if resp.Header.Get("X-Rate-Limit-Requests-Quota") != strconv.Itoa(unlimitedQuota) || resp.Header.Get("X-Rate-Limit-Time-Window-Ms") != "30000" {
		t.Fatalf("headers %v", resp.Header)
	}
}

func TestStatsAndFaultsSpareEmulatorEndpoints(t *testing.T) {
	h := start(t, Config{Customers: 1, Faults: "503=1"})
	for range 3 {
		if resp, _ := h.do("GET", "v3/customers", nil); resp.StatusCode != 503 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	resp, b := h.do("GET", "/_emulator/stats", nil)
	var snap emulator.Snapshot
	if resp.StatusCode != 200 || json.Unmarshal(b, &snap) != nil {
		t.Fatalf("stats: %d %s", resp.StatusCode, b)
	}
	if snap.Requests["GET /stores/{store_hash}/v3/customers"] != 3 || snap.Faults["503"] != 3 || snap.Total != 3 {
		t.Fatalf("snapshot %+v", snap)
	}
}

// The same seed and clock give the same store, byte for byte; another seed gives another.
func TestGenerationIsDeterministic(t *testing.T) {
	page := func(seed uint64, path string) []byte {
		h := start(t, Config{Seed: seed, Customers: 50, Subscribers: 50, Orders: 50, Products: 50, Now: fixedNow})
		resp, b := h.do("GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return b
	}
	for _, path := range []string{
		"v3/customers?include=addresses,attributes,formfields,storecredit&sort=date_modified:asc",
		"v3/customers/subscribers", "v2/orders?include=consignments.line_items&consignment_structure=object",
		"v3/catalog/products?include=variants,images,custom_fields",
	} {
		if !bytes.Equal(page(7, path), page(7, path)) {
			t.Errorf("%s differs between two stores of seed 7", path)
		}
		if bytes.Equal(page(7, path), page(8, path)) {
			t.Errorf("%s is the same for seeds 7 and 8", path)
		}
	}
}

func TestAPIPath(t *testing.T) {
	s, err := New(Config{StoreHash: "s1x"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.APIPath("http://127.0.0.1:8081/"); got != "http://127.0.0.1:8081/stores/s1x/" {
		t.Fatal(got)
	}
	if _, err := New(Config{StoreHash: "a/b"}); err == nil {
		t.Fatal("a store hash with a slash was accepted")
	}
	if _, err := New(Config{Faults: "teapot=1"}); err == nil {
		t.Fatal("an unknown fault was accepted")
	}
}
