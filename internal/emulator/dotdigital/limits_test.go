package dotdigital

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// repeat is an endless reader of one byte, so a 50 MB body never sits in memory.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// Bodies are limited to 50 MB: a larger one is refused with 413 before it is read (declared length) or
// as soon as it passes the limit (chunked).
func TestBodyLimit(t *testing.T) {
	b := setup(t, Config{})
	req, _ := http.NewRequest("PUT", b.url+"/contacts/v3/import", io.LimitReader(repeat(' '), DefaultMaxBodyBytes+1))
	req.ContentLength = DefaultMaxBodyBytes + 1
	req.SetBasicAuth(b.srv.Username(), b.srv.Password())
	resp, err := b.raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || v3err(t, body) != "contacts:requestTooLarge" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	small := setup(t, Config{MaxBodyBytes: 1000})
	req, _ = http.NewRequest("PUT", small.url+"/insightData/v3/import", io.MultiReader(strings.NewReader(`{"records":[`), io.LimitReader(repeat(' '), 5000)))
	req.SetBasicAuth(small.srv.Username(), small.srv.Password())
	resp, err = small.raw.Do(req) // no Content-Length: chunked
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || v3err(t, body) != "insightData:requestTooLarge" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	b.ok("GET", "/v2/account-info", nil, 200, nil)
	small.ok("GET", "/v2/account-info", nil, 200, nil)
}

// At most 25 contact imports and 5 Insight imports are active at once; one more is refused with 429 and
// the documented error code, and accepted again once an import has finished.
func TestActiveImportLimits(t *testing.T) {
	b := setup(t, Config{ImportDelay: time.Hour})
	contact := map[string]any{"contacts": []map[string]any{{"matchIdentifier": "email", "identifiers": map[string]string{"email": "a@example.com"}}}}
	for i := range 25 {
		b.ok("PUT", "/contacts/v3/import", contact, 202, nil)
		_ = i
	}
	status, body, _ := b.call(b.api, "PUT", "/contacts/v3/import", contact)
	if status != 429 || v3err(t, body) != "contacts:tooManyActiveImports" {
		t.Fatalf("26th contact import: %d %s", status, body)
	}
	record := map[string]any{"collectionName": "Catalog_Default", "collectionScope": "account", "collectionType": "catalog",
		"records": []map[string]any{{"key": "1", "json": map[string]any{"a": 1}}}}
	for range 5 {
		b.ok("PUT", "/insightData/v3/import", record, 202, nil)
	}
	status, body, _ = b.call(b.api, "PUT", "/insightData/v3/import", record)
	if status != 429 || v3err(t, body) != "insightData:tooManyActiveImports" {
		t.Fatalf("6th Insight import: %d %s", status, body)
	}

	quick := setup(t, Config{ImportDelay: 30 * time.Millisecond, MaxInsightImports: 1})
	var acc struct{ ImportID string }
	quick.ok("PUT", "/insightData/v3/import", record, 202, &acc)
	if status, _, _ := quick.call(quick.api, "PUT", "/insightData/v3/import", record); status != 429 {
		t.Fatalf("second import while the first runs: %d", status)
	}
	quick.waitImport("/insightData/v3/import/" + acc.ImportID)
	quick.ok("PUT", "/insightData/v3/import", record, 202, nil)
}

// v2 lists take select ≤ 1000, v3 lists limit ≤ 5000.
func TestPagingLimits(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Lists: 3, Programs: 2}})
	for _, path := range []string{"/v2/address-books", "/v2/programs", "/v2/contacts/suppressed-since/2020-01-01T00:00:00Z"} {
		status, body, _ := b.call(b.api, "GET", path+"?select=1001", nil)
		if status != 400 || !strings.Contains(v2err(t, body), "ERROR_PARAMETER_INVALID") {
			t.Errorf("%s select=1001: %d %s", path, status, body)
		}
		b.ok("GET", path+"?select=1000", nil, 200, nil)
	}
	var books []apiAddressBook
	b.ok("GET", "/v2/address-books?select=2&skip=2", nil, 200, &books)
	if len(books) != 2 || books[0].Name != "Customers" {
		t.Fatalf("page %+v", books)
	}
	status, body, _ := b.call(b.raw, "GET", "/contacts/v3?limit=5001", nil)
	if status != 400 || v3err(t, body) != "contacts:invalidLimit" {
		t.Fatalf("limit=5001: %d %s", status, body)
	}
	b.ok("GET", "/contacts/v3?limit=5000", nil, 200, nil)
}

func TestAddressBookNameRules(t *testing.T) {
	b := setup(t, Config{})
	b.ok("POST", "/v2/address-books", map[string]string{"name": "Store subscribers"}, 201, nil)
	b.ok("POST", "/v2/address-books", map[string]string{"name": strings.Repeat("é", 128)}, 201, nil)
	for _, tt := range []struct{ name, code string }{
		{"STORE SUBSCRIBERS", "ERROR_ADDRESSBOOK_DUPLICATE"},
		{"Test", "ERROR_ADDRESSBOOK_DUPLICATE"},
		{"all contacts", "ERROR_ADDRESSBOOK_DUPLICATE"},
		{strings.Repeat("n", 129), "ERROR_ADDRESSBOOK_INVALID"},
		{"  ", "ERROR_ADDRESSBOOK_INVALID"},
	} {
		status, body, _ := b.call(b.api, "POST", "/v2/address-books", map[string]string{"name": tt.name})
		if status != 400 || !strings.HasSuffix(v2err(t, body), tt.code) {
			t.Errorf("%.20q: %d %s", tt.name, status, body)
		}
	}
}

func TestDataFieldNameRules(t *testing.T) {
	b := setup(t, Config{})
	b.ok("POST", "/v2/data-fields", map[string]any{"name": "Twenty_Chars-ABCDEFG", "type": "String"}, 201, nil)
	for _, tt := range []struct {
		name, typ, code string
	}{
		{"TWENTY_CHARS-abcdefg", "String", "ERROR_NON_UNIQUE_DATAFIELD"},
		{"firstname", "String", "ERROR_NON_UNIQUE_DATAFIELD"},
		{"TWENTY_ONE_CHARACTERS", "String", "ERROR_DATAFIELD_INVALID"},
		{"NO SPACES", "String", "ERROR_DATAFIELD_INVALID"},
		{"NO.DOTS", "String", "ERROR_DATAFIELD_INVALID"},
		{"PRICE", "Money", "ERROR_DATAFIELD_INVALID"},
	} {
		status, body, _ := b.call(b.raw, "POST", "/v2/data-fields", map[string]any{"name": tt.name, "type": tt.typ})
		if status != 400 || !strings.HasSuffix(v2err(t, body), tt.code) {
			t.Errorf("%s %s: %d %s", tt.name, tt.typ, status, body)
		}
	}
	var fields []dataField
	b.ok("GET", "/v2/data-fields", nil, 200, &fields)
	if len(fields) != 6 || fields[5].Name != "TWENTY_CHARS-ABCDEFG" {
		t.Fatalf("fields %+v", fields)
	}
}

// Collection names follow ^[-A-Za-z_][-A-Za-z0-9_]{1,255}$ and an account holds at most 1000 collections.
func TestCollectionRules(t *testing.T) {
	b := setup(t, Config{})
	for _, name := range []string{"1stOrders", "My orders", "A", strings.Repeat("c", 256), "Ordérs"} {
		body := map[string]any{"collectionName": name, "collectionScope": "account", "collectionType": "custom",
			"records": []map[string]any{{"key": "1", "json": map[string]any{}}}}
		status, resp, _ := b.call(b.raw, "PUT", "/insightData/v3/import", body)
		if status != 400 || v3err(t, resp) != "insightData:invalidId" {
			t.Errorf("%.20q: %d %s", name, status, resp)
		}
	}
	for i := range 1000 {
		b.ok("POST", fmt.Sprintf("/insightData/v3/collections/C_%04d?collectionScope=account&collectionType=custom", i), nil, 201, nil)
	}
	b.ok("POST", "/insightData/v3/collections/C_0001?collectionScope=account&collectionType=custom", nil, 200, nil)
	status, body, _ := b.call(b.api, "POST", "/insightData/v3/collections/One_more?collectionScope=account&collectionType=custom", nil)
	if status != 412 || v3err(t, body) != "insightData:collectionLimitExceeded" {
		t.Fatalf("1001st collection: %d %s", status, body)
	}
	status, body, _ = b.call(b.api, "PUT", "/insightData/v3/import", map[string]any{"collectionName": "One_more", "collectionScope": "account",
		"collectionType": "custom", "records": []map[string]any{{"key": "1", "json": map[string]any{}}}})
	if status != 412 {
		t.Fatalf("import into a 1001st collection: %d %s", status, body)
	}
	var colls []collectionSummary
	b.ok("GET", "/insightData/v3/collections", nil, 200, &colls)
	if len(colls) != 1000 {
		t.Fatalf("%d collections", len(colls))
	}
}

// A contact takes at most 100 lists and 5 consent records per write: in an import the contact fails with
// ApiSchemaViolation, in a single upsert the call fails.
func TestContactLimits(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Lists: 101}})
	lists := make([]int, 101)
	for i := range lists {
		lists[i] = 101 + i
	}
	cr := map[string]any{"text": "yes", "dateTimeConsented": "2024-01-01T00:00:00Z", "url": "https://x.example/", "ipAddress": "192.0.2.1", "userAgent": "ua"}
	six := []any{cr, cr, cr, cr, cr, cr}
	var acc struct{ ImportID string }
	status, body, _ := b.call(b.raw, "PUT", "/contacts/v3/import", map[string]any{"contacts": []map[string]any{
		{"matchIdentifier": "email", "identifiers": map[string]string{"email": "lists@example.com"}, "lists": lists},
		{"matchIdentifier": "email", "identifiers": map[string]string{"email": "consent@example.com"}, "consentRecords": six},
		{"matchIdentifier": "email", "identifiers": map[string]string{"email": "ok@example.com"}, "lists": lists[:100], "consentRecords": six[:5]},
	}})
	if status != 202 {
		t.Fatalf("%d %s", status, body)
	}
	if err := json.Unmarshal(body, &acc); err != nil {
		t.Fatal(err)
	}
	report := b.waitImport("/contacts/v3/import/" + acc.ImportID)
	failures := report["failures"].([]any)
	if len(failures) != 2 || report["summary"].(map[string]any)["newContacts"] != 1.0 {
		t.Fatalf("report %v", report)
	}
	for _, f := range failures {
		if code := f.(map[string]any)["failures"].([]any)[0].(map[string]any)["failureCode"]; code != "ApiSchemaViolation" {
			t.Errorf("failure %v", f)
		}
	}
	if v, _ := b.srv.Contact("ok@example.com"); len(v.Lists) != 100 || v.Consent != 5 {
		t.Fatalf("ok contact %+v", v)
	}
	status, body, _ = b.call(b.raw, "PATCH", "/contacts/v3/email/consent@example.com", map[string]any{"consentRecords": six})
	if status != 400 || v3err(t, body) != "contacts:invalidContacts" {
		t.Fatalf("PATCH: %d %s", status, body)
	}
}
