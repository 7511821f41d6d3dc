package dotdigital

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/emulator"
)

func TestAuthentication(t *testing.T) {
	b := setup(t, Config{Username: "apiuser-x@apiconnector.com", Password: "pa55-word"})
	for _, auth := range [][2]string{{"", ""}, {"apiuser-x@apiconnector.com", "wrong"}, {"someone@apiconnector.com", "pa55-word"}} {
		for _, path := range []string{"/v2/account-info", "/contacts/v3/email/a@example.com"} {
			req, _ := http.NewRequest("GET", b.url+path, nil)
			if auth[0] != "" {
				req.SetBasicAuth(auth[0], auth[1])
			}
			resp, err := b.raw.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(body), "Authorization has been denied") {
				t.Errorf("%v %s: %d %s", auth, path, resp.StatusCode, body)
			}
		}
	}
	b.ok("GET", "/v2/account-info", nil, 200, nil)
}

// Each account's id in account-info comes from its API user: accounts of different users differ, and an
// account keeps its id when the emulator starts again.
func TestAccountIDsDifferByAPIUserAndStay(t *testing.T) {
	id := func(user string) int {
		var info struct{ ID int }
		setup(t, Config{Username: user}).ok("GET", "/v2/account-info", nil, 200, &info)
		if info.ID <= 0 {
			t.Fatalf("%s: account id %d", user, info.ID)
		}
		return info.ID
	}
	a, b := id("apiuser-a@apiconnector.com"), id("apiuser-b@apiconnector.com")
	if a == b {
		t.Fatalf("two API users' accounts share the id %d", a)
	}
	if again := id("apiuser-a@apiconnector.com"); again != a {
		t.Fatalf("the account's id changed from %d to %d", a, again)
	}
}

// An account outside r1: account-info answers on r1 with the regional ApiEndpoint; every other call on
// r1 is refused with 403 "Forbidden: Access is denied"; the regional endpoint serves everything.
func TestRegion(t *testing.T) {
	srv, err := New(Config{Region: "r3", Data: DataSizes{Lists: 1}})
	if err != nil {
		t.Fatal(err)
	}
	r1 := httptest.NewServer(srv.Handler())
	r3 := httptest.NewServer(srv.RegionHandler())
	t.Cleanup(func() { r1.Close(); r3.Close(); srv.Close() })
	srv.SetRegionEndpoint(r3.URL + "/")
	b := &bundle{t: t, srv: srv, url: r1.URL, raw: http.DefaultClient}
	var info struct {
		Properties []apiAccountProperty
	}
	status, body, _ := b.call(b.raw, "GET", "/v2/account-info", nil)
	json.Unmarshal(body, &info)
	endpoint := ""
	for _, p := range info.Properties {
		if p.Name == "ApiEndpoint" {
			endpoint = p.Value
		}
	}
	if status != 200 || endpoint != r3.URL+"/" {
		t.Fatalf("account-info: %d %q", status, endpoint)
	}
	for _, path := range []string{"/v2/address-books", "/contacts/v3/email/a@example.com", "/insightData/v3/collections"} {
		status, body, _ := b.call(b.raw, "GET", path, nil)
		if status != 403 || v2err(t, body) != "Forbidden: Access is denied." {
			t.Errorf("%s on r1: %d %s", path, status, body)
		}
	}
	b.url = r3.URL
	if status, body, _ := b.call(b.raw, "GET", "/v2/address-books", nil); status != 200 || !strings.Contains(string(body), "Newsletter") {
		t.Fatalf("on r3: %d %s", status, body)
	}
	if _, err := New(Config{Region: "eu"}); err == nil {
		t.Fatal("an unknown region was accepted")
	}
}

// Calls count against their tier's budget per window; every answer says where the tier stands, and a
// spent budget answers 429 with the headers until the window refills.
func TestRateLimitTiers(t *testing.T) {
	b := setup(t, Config{RateLimit: "low=2/1m,high=3/1m"})
	for i := range 3 {
		_, _, h := b.call(b.api, "GET", "/v2/data-fields", nil) // High
		if h.Get("X-RateLimit-Scope") != "High" || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("call %d headers %v", i, h)
		}
		if reset, _ := strconv.Atoi(h.Get("X-RateLimit-Reset")); reset < 1 || reset > 60 {
			t.Fatalf("reset %q: seconds until the window refills", h.Get("X-RateLimit-Reset"))
		}
	}
	status, body, h := b.call(b.api, "GET", "/v2/programs", nil)
	if status != 429 || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Scope") != "High" || v2err(t, body) == "" {
		t.Fatalf("4th High call: %d %v %s", status, h, body)
	}
	// Low is counted apart; Medium is not limited.
	for range 2 {
		b.ok("GET", "/v2/contacts/suppressed-since/2020-01-01T00:00:00Z", nil, 200, nil)
	}
	if status, _, h := b.call(b.api, "GET", "/v2/contacts/unsubscribed-since/2020-01-01T00:00:00Z", nil); status != 429 || h.Get("X-RateLimit-Scope") != "Low" {
		t.Fatalf("3rd Low call: %d %v", status, h)
	}
	_, _, h = b.call(b.api, "POST", "/v2/address-books", map[string]string{"name": "Medium"})
	if h.Get("X-RateLimit-Scope") != "" {
		t.Fatalf("an unlimited tier sent headers %v", h)
	}
	if b.srv.Stats().Snapshot().Throttled != 2 {
		t.Fatalf("throttled %d", b.srv.Stats().Snapshot().Throttled)
	}
}

func TestParseRateLimit(t *testing.T) {
	for _, tt := range []struct {
		spec  string
		quota [tierCount]int // high, medium, low; -1: unlimited
		win   time.Duration
		bad   bool
	}{
		{"", [tierCount]int{5000, 2000, 1000}, time.Minute, false},
		{"off", [tierCount]int{-1, -1, -1}, 0, false},
		{"60", [tierCount]int{60, 60, 60}, time.Minute, false},
		{"10/10s", [tierCount]int{10, 10, 10}, 10 * time.Second, false},
		{"low=35/1m, Medium=100/m", [tierCount]int{-1, 100, 35}, time.Minute, false},
		{"low=35/1m,top=3", [tierCount]int{}, 0, true},
		{"low=x", [tierCount]int{}, 0, true},
		{"low=3/fortnight", [tierCount]int{}, 0, true},
	} {
		rl, err := ParseRateLimit(tt.spec)
		if (err != nil) != tt.bad {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if tt.bad {
			continue
		}
		for i, q := range tt.quota {
			w := rl.windows[i]
			if (q < 0) != (w == nil) || (w != nil && (w.Quota != q || w.Length != tt.win)) {
				t.Errorf("%q tier %s: %+v", tt.spec, tierNames[i], w)
			}
		}
	}
}

// Injected faults answer in the API's dialect; "429" carries no rate-limit headers; latency delays every
// call; the /_emulator endpoints are spared.
func TestFaultsAndLatency(t *testing.T) {
	b := setup(t, Config{Faults: "500=1"})
	status, body, _ := b.call(b.api, "GET", "/contacts/v3/email/a@example.com", nil)
	if status != 500 || v3err(t, body) == "" {
		t.Fatalf("%d %s", status, body)
	}
	status, body, _ = b.call(b.raw, "GET", "/v2/data-fields", nil)
	if status != 500 || v2err(t, body) == "" {
		t.Fatalf("%d %s", status, body)
	}
	s429, _ := New(Config{Faults: "429=1"})
	h429 := httptest.NewServer(s429.Handler())
	t.Cleanup(func() { h429.Close(); s429.Close() })
	b429 := &bundle{t: t, srv: s429, url: h429.URL, raw: http.DefaultClient}
	status, _, h := b429.call(b429.raw, "GET", "/v2/data-fields", nil)
	if status != 429 || h.Get("X-RateLimit-Reset") != "" || h.Get("X-RateLimit-Limit") != "" {
		t.Fatalf("%d %v", status, h)
	}
	if status, _, _ := b.call(b.raw, "GET", "/_emulator/stats", nil); status != 200 {
		t.Fatalf("stats under faults: %d", status)
	}
	if _, err := New(Config{Faults: "500=2"}); err == nil {
		t.Fatal("a bad fault spec was accepted")
	}
	slow := setup(t, Config{Latency: 50 * time.Millisecond})
	start := time.Now()
	slow.ok("GET", "/v2/account-info", nil, 200, nil)
	if time.Since(start) < 50*time.Millisecond {
		t.Fatalf("answered in %v", time.Since(start))
	}
	slow.ok("GET", "/v2/data-fields", nil, 200, nil)
}

func TestStatsEndpoint(t *testing.T) {
	b := setup(t, Config{})
	b.ok("GET", "/v2/data-fields", nil, 200, nil)
	b.ok("GET", "/v2/data-fields", nil, 200, nil)
	b.ok("GET", "/contacts/v3/email/a@example.com", nil, 404, nil)
	var snap emulator.Snapshot
	_, body, _ := b.call(b.raw, "GET", "/_emulator/stats", nil)
	json.Unmarshal(body, &snap)
	if snap.Requests["GET /v2/data-fields"] != 2 || snap.Requests["GET /contacts/v3/{identifier}/{value}"] != 1 || snap.Statuses["404"] != 1 || snap.Total != 3 {
		t.Fatalf("stats %+v", snap)
	}
	if status, _, _ := b.call(b.raw, "DELETE", "/_emulator/stats", nil); status != 204 || b.srv.Stats().Snapshot().Total != 0 {
		t.Fatal("reset")
	}
}

// The same seed gives the same account; the sizes are as asked.
func TestSeedIsDeterministic(t *testing.T) {
	sizes := DataSizes{Lists: 4, DataFields: 6, Contacts: 100, Unsubscribed: 10, Suppressed: 5, Programs: 7}
	view := func(seed uint64) ([]ContactView, *Server) {
		s, err := New(Config{Seed: seed, Data: sizes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		cs := s.Contacts()
		for i := range cs {
			cs[i].Updated, cs[i].RemovedAt = time.Time{}, nil // dates are relative to now
		}
		return cs, s
	}
	a, s := view(42)
	bb, _ := view(42)
	c, _ := view(43)
	if !reflect.DeepEqual(a, bb) || reflect.DeepEqual(a, c) {
		t.Fatal("seeding is not deterministic per seed")
	}
	statuses := map[string]int{}
	for _, x := range a {
		statuses[x.Status]++
		if len(x.Lists) == 0 || x.DataFields["FIRSTNAME"] == nil {
			t.Fatalf("contact %+v", x)
		}
	}
	if len(a) != 100 || statuses["Unsubscribed"] != 10 || statuses["Subscribed"] != 85 {
		t.Fatalf("statuses %v", statuses)
	}
	st := s.st
	active, draft := 0, 0
	for _, p := range st.programs {
		switch p.status {
		case "Active":
			active++
		case "Draft":
			draft++
		}
	}
	if len(st.books) != 5 || len(st.fields) != 11 || len(st.programs) != 7 || active < 2 || draft < 2 {
		t.Fatalf("books %d fields %d programs %d (active %d draft %d)", len(st.books), len(st.fields), len(st.programs), active, draft)
	}
}

func TestListenAndServe(t *testing.T) {
	for _, region := range []string{"r1", "r2"} {
		srv, err := New(Config{Region: region})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan Endpoints, 1)
		done := make(chan error, 1)
		go func() {
			done <- srv.ListenAndServe(ctx, "127.0.0.1:0", "127.0.0.1:0", func(e Endpoints) { ready <- e })
		}()
		ep := <-ready
		if (region == "r1") != (ep.R1 == ep.Regional) {
			t.Fatalf("%s: endpoints %+v", region, ep)
		}
		b := &bundle{t: t, srv: srv, url: ep.R1, raw: http.DefaultClient}
		_, body, _ := b.call(b.raw, "GET", "/v2/account-info", nil)
		if !strings.Contains(string(body), `"value":"`+ep.Regional+`/"`) {
			t.Fatalf("%s: account-info %s", region, body)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestInspectionEndpoints(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Programs: 1, Lists: 1}})
	r := b.importContacts(byEmail("ann@example.com", "lists", []int{101}))
	id := r["created"].([]any)[0].(map[string]any)["contactId"]
	b.importInsight("Catalog_Default", "account", "catalog", map[string]any{"key": "p1", "json": map[string]any{"n": 1}})
	var e apiEnrolment
	b.ok("POST", "/v2/programs/enrolments", map[string]any{"programId": 1001, "contacts": []any{id}}, 201, &e)
	deadline := time.Now().Add(10 * time.Second)
	for len(b.srv.Enrolled(1001)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for path, want := range map[string]string{
		"/_emulator/contacts?email=ANN@example.com":  `"lists":[{"id":101}]`,
		"/_emulator/contacts":                        `"email":"ann@example.com"`,
		"/_emulator/insight/catalog_default":         `"records":[{"key":"p1","json":{"n":1}}]`,
		"/_emulator/programs/1001/enrolled":          strconv.Itoa(int(id.(float64))),
		"/_emulator/imports":                         `"kind":"insight","collection":"Catalog_Default","status":"Complete"`,
		"/_emulator/contacts?email=nobody@localhost": `no such contact`,
	} {
		_, body, _ := b.call(b.raw, "GET", path, nil)
		if !strings.Contains(string(body), want) {
			t.Errorf("%s: %s", path, body)
		}
	}
}
