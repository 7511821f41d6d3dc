package dotdigital

import (
	"encoding/json"
	"strings"
	"testing"
)

// Request bodies are read as strictly as the descriptions define them: an unknown property or a value
// of the wrong type is a 400 in the path's dialect naming the property; in a contact import only the
// contact that is not of the request's shape fails (ApiSchemaViolation), and C3's enums are exact.
func TestBodiesTheAPIWouldRefuseAreRefused(t *testing.T) {
	b := setup(t, Config{})
	for _, c := range []struct {
		method, path string
		body         string
		code, item   string
	}{
		{"PUT", "/contacts/v3/import", `{"contacts":[{"matchIdentifier":"email","identifiers":{"email":"a@example.com"}}],"mergeOptions":"overwrite"}`, "contacts:badJson", "mergeOptions"},
		{"PATCH", "/contacts/v3/email/a@example.com", `{"dataFeilds":{"FIRSTNAME":"A"}}`, "contacts:badJson", "dataFeilds"},
		{"PATCH", "/contacts/v3/email/a@example.com", `{"lists":"101"}`, "contacts:badJson", "lists"},
		{"PUT", "/insightData/v3/import", `{"collectionName":"Orders","collectionScope":"account","collectionType":"orders","records":[{"key":"1","json":{},"owner":"x"}]}`, "insightData:badJson", "owner"},
		{"PUT", "/insightData/v3/import", `{"collectionName":"Orders","collectionScope":"account","collectionType":"orders","records":[]} {}`, "insightData:badJson", "body"},
	} {
		status, body, _ := b.call(b.raw, c.method, c.path, c.body)
		var e struct {
			ErrorCode string
			Details   []struct{ Item string }
		}
		if status != 400 || json.Unmarshal(body, &e) != nil || e.ErrorCode != c.code || len(e.Details) != 1 || e.Details[0].Item != c.item {
			t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, status, body)
		}
	}
	for _, c := range []struct{ path, body string }{
		{"/v2/address-books", `{"name":"Fans","visibilty":"Public"}`},
		{"/v2/data-fields", `{"name":123,"type":"String"}`},
		{"/v2/contacts/unsubscribe", `{"email":"a@example.com","reason":"spam"}`},
		{"/v2/programs/enrolments", `{"programId":1001,"contacts":[1],"contactIds":[1]}`},
	} {
		status, body, _ := b.call(b.raw, "POST", c.path, c.body)
		if status != 400 || !strings.HasSuffix(v2err(t, body), "ERROR_MALFORMED_REQUEST") {
			t.Errorf("POST %s %s: %d %s", c.path, c.body, status, body)
		}
	}

	status, body, _ := b.call(b.raw, "PUT", "/contacts/v3/import", map[string]any{"contacts": []any{
		byEmail("good@example.com", "channelProperties", map[string]any{"email": map[string]any{"status": "subscribed", "emailType": "html", "optInType": "single"}}),
		byEmail("unknown@example.com", "gender", "f"),
		byEmail("case@example.com", "channelProperties", map[string]any{"email": map[string]any{"emailType": "Html"}}),
		byEmail("nolists@example.com", "lists", []int{}),
	}})
	var acc struct{ ImportID string }
	if status != 202 || json.Unmarshal(body, &acc) != nil {
		t.Fatalf("import: %d %s", status, body)
	}
	r := b.waitImport("/contacts/v3/import/" + acc.ImportID)
	failed := map[string]string{}
	for _, f := range r["failures"].([]any) {
		f := f.(map[string]any)
		failed[f["identifiers"].(map[string]any)["email"].(string)] = f["failures"].([]any)[0].(map[string]any)["failureCode"].(string)
	}
	want := map[string]string{"unknown@example.com": "ApiSchemaViolation", "case@example.com": "ApiSchemaViolation", "nolists@example.com": "ApiSchemaViolation"}
	if summary(r, "newContacts") != 1 || summary(r, "invalidEntries") != 3 || len(failed) != 3 || failed["unknown@example.com"] != want["unknown@example.com"] ||
		failed["case@example.com"] != want["case@example.com"] || failed["nolists@example.com"] != want["nolists@example.com"] {
		t.Fatalf("import: %v", r)
	}
}
