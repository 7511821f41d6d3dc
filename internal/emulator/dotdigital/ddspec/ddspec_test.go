package ddspec

import "testing"

// Each exception excuses its own complaint about its own operation, and nothing else.
func TestExceptionsAreNarrow(t *testing.T) {
	v2body := []byte(`{"message":"Error: ERROR_PROGRAM_NOT_ACTIVE"}`)
	unsupported := leaf{side: "response", msg: "status is not supported"}
	tests := []struct {
		name string
		ex   exchange
		l    leaf
		want string
	}{
		{"v2 error", exchange{method: "POST", path: "/v2/programs/enrolments", status: 422, respBody: v2body}, unsupported, "v2-errors-undocumented"},
		{"v2 error, other body", exchange{method: "POST", path: "/v2/programs/enrolments", status: 422, respBody: []byte(`{"error":"x"}`)}, unsupported, ""},
		{"v2 success, undocumented", exchange{method: "GET", path: "/v2/programs", status: 204}, unsupported, ""},
		{"v3 403", exchange{method: "GET", path: "/contacts/v3/email/a@b.c", status: 403, respBody: []byte(`{"message":"Forbidden: Access is denied."}`)}, unsupported, "wrong-region-403"},
		{"v3 404 undocumented", exchange{method: "GET", path: "/contacts/v3/x", status: 418, respBody: v2body}, unsupported, ""},
		{"insight record body", exchange{method: "PUT", path: "/insightData/v3/account/C/1", reqBody: []byte(`{"a":1}`)}, leaf{side: "request", msg: "/: value must be a string"}, "insight-record-body-object"},
		{"insight record body not an object", exchange{method: "PUT", path: "/insightData/v3/account/C/1", reqBody: []byte(`[1]`)}, leaf{side: "request", msg: "/: value must be a string"}, ""},
		{"insight import record", exchange{method: "PUT", path: "/insightData/v3/import", reqBody: []byte(`{"records":[{"key":"1","json":{}}]}`)},
			leaf{side: "request", msg: `/records/0: doesn't match all schemas from "allOf"`}, "insight-import-record-allOf"},
		{"insight import record with junk", exchange{method: "PUT", path: "/insightData/v3/import", reqBody: []byte(`{"records":[{"key":"1","json":{},"x":1}]}`)},
			leaf{side: "request", msg: `/records/0: doesn't match all schemas from "allOf"`}, ""},
		{"insight import record, key a number", exchange{method: "PUT", path: "/insightData/v3/import", reqBody: []byte(`{"records":[{"key":1,"json":{}}]}`)},
			leaf{side: "request", msg: `/records/0: doesn't match all schemas from "allOf"`}, ""},
		{"consent records", exchange{method: "GET", path: "/contacts/v3/email/a@b.c", respBody: []byte(`{"consentRecords":[{"text":"y","dateTimeCreated":"2024-01-01T00:00:00Z"}]}`)},
			leaf{side: "response", msg: `/consentRecords/0: doesn't match all schemas from "allOf"`}, "contact-consent-records-allOf"},
		{"consent records with junk", exchange{method: "GET", path: "/contacts/v3/email/a@b.c", respBody: []byte(`{"consentRecords":[{"text":"y","dateTimeCreated":"2024-01-01T00:00:00Z","x":1}]}`)},
			leaf{side: "response", msg: `/consentRecords/0: doesn't match all schemas from "allOf"`}, ""},
		{"enrolment by id", exchange{method: "GET", path: "/v2/programs/enrolments/d7de900d-d337-43f6-b1e1-c8ec73e1a434"}, leaf{side: "response", msg: "/: value must be an array"}, "v2-enrolment-path-ambiguity"},
		{"enrolments by status", exchange{method: "GET", path: "/v2/programs/enrolments/Finished"}, leaf{side: "response", msg: "/: value must be an array"}, ""},
		{"enrolments by status read as one", exchange{method: "GET", path: "/v2/programs/enrolments/Finished"}, leaf{side: "response", msg: "/: value must be an object"}, "v2-enrolment-path-ambiguity"},
		{"an unknown status read as one", exchange{method: "GET", path: "/v2/programs/enrolments/Done"}, leaf{side: "response", msg: "/: value must be an object"}, ""},
		{"413", exchange{method: "PUT", path: "/contacts/v3/import", status: 413, respBody: []byte(`{"errorCode":"contacts:requestTooLarge","description":"big"}`)}, unsupported, "body-limit-413"},
		{"412 on import", exchange{method: "PUT", path: "/insightData/v3/import", status: 412, respBody: []byte(`{"errorCode":"insightData:collectionLimitExceeded","description":"1000"}`)}, unsupported, "insight-import-collection-limit-412"},
		{"412 elsewhere", exchange{method: "PUT", path: "/contacts/v3/import", status: 412, respBody: []byte(`{"errorCode":"x","description":"y"}`)}, unsupported, ""},
	}
	for _, tt := range tests {
		ex := tt.ex
		ex.memo = map[string]bool{}
		if got := excuse(&ex, tt.l); got != tt.want {
			t.Errorf("%s: excused by %q, want %q", tt.name, got, tt.want)
		}
	}
}
