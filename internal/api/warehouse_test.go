package api_test

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app/apptest"
)

// warehouseFile is an SQLite warehouse of five people, two of them sharing an email.
func warehouseFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dwh.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, first TEXT, last TEXT, tier TEXT)`,
		`INSERT INTO people VALUES (1, 'ann@example.com', 'Ann', 'A', 'Gold'), (2, 'ben@example.com', 'Ben', 'B', 'Silver'),
			(3, 'cy@example.com', 'Cy', 'C', NULL), (4, 'same@example.com', 'Di', 'D', 'Gold'), (5, 'same@example.com', 'Ed', 'E', 'Gold')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func id(out map[string]any) int64 { return int64(out["id"].(float64)) }

// A warehouse sync through the API: a source (its password never shown) tested, a model previewed,
// a mapping refused with its problems, then saved; a plan that writes nothing; a run queued and
// carried out; its rejected row exported as CSV with the request and the response; its calls in the
// debugger; one row tested; what is in use cannot be removed.
func TestAWarehouseSyncIsSetUpPlannedRunAndInspectedOverTheAPI(t *testing.T) {
	c := newClientOf(t, apptest.NewWorking(t))
	in := c.env.ConnectInput()
	storeID := id(c.must(http.StatusCreated, "POST", "/api/v1/stores", map[string]any{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken}))

	fields := fmt.Sprint(c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/warehouse/fields?object=customers&store=%d", storeID), nil)["fields"])
	if !strings.Contains(fields, "key:first_name") || !strings.Contains(fields, "key:attribute:") {
		t.Fatalf("customer fields of the store: %s", fields)
	}
	if status, out, _ := c.call("GET", "/api/v1/warehouse/fields?object=boats", nil); status != http.StatusUnprocessableEntity || out["field"] != "object" {
		t.Fatalf("fields of boats: %d %v", status, out)
	}

	secret := c.must(http.StatusCreated, "POST", "/api/v1/warehouse/sources", map[string]any{"name": "pg", "url": "postgres://reader:s3cret-pw@127.0.0.1:1/dwh"})
	if raw := fmt.Sprint(secret); strings.Contains(raw, "s3cret-pw") || !strings.Contains(raw, "reader") {
		t.Fatalf("a source shows its password: %v", secret)
	}
	if status, out, _ := c.call("POST", "/api/v1/warehouse/sources", map[string]any{"name": "x", "url": "oracle://db"}); status != http.StatusUnprocessableEntity || out["field"] != "url" {
		t.Fatalf("an unknown kind of source: %d %v", status, out)
	}
	src := id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/sources", map[string]any{"name": "dwh", "url": "sqlite:" + warehouseFile(t)}))
	if test := c.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/warehouse/sources/%d/test", src), nil); test["ok"] != true {
		t.Fatalf("source test = %v", test)
	}
	if test := c.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/warehouse/sources/%d/test", id(secret)), nil); test["ok"] != false || test["message"] == "" {
		t.Fatalf("a source that cannot be reached = %v", test)
	}

	model := id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/models", map[string]any{"name": "People", "source_id": src, "table": "people", "primary_key": "id"}))
	preview := c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/warehouse/models/%d/preview?rows=2&check=1", model), nil)
	if len(preview["rows"].([]any)) != 2 || preview["total"] != 5.0 || len(preview["columns"].([]any)) != 5 {
		t.Fatalf("preview = %v", preview)
	}

	body := map[string]any{"name": "People", "store_id": storeID, "model_id": model, "object": "customers", "mode": "upsert",
		"match":    map[string]any{"column": "email", "field": "email"},
		"mappings": []map[string]any{{"column": "first", "field": "first_name"}, {"column": "last", "field": "last_name"}, {"column": "tier", "field": "store_credit"}}}
	status, out, _ := c.call("POST", "/api/v1/warehouse/syncs", body)
	problems, _ := out["problems"].([]any)
	if status != http.StatusUnprocessableEntity || out["code"] != "invalid_mapping" || len(problems) != 1 ||
		problems[0].(map[string]any)["mapping"] != 2.0 || !strings.Contains(fmt.Sprint(problems[0]), "store_credit") {
		t.Fatalf("a text column to a money field: %d %v", status, out)
	}
	body["mappings"].([]map[string]any)[2]["field"] = "company"
	sync := id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/syncs", body))
	base := fmt.Sprintf("/api/v1/warehouse/syncs/%d", sync)

	before := c.env.BC.Stats().Total
	plan := c.must(http.StatusOK, "POST", base+"/plan", nil)
	if plan["adds"] != 3.0 || plan["invalid"] != 2.0 || plan["blocked"] != false {
		t.Fatalf("plan = %v", plan)
	}
	for op, n := range c.env.BC.Stats().Requests {
		if !strings.HasPrefix(op, "GET ") && n > 0 && c.env.BC.Stats().Total > before {
			t.Fatalf("the plan wrote: %s", op)
		}
	}

	c.must(http.StatusAccepted, "POST", base+"/run", nil)
	var run map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		runs := c.must(http.StatusOK, "GET", base+"/runs", nil)["runs"].([]any)
		if len(runs) > 0 && runs[0].(map[string]any)["status"] != "running" {
			run = runs[0].(map[string]any)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not end: %v", runs)
		}
	}
	if run["status"] != "partial" || run["streams"].(map[string]any)["add"].(map[string]any)["sent"] != 3.0 {
		t.Fatalf("run = %v", run)
	}

	raw := c.must(http.StatusOK, "GET", base+"/rejected?format=csv", nil)["raw"].(string)
	rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "id,run_id,stream,key,email,reason,detail,rejected_at,request,response" {
		t.Fatalf("CSV (%v):\n%s", err, raw)
	}
	if rej := c.must(http.StatusOK, "GET", base+"/rejected?q=4", nil)["rejected"].([]any); len(rej) != 1 || !strings.Contains(fmt.Sprint(rej[0]), "more than one row") {
		t.Fatalf("rejected row 4 = %v", rej)
	}

	c.env.Services.Recorder.Flush() // the recorder writes calls in the background
	calls := c.must(http.StatusOK, "GET", base+"/calls", nil)["calls"].([]any)
	if len(calls) == 0 || !strings.Contains(fmt.Sprint(calls), "/v3/customers") {
		t.Fatalf("calls = %v", calls)
	}

	tested := c.must(http.StatusOK, "POST", base+"/test", map[string]any{"key": "3"})
	if tested["status"] == "" || tested["key"] != "3" {
		t.Fatalf("test row = %v", tested)
	}
	if status, out, _ := c.call("POST", base+"/test", map[string]any{"key": "999"}); status < 400 {
		t.Fatalf("testing a key the model has not: %d %v", status, out)
	}
	if status, out, _ := c.call("POST", base+"/approve", nil); status != http.StatusConflict || out["code"] != "nothing_to_approve" {
		t.Fatalf("approving nothing: %d %v", status, out)
	}

	if status, out, _ := c.call("DELETE", fmt.Sprintf("/api/v1/warehouse/models/%d", model), nil); status != http.StatusConflict || out["code"] != "in_use" {
		t.Fatalf("removing a model in use: %d %v", status, out)
	}
	c.must(http.StatusNoContent, "DELETE", base, nil)
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/warehouse/models/%d", model), nil)
	c.must(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/warehouse/sources/%d", src), nil)
	c.must(http.StatusNotFound, "GET", base, nil)
}

// A warehouse sync is changed with PUT, checked as a new one is: a refused mapping is a 422 naming
// its index and changes nothing; another store, model or object is refused; the change is answered.
func TestAWarehouseSyncIsChangedOverTheAPI(t *testing.T) {
	c := newClientOf(t, apptest.New(t))
	in := c.env.ConnectInput()
	storeID := id(c.must(http.StatusCreated, "POST", "/api/v1/stores", map[string]any{
		"bigcommerce_api_path": in.BigCommerce.APIPath, "bigcommerce_access_token": in.BigCommerce.AccessToken}))
	src := id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/sources", map[string]any{"name": "dwh", "url": "sqlite:" + warehouseFile(t)}))
	model := id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/models", map[string]any{"name": "People", "source_id": src, "table": "people", "primary_key": "id"}))
	body := map[string]any{"name": "People", "store_id": storeID, "model_id": model, "object": "customers", "mode": "upsert",
		"match":    map[string]any{"column": "email", "field": "email"},
		"mappings": []map[string]any{{"column": "first", "field": "first_name"}, {"column": "last", "field": "last_name"}}}
	base := fmt.Sprintf("/api/v1/warehouse/syncs/%d", id(c.must(http.StatusCreated, "POST", "/api/v1/warehouse/syncs", body)))

	body["mappings"] = []map[string]any{{"column": "first", "field": "first_name"}, {"column": "last", "field": "last_name"}, {"column": "tier", "field": "store_credit"}}
	status, out, _ := c.call("PUT", base, body)
	if problems, _ := out["problems"].([]any); status != http.StatusUnprocessableEntity || len(problems) != 1 || problems[0].(map[string]any)["mapping"] != 2.0 {
		t.Fatalf("a text column to store credit: %d %v", status, out)
	}
	if got := c.must(http.StatusOK, "GET", base, nil); strings.Contains(fmt.Sprint(got["mappings"]), "store_credit") {
		t.Fatalf("a refused change was saved: %v", got["mappings"])
	}
	body["object"] = "orders"
	if status, out, _ := c.call("PUT", base, body); status != http.StatusUnprocessableEntity || out["field"] != "object" {
		t.Fatalf("another object: %d %v", status, out)
	}
	body["object"] = "customers"
	body["mappings"] = []map[string]any{{"column": "first", "field": "first_name"}, {"column": "last", "field": "last_name"}, {"column": "tier", "field": "company"}}
	body["delete"], body["schedule"], body["guard_remove_share"] = "clear", "cron:0 3 * * *", 0.2
	got := c.must(http.StatusOK, "PUT", base, body)
	if got["delete"] != "clear" || got["schedule"] != "cron:0 3 * * *" || got["guard_remove_share"] != 0.2 || got["next_run_at"] == nil ||
		!strings.Contains(fmt.Sprint(got["mappings"]), "company") {
		t.Fatalf("changed: %v", got)
	}
}
