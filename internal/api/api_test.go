package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/api"
	"github.com/bcsync/bcsync/internal/app/apptest"
	"github.com/bcsync/bcsync/internal/store"
)

// client calls the API of one test's bcsync.
type client struct {
	t     *testing.T
	env   *apptest.Env
	url   string
	token string
}

func newClient(t *testing.T) *client { return newClientOf(t, apptest.New(t)) }

func newClientOf(t *testing.T, env *apptest.Env) *client {
	srv := httptest.NewServer(api.New(env.Services, env.Services.Auth))
	t.Cleanup(srv.Close)
	return &client{t: t, env: env, url: srv.URL, token: env.Token}
}

// call sends a request and decodes a JSON answer into a map (or returns the raw body).
func (c *client) call(method, path string, body any) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	} else {
		out["raw"] = string(raw)
	}
	return resp.StatusCode, out, resp.Header
}

// must calls and fails unless the status is want.
func (c *client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	status, out, _ := c.call(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s = %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func (c *client) connect() int64 {
	c.t.Helper()
	in := c.env.ConnectInput()
	out := c.must(http.StatusCreated, "POST", "/api/v1/connections", map[string]string{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken,
		"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint,
	})
	return int64(out["id"].(float64))
}

func TestRequestsWithoutAValidTokenAreRefused(t *testing.T) {
	c := newClient(t)
	for _, token := range []string{"", "bcs_not-a-token", "not even the prefix", c.env.Token + "x"} {
		c.token = token
		status, out, h := c.call("GET", "/api/v1/connections", nil)
		if status != http.StatusUnauthorized || out["code"] != "unauthorized" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %v %q", token, status, out, h.Get("WWW-Authenticate"))
		}
	}
	// A session cookie is not a token: the API has no ambient credentials, so it needs no CSRF defence.
	req, _ := http.NewRequest("GET", c.url+"/api/v1/connections", nil)
	req.AddCookie(&http.Cookie{Name: "bcsync_session", Value: "anything"})
	resp, _ := http.DefaultClient.Do(req)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a cookie opened the API: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestUnknownEndpointsAnswerJSON404(t *testing.T) {
	c := newClient(t)
	status, out, _ := c.call("GET", "/api/v1/nothing-here", nil)
	if status != http.StatusNotFound || out["code"] != "not_found" {
		t.Fatalf("%d %v", status, out)
	}
	if status, out, _ := c.call("GET", "/api/v1/connections/999", nil); status != http.StatusNotFound || out["code"] != "not_found" {
		t.Fatalf("missing connection: %d %v", status, out)
	}
}

func TestAConnectionIsCreatedListedShownAndDeleted(t *testing.T) {
	c := newClient(t)
	in := c.env.ConnectInput()
	status, out, _ := c.call("POST", "/api/v1/connections", map[string]string{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": "wrong",
		"dotdigital_username": in.Dotdigital.Username, "dotdigital_password": in.Dotdigital.Password, "dotdigital_endpoint": in.Dotdigital.Endpoint,
	})
	if status != http.StatusUnprocessableEntity || out["code"] != "bigcommerce_token_refused" || out["field"] != "bigcommerce_access_token" {
		t.Fatalf("wrong token: %d %v", status, out)
	}
	status, out, _ = c.call("POST", "/api/v1/connections", map[string]string{"bigcommerce_api_path": in.BigCommerce.APIPath, "unknown": "x"})
	if status != http.StatusBadRequest || out["code"] != "bad_json" {
		t.Fatalf("unknown field: %d %v", status, out)
	}

	id := c.connect()
	list := c.must(http.StatusOK, "GET", "/api/v1/connections", nil)["connections"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["activity"] != "queued" {
		t.Fatalf("list = %v", list)
	}
	one := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d", id), nil)
	if one["subscriber_list"].(map[string]any)["name"] != "Store subscribers" || one["field_mapping"].(map[string]any)["first_name"] != "FIRSTNAME" {
		t.Fatalf("connection = %v", one)
	}
	if raw, _ := json.Marshal(one); bytes.Contains(raw, []byte(in.BigCommerce.AccessToken)) || bytes.Contains(raw, []byte(in.Dotdigital.Password)) {
		t.Fatal("a connection shows its credentials")
	}
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/connections/%d", id), nil)
	c.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/connections/%d", id), nil)
}

func TestSettingsArePatchedAndRefusalsSayWhy(t *testing.T) {
	c := newClient(t)
	id := c.connect()
	path := fmt.Sprintf("/api/v1/connections/%d/settings", id)
	if out := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d", id), nil); out["write_back_removals"] != false || out["unsubscribed_in_dotdigital"] != 0.0 {
		t.Fatalf("before patch: write_back_removals %v, unsubscribed_in_dotdigital %v", out["write_back_removals"], out["unsubscribed_in_dotdigital"])
	}
	out := c.must(http.StatusOK, "PATCH", path, map[string]any{"customer_list": "Customers", "interval_s": 600, "data_sync": false, "write_back_removals": true})
	if out["customer_list"].(map[string]any)["name"] != "Customers" || out["interval_s"] != 600.0 || out["data_sync"] != false || out["write_back_removals"] != true {
		t.Fatalf("after patch: %v", out)
	}
	cases := []struct {
		body       map[string]any
		status     int
		code, says string
	}{
		{map[string]any{"customer_list": "Store subscribers"}, 422, "same_list", "cannot sync to the same list"},
		{map[string]any{"customer_list": "No such list"}, 422, "invalid_setting", "no list named"},
		{map[string]any{"subscriber_list": "Test"}, 422, "invalid_setting", "Dotdigital's own"},
		{map[string]any{"customer_list": 987654}, 422, "invalid_setting", "no list with id"},
		{map[string]any{"new_customer_program": 987654}, 422, "invalid_setting", "no programme"},
		{map[string]any{"interval_s": 5}, 422, "invalid_setting", "at least"},
		{map[string]any{"customer_list": true}, 400, "bad_parameter", "a list's name"},
		{map[string]any{"datasync": true}, 400, "bad_json", "unknown field"},
	}
	for _, cs := range cases {
		status, out, _ := c.call("PATCH", path, cs.body)
		if status != cs.status || out["code"] != cs.code || !strings.Contains(fmt.Sprint(out["error"]), cs.says) {
			t.Errorf("%v: %d %v", cs.body, status, out)
		}
	}
	// A list by id, and none.
	account := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d/account", id), nil)
	var vipID float64
	for _, l := range account["lists"].([]any) {
		if l.(map[string]any)["name"] == "VIP customers" {
			vipID = l.(map[string]any)["id"].(float64)
		}
	}
	if out := c.must(http.StatusOK, "PATCH", path, map[string]any{"customer_list": vipID}); out["customer_list"].(map[string]any)["name"] != "VIP customers" {
		t.Fatalf("list by id: %v", out)
	}
	if out := c.must(http.StatusOK, "PATCH", path, map[string]any{"customer_list": "none"}); out["customer_list"] != nil {
		t.Fatalf("no customer list: %v", out)
	}
}

func TestTheAccountOffersWritableListsProgrammesAndDataFields(t *testing.T) {
	c := newClient(t)
	id := c.connect()
	out := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/connections/%d/account", id), nil)
	lists := fmt.Sprint(out["lists"])
	if !strings.Contains(lists, "Customers") || strings.Contains(lists, "name:Test]") {
		t.Fatalf("lists = %s", lists)
	}
	if !strings.Contains(fmt.Sprint(out["programs"]), "status:Draft") || !strings.Contains(fmt.Sprint(out["data_fields"]), "LOYALTY_POINTS") {
		t.Fatalf("account = %v", out)
	}
	fields := c.must(http.StatusOK, "GET", "/api/v1/fields", nil)["fields"].([]any)
	if len(fields) < 30 || fields[0].(map[string]any)["key"] != "first_name" {
		t.Fatalf("fields = %v", fields)
	}
}

func TestTheMappingIsReplacedWhole(t *testing.T) {
	c := newClient(t)
	id := c.connect()
	path := fmt.Sprintf("/api/v1/connections/%d/mapping", id)
	before := c.must(http.StatusOK, "GET", path, nil)["mappings"].([]any)
	if len(before) != 4 {
		t.Fatalf("default mapping = %v", before)
	}
	out := c.must(http.StatusOK, "PUT", path, map[string]any{"mappings": []map[string]string{
		{"source": "first_name", "data_field": "FIRSTNAME"}, {"source": "total_spend", "data_field": "loyalty_points"},
	}})
	got := fmt.Sprint(out["mappings"])
	if !strings.Contains(got, "data_field:LOYALTY_POINTS data_field_type:Numeric source:total_spend") || strings.Contains(got, "last_name") {
		t.Fatalf("mapping = %s", got)
	}
	status, problem, _ := c.call("PUT", path, map[string]any{"mappings": []map[string]string{{"source": "date_created", "data_field": "VIP"}}})
	if status != 422 || problem["code"] != "invalid_mapping" || problem["field"] != "date_created" {
		t.Fatalf("incompatible: %d %v", status, problem)
	}
	status, problem, _ = c.call("PUT", path, map[string]any{"mappings": []map[string]string{{"source": "first_name", "data_field": "A"}, {"source": "first_name", "data_field": "B"}}})
	if status != 400 {
		t.Fatalf("a field mapped twice: %d %v", status, problem)
	}
}

func TestSyncNowIsQueuedOnceAndNotWhileDataSyncIsOff(t *testing.T) {
	c := newClient(t)
	id := c.connect() // its first sync is queued (no worker runs in this test)
	status, out, _ := c.call("POST", fmt.Sprintf("/api/v1/connections/%d/sync", id), nil)
	if status != http.StatusConflict || out["code"] != "already_queued" {
		t.Fatalf("second sync: %d %v", status, out)
	}
	if err := c.env.Services.Queue.Cancel(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	c.must(http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/connections/%d/sync", id), nil)
	c.env.Services.Queue.Cancel(context.Background(), id)
	c.must(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/connections/%d/settings", id), map[string]any{"data_sync": false})
	status, out, _ = c.call("POST", fmt.Sprintf("/api/v1/connections/%d/sync", id), nil)
	if status != http.StatusConflict || out["code"] != "data_sync_off" {
		t.Fatalf("data sync off: %d %v", status, out)
	}
}

// seedHistory records three runs, rejected records and API calls for a connection.
func seedHistory(t *testing.T, s *store.Store, connID int64) []*store.Run {
	ctx := context.Background()
	var runs []*store.Run
	for i := range 3 {
		r, err := s.StartRun(ctx, connID, "schedule", []string{"customers"})
		if err != nil {
			t.Fatal(err)
		}
		s.SaveStreamCounts(ctx, r.ID, store.StreamCounts{Stream: "customers", State: "done", Read: 10, Sent: 9, Rejected: 1, Total: 10})
		s.AddRejected(ctx, []store.Rejected{{SyncID: connID, RunID: r.ID, Stream: "customers", Key: fmt.Sprint(100 + i),
			Email: fmt.Sprintf("bad%d@example.com", i), Reason: "InvalidEmail", Detail: "=HYPERLINK(\"x\")"}})
		s.FinishRun(ctx, r.ID, store.RunSucceeded, "")
		runs = append(runs, r)
	}
	var calls []store.APICall
	for i := range 6 {
		api, status := "bigcommerce", 200
		if i%2 == 1 {
			api, status = "dotdigital", 500
		}
		calls = append(calls, store.APICall{SyncID: connID, RunID: runs[2].ID, API: api, Method: "GET", URL: "https://api.example/v3/customers",
			Status: status, Duration: 12 * time.Millisecond, StartedAt: time.Now(), RequestHeaders: http.Header{"X-Auth-Token": {"[REDACTED]"}}, ResponseBody: `{"ok":1}`})
	}
	if err := s.AddAPICalls(ctx, calls, 100); err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestRunsRejectedRecordsAndAPICallsArePagedAndFiltered(t *testing.T) {
	c := newClient(t)
	id := c.connect()
	c.env.Services.Queue.Cancel(context.Background(), id)
	runs := seedHistory(t, c.env.Services.Store, id)
	base := fmt.Sprintf("/api/v1/connections/%d", id)

	page := c.must(http.StatusOK, "GET", base+"/runs?limit=2", nil)
	if len(page["runs"].([]any)) != 2 || page["next_before"] == nil {
		t.Fatalf("runs page = %v", page)
	}
	next := c.must(http.StatusOK, "GET", fmt.Sprintf("%s/runs?limit=2&before=%v", base, page["next_before"]), nil)
	if len(next["runs"].([]any)) != 1 || next["next_before"] != nil {
		t.Fatalf("second runs page = %v", next)
	}
	run := c.must(http.StatusOK, "GET", fmt.Sprintf("%s/runs/%d", base, runs[0].ID), nil)
	if run["status"] != "succeeded" || run["streams"].(map[string]any)["customers"].(map[string]any)["rejected"] != 1.0 {
		t.Fatalf("run = %v", run)
	}
	// A run carries its number within the sync next to its id; the newest runs count down by one.
	if run["id"] != float64(runs[0].ID) || runs[0].Number < 1 || run["number"] != float64(runs[0].Number) {
		t.Fatalf("run %d, number %d: id %v, number %v", runs[0].ID, runs[0].Number, run["id"], run["number"])
	}
	if newest, older := page["runs"].([]any)[0].(map[string]any)["number"], page["runs"].([]any)[1].(map[string]any)["number"]; newest != float64(runs[2].Number) || older != float64(runs[1].Number) || runs[2].Number != runs[1].Number+1 {
		t.Fatalf("numbers of the newest runs: %v, %v; want %d, %d", newest, older, runs[2].Number, runs[1].Number)
	}
	c.must(http.StatusBadRequest, "GET", base+"/runs?limit=0", nil)

	rej := c.must(http.StatusOK, "GET", base+"/rejected?q=BAD1@", nil)["rejected"].([]any)
	if len(rej) != 1 || rej[0].(map[string]any)["key"] != "101" {
		t.Fatalf("search by email = %v", rej)
	}
	if rej := c.must(http.StatusOK, "GET", base+"/rejected?q=102", nil)["rejected"].([]any); len(rej) != 1 {
		t.Fatalf("search by id = %v", rej)
	}
	csv := c.must(http.StatusOK, "GET", base+"/rejected?format=csv", nil)["raw"].(string)
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "id,run_id,stream,key,email,reason,detail") ||
		!strings.Contains(csv, `'=HYPERLINK`) {
		t.Fatalf("CSV =\n%s", csv)
	}

	calls := c.must(http.StatusOK, "GET", base+"/calls?api=dotdigital&status=5xx", nil)["calls"].([]any)
	if len(calls) != 3 || calls[0].(map[string]any)["response_body"] != nil {
		t.Fatalf("filtered calls = %v", calls)
	}
	newest := calls[0].(map[string]any)["id"].(float64)
	if after := c.must(http.StatusOK, "GET", fmt.Sprintf("%s/calls?after=%v", base, newest-2), nil)["calls"].([]any); len(after) != 2 {
		t.Fatalf("calls after = %v", after)
	}
	one := c.must(http.StatusOK, "GET", fmt.Sprintf("%s/calls/%v", base, newest), nil)
	if one["response_body"] != `{"ok":1}` || fmt.Sprint(one["request_headers"]) != "map[X-Auth-Token:[[REDACTED]]]" {
		t.Fatalf("call = %v", one)
	}
	c.must(http.StatusBadRequest, "GET", base+"/calls?status=teapot", nil)
	if p := c.must(http.StatusBadRequest, "GET", base+"/calls?api=shopify", nil); p["error"] != "api: bigcommerce, dotdigital, slack, pagerduty, twilio, email or webhook" {
		t.Fatalf("?api=shopify: %v", p)
	}

	// Another connection's run is not this one's.
	other, _ := c.env.Services.Store.StartRun(context.Background(), id, "manual", nil)
	c.env.Services.Store.DeleteSync(context.Background(), id)
	c.must(http.StatusNotFound, "GET", fmt.Sprintf("%s/runs/%d", base, other.ID), nil)
}

func TestAPITokensAreCreatedListedAndRevoked(t *testing.T) {
	c := newClient(t)
	status, out, _ := c.call("POST", "/api/v1/tokens", map[string]string{"name": " "})
	if status != 422 || out["field"] != "name" {
		t.Fatalf("nameless token: %d %v", status, out)
	}
	made := c.must(http.StatusCreated, "POST", "/api/v1/tokens", map[string]string{"name": "ci"})
	token := made["token"].(string)
	list := c.must(http.StatusOK, "GET", "/api/v1/tokens", nil)["tokens"].([]any)
	if len(list) != 2 || strings.Contains(fmt.Sprint(list), token) {
		t.Fatalf("tokens = %v", list)
	}
	c.token = token
	c.must(http.StatusOK, "GET", "/api/v1/connections", nil)
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/tokens/%v", made["id"]), nil)
	c.must(http.StatusUnauthorized, "GET", "/api/v1/connections", nil)
}
