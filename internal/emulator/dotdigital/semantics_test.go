package dotdigital

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

func contactImport(contacts ...map[string]any) map[string]any {
	return map[string]any{"mergeOption": "overwrite", "contacts": contacts}
}

func byEmail(email string, extra ...any) map[string]any {
	c := map[string]any{"matchIdentifier": "email", "identifiers": map[string]string{"email": email}}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

// importAndWait runs a contact import to its final status and returns the status body.
func (b *bundle) importContacts(contacts ...map[string]any) map[string]any {
	b.t.Helper()
	var acc struct{ ImportID string }
	b.ok("PUT", "/contacts/v3/import", contactImport(contacts...), 202, &acc)
	return b.waitImport("/contacts/v3/import/" + acc.ImportID)
}

func (b *bundle) importInsight(coll, scope, typ string, records ...map[string]any) map[string]any {
	b.t.Helper()
	var acc struct{ ImportID string }
	b.ok("PUT", "/insightData/v3/import", map[string]any{"collectionName": coll, "collectionScope": scope, "collectionType": typ, "records": records}, 202, &acc)
	return b.waitImport("/insightData/v3/import/" + acc.ImportID)
}

func summary(r map[string]any, key string) int {
	return int(r["summary"].(map[string]any)[key].(float64))
}

// Imports are asynchronous: accepted with an id, NotFinished (contacts) or NotStarted/Processing
// (Insight) until ImportDelay has passed, then final with the report.
func TestImportsFinishAfterTheDelay(t *testing.T) {
	b := setup(t, Config{ImportDelay: 200 * time.Millisecond})
	var acc struct{ ImportID string }
	start := time.Now()
	b.ok("PUT", "/contacts/v3/import", contactImport(byEmail("a@example.com")), 202, &acc)
	var st map[string]any
	b.ok("GET", "/contacts/v3/import/"+acc.ImportID, nil, 200, &st)
	if st["status"] != "NotFinished" || st["created"] != nil {
		t.Fatalf("right after: %v", st)
	}
	st = b.waitImport("/contacts/v3/import/" + acc.ImportID)
	if time.Since(start) < 200*time.Millisecond || st["status"] != "Finished" || summary(st, "newContacts") != 1 {
		t.Fatalf("after %v: %v", time.Since(start), st)
	}
	b.ok("PUT", "/insightData/v3/import", map[string]any{"collectionName": "Catalog_Default", "collectionScope": "account", "collectionType": "catalog",
		"records": []map[string]any{{"key": "1", "json": map[string]any{"a": 1}}}}, 202, &acc)
	b.ok("GET", "/insightData/v3/import/"+acc.ImportID, nil, 200, &st)
	if st["status"] != "NotStarted" && st["status"] != "Processing" {
		t.Fatalf("right after: %v", st)
	}
	if st = b.waitImport("/insightData/v3/import/" + acc.ImportID); st["status"] != "Complete" || st["collectionName"] != "Catalog_Default" {
		t.Fatalf("final: %v", st)
	}
	status, body, _ := b.call(b.api, "GET", "/contacts/v3/import/"+acc.ImportID, nil) // an Insight id is no contact import
	if status != 404 || v3err(t, body) != "contacts:importNotFound" {
		t.Fatalf("%d %s", status, body)
	}
}

// Contacts are keyed by email case-insensitively, and keep their ids.
func TestContactsAreKeyedByEmail(t *testing.T) {
	b := setup(t, Config{})
	r := b.importContacts(byEmail("Ann.Lee@Example.com"))
	id := r["created"].([]any)[0].(map[string]any)["contactId"]
	r = b.importContacts(byEmail("ann.lee@example.COM", "dataFields", map[string]any{"firstname": "Ann"}))
	if summary(r, "updatedContacts") != 1 || r["updated"].([]any)[0].(map[string]any)["contactId"] != id {
		t.Fatalf("re-import: %v", r)
	}
	var c v3Contact
	b.ok("GET", "/contacts/v3/email/ANN.LEE@example.com", nil, 200, &c)
	if float64(c.ContactID) != id || c.DataFields["FIRSTNAME"] != "Ann" || c.Identifiers["email"] != "Ann.Lee@Example.com" {
		t.Fatalf("contact %+v", c)
	}
	b.ok("GET", fmt.Sprintf("/contacts/v3/contactId/%d", c.ContactID), nil, 200, nil)
	r = b.importContacts(byEmail("dup@example.com"), byEmail("DUP@example.com"))
	if summary(r, "newContacts") != 1 || summary(r, "duplicateIdentifiers") != 1 ||
		r["failures"].([]any)[0].(map[string]any)["failures"].([]any)[0].(map[string]any)["failureCode"] != "duplicateIdentifier" {
		t.Fatalf("duplicate in one import: %v", r)
	}
}

// subscribedAsking is an email channel that subscribes a contact, asking one who unsubscribed to confirm
// (resubscribeWithNoChallenge false) instead of resubscribing it silently.
var subscribedAsking = map[string]any{"email": map[string]any{"status": "subscribed", "resubscribeOptions": map[string]any{"resubscribeWithNoChallenge": false}}}

// A contact who unsubscribed or is suppressed stays so when imported (or upserted) as subscribed with
// resubscribeWithNoChallenge false; it is listed by unsubscribed-since and suppressed-since with its
// date and reason; a resubscribe brings an unsubscribed contact back, never a bounced one.
func TestRemovedContactsStayRemoved(t *testing.T) {
	b := setup(t, Config{Seed: 2, Data: DataSizes{Contacts: 40, Suppressed: 6}})
	start := time.Now().UTC().Add(-time.Second)
	since := sinceURL(start)
	b.importContacts(byEmail("ann@example.com"))
	var s apiSuppression
	b.ok("POST", "/v2/contacts/unsubscribe", map[string]string{"email": "ANN@example.com"}, 200, &s)
	if s.Reason != "Unsubscribed" || s.SuppressedContact.Status != "Unsubscribed" {
		t.Fatalf("unsubscribe: %+v", s)
	}
	r := b.importContacts(byEmail("ann@example.com", "channelProperties", subscribedAsking))
	if summary(r, "globallySuppressed") != 1 || summary(r, "updatedContacts") != 1 {
		t.Fatalf("re-import: %v", r)
	}
	b.ok("PATCH", "/contacts/v3/email/ann@example.com", map[string]any{"channelProperties": subscribedAsking}, 200, nil)
	if v, _ := b.srv.Contact("ann@example.com"); v.Status != "Unsubscribed" {
		t.Fatalf("ann is %s", v.Status)
	}
	var unsub []apiSuppression
	b.ok("GET", "/v2/contacts/unsubscribed-since/"+since, nil, 200, &unsub)
	if len(unsub) != 1 || unsub[0].SuppressedContact.Email != "ann@example.com" || unsub[0].DateRemoved != s.DateRemoved {
		t.Fatalf("unsubscribed-since: %+v", unsub)
	}

	var all []apiSuppression
	b.ok("GET", "/v2/contacts/suppressed-since/"+sinceURL(start.AddDate(0, 0, -31)), nil, 200, &all)
	reasons := map[string]int{}
	var bounced string
	for _, x := range all {
		reasons[x.Reason]++
		if x.Reason == "HardBounced" {
			bounced = x.SuppressedContact.Email
		}
	}
	if len(all) != 7 || reasons["Unsubscribed"] != 1 || reasons["HardBounced"] != 2 || reasons["Suppressed"] != 2 || reasons["IspComplained"] != 2 {
		t.Fatalf("suppressed-since: %v", reasons)
	}
	r = b.importContacts(byEmail(bounced, "channelProperties", map[string]any{"email": map[string]any{"status": "subscribed"}}))
	if v, _ := b.srv.Contact(bounced); summary(r, "globallySuppressed") != 1 || v.Status != "HardBounced" {
		t.Fatalf("bounced re-import: %v", r)
	}
	var res struct{ Status string }
	b.ok("POST", "/v2/contacts/resubscribe-with-no-challenge", map[string]any{"unsubscribedContact": map[string]string{"email": bounced}}, 200, &res)
	if res.Status != "ContactCannotBeUnsuppressed" {
		t.Fatalf("resubscribe a bounce: %s", res.Status)
	}
	b.ok("POST", "/v2/contacts/resubscribe-with-no-challenge", map[string]any{"unsubscribedContact": map[string]string{"email": "ann@example.com"}}, 200, &res)
	if v, _ := b.srv.Contact("ann@example.com"); res.Status != "ContactAdded" || v.Status != "Subscribed" {
		t.Fatalf("resubscribe: %s, %s", res.Status, v.Status)
	}
	b.ok("GET", "/v2/contacts/unsubscribed-since/"+since, nil, 200, &unsub)
	if len(unsub) != 0 {
		t.Fatalf("still unsubscribed: %+v", unsub)
	}
	// Without resubscribe options, a subscribed status resubscribes silently: C3's default is
	// resubscribeWithNoChallenge true.
	b.ok("POST", "/v2/contacts/unsubscribe", map[string]string{"email": "ann@example.com"}, 200, nil)
	b.importContacts(byEmail("ann@example.com", "channelProperties", map[string]any{"email": map[string]any{"status": "subscribed"}}))
	if v, _ := b.srv.Contact("ann@example.com"); v.Status != "Subscribed" {
		t.Fatalf("a subscribed status without resubscribe options leaves ann %s", v.Status)
	}
	// An import can unsubscribe a contact.
	b.importContacts(byEmail("ben@example.com", "channelProperties", map[string]any{"email": map[string]any{"status": "unsubscribed"}}))
	b.ok("GET", "/v2/contacts/unsubscribed-since/"+since, nil, 200, &unsub)
	if len(unsub) != 1 || unsub[0].SuppressedContact.Email != "ben@example.com" {
		t.Fatalf("imported as unsubscribed: %+v", unsub)
	}
}

func sinceURL(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Taking a contact out of a list is not an unsubscribe: it stays subscribed, and is in no
// unsubscribed-since answer; unsubscribing from a list is per list.
func TestListRemovalIsNotAnUnsubscribe(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Lists: 2}})
	since := sinceURL(time.Now().Add(-time.Second))
	r := b.importContacts(byEmail("ann@example.com", "lists", []int{101, 102}), byEmail("ben@example.com", "lists", []int{101}))
	ann := r["created"].([]any)[0].(map[string]any)["contactId"]
	b.ok("POST", "/v2/address-books/101/contacts/delete", []any{ann}, 202, nil)
	v, _ := b.srv.Contact("ann@example.com")
	if v.Status != "Subscribed" || len(v.Lists) != 1 || v.Lists[0].ID != 102 {
		t.Fatalf("ann %+v", v)
	}
	for _, path := range []string{"/v2/contacts/unsubscribed-since/", "/v2/address-books/101/contacts/unsubscribed-since/", "/v2/contacts/suppressed-since/"} {
		var l []apiSuppression
		b.ok("GET", path+since, nil, 200, &l)
		if len(l) != 0 {
			t.Errorf("%s: %+v", path, l)
		}
	}
	var book apiAddressBook
	b.ok("GET", "/v2/address-books/101", nil, 200, &book)
	if book.Contacts != 1 {
		t.Fatalf("book %+v", book)
	}
	b.ok("POST", "/v2/address-books/102/contacts/unsubscribe", map[string]string{"email": "ann@example.com"}, 200, nil)
	var l []apiSuppression
	b.ok("GET", "/v2/address-books/102/contacts/unsubscribed-since/"+since, nil, 200, &l)
	if len(l) != 1 || l[0].SuppressedContact.Status != "Subscribed" {
		t.Fatalf("per-list unsubscribe: %+v", l)
	}
	var c v3Contact
	b.ok("GET", "/contacts/v3/email/ann@example.com", nil, 200, &c)
	if c.Status != "subscribed" || len(c.Lists) != 1 || c.Lists[0].Status != "suppressed" {
		t.Fatalf("contact %+v", c)
	}
}

// Insight: records of contacts that do not exist fail with ContactEmailDoesNotExist; a field keeps the
// JSON type it first had in the collection; arrays of arrays are refused; a key appears once per import.
func TestInsightRecordRules(t *testing.T) {
	b := setup(t, Config{})
	b.importContacts(byEmail("ann@example.com"))
	owner := func(email string) map[string]string { return map[string]string{"identifier": "email", "value": email} }
	r := b.importInsight("Orders", "contact", "orders",
		map[string]any{"key": "1", "contactIdentity": owner("ANN@example.com"), "json": map[string]any{"total": 10.5, "items": []any{map[string]any{"sku": "a", "tags": []string{"x"}}}, "note": nil}},
		map[string]any{"key": "2", "contactIdentity": owner("nobody@example.com"), "json": map[string]any{"total": 1}},
		map[string]any{"key": "3", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"total": "ten"}},
		map[string]any{"key": "4", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"grid": [][]int{{1}, {2}}}},
		map[string]any{"key": "1", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"total": 11}},
		map[string]any{"key": "5", "json": map[string]any{"total": 1}},
		map[string]any{"key": "6", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"total": 2, "note": "fine", "items": []any{}}},
	)
	if r["status"] != "Complete" || summary(r, "totalRecords") != 7 || summary(r, "totalImported") != 2 || summary(r, "totalRejected") != 5 {
		t.Fatalf("report %v", r)
	}
	reasons := map[string]string{}
	for _, f := range r["failures"].([]any) {
		f := f.(map[string]any)
		reasons[fmt.Sprint(f["key"], "/", f["json"].(map[string]any)["total"])] = f["failureReason"].(string)
		if f["collectionOwner"].(map[string]any)["ownerType"] != "contact" {
			t.Errorf("owner %v", f)
		}
	}
	want := map[string]string{"2/1": "ContactEmailDoesNotExist", "3/ten": "JsonValueIncompatibleWithSchema",
		"4/<nil>": "JsonContainsNestedArray", "1/11": "DuplicateKey", "5/1": "InvalidContactIdentifier"}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Fatalf("failures %v", reasons)
	}
	// The schema holds across imports: total stays a number.
	r = b.importInsight("Orders", "contact", "orders", map[string]any{"key": "7", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"items": "none"}})
	if summary(r, "totalRejected") != 1 {
		t.Fatalf("second import %v", r)
	}
	c, _ := b.srv.Collection("Orders")
	if len(c.Records) != 2 || c.Records[0].Key != "1" || !strings.Contains(string(c.Records[0].JSON), `"total":10.5`) {
		t.Fatalf("collection %+v", c)
	}
	// Single upserts follow the same rules.
	status, body, _ := b.call(b.raw, "PUT", "/insightData/v3/contacts/email/ann@example.com/Orders/8", map[string]any{"total": "x"})
	if status != 400 || v3err(t, body) != "insightData:invalidRecord" {
		t.Fatalf("upsert: %d %s", status, body)
	}
	status, body, _ = b.call(b.raw, "PUT", "/insightData/v3/contacts/email/nobody@example.com/Orders/8", map[string]any{"total": 1})
	if status != 404 || v3err(t, body) != "insightData:contactNotFound" {
		t.Fatalf("upsert for a missing contact: %d %s", status, body)
	}
	status, body, _ = b.call(b.raw, "PUT", "/insightData/v3/account/Nope/8", map[string]any{"total": 1})
	if status != 404 || v3err(t, body) != "insightData:collectionNotFound" {
		t.Fatalf("upsert into a missing collection: %d %s", status, body)
	}
}

// Enrolment takes Active programs only (422), existing contacts only (400 ERROR_CONTACT_NOT_FOUND), at most
// 25 contacts, and within the hourly allowance; contacts that cannot be enrolled are faults in the report.
func TestEnrolmentRules(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Programs: 5}, EnrolmentAllowance: 3, ImportDelay: 100 * time.Millisecond})
	r := b.importContacts(byEmail("ann@example.com"), byEmail("ben@example.com"))
	var ids []any
	for _, c := range r["created"].([]any) {
		ids = append(ids, c.(map[string]any)["contactId"])
	}
	b.ok("POST", "/v2/contacts/unsubscribe", map[string]string{"email": "ben@example.com"}, 200, nil)
	expectErr := func(body map[string]any, status int, code string) {
		t.Helper()
		st, resp, _ := b.call(b.api, "POST", "/v2/programs/enrolments", body)
		if st != status || !strings.HasSuffix(v2err(t, resp), code) {
			t.Errorf("%v: %d %s", body, st, resp)
		}
	}
	expectErr(map[string]any{"programId": 1004, "contacts": ids}, 422, "ERROR_PROGRAM_NOT_ACTIVE") // Draft
	expectErr(map[string]any{"programId": 1005, "contacts": ids}, 422, "ERROR_PROGRAM_NOT_ACTIVE") // Deactivated
	expectErr(map[string]any{"programId": 9, "contacts": ids}, 404, "ERROR_PROGRAM_NOT_FOUND")
	expectErr(map[string]any{"programId": 1001, "contacts": []int{424242}}, 400, "ERROR_CONTACT_NOT_FOUND")
	expectErr(map[string]any{"programId": 1001}, 400, "ERROR_ENROLMENT_INVALID")
	tooMany := make([]any, 26)
	for i := range tooMany {
		tooMany[i] = ids[0]
	}
	expectErr(map[string]any{"programId": 1001, "contacts": tooMany}, 400, "ERROR_ENROLMENT_INVALID")

	var e apiEnrolment
	b.ok("POST", "/v2/programs/enrolments", map[string]any{"programId": 1001, "contacts": ids}, 201, &e)
	st, body, _ := b.call(b.api, "GET", "/v2/programs/enrolments/"+e.ID+"/report-faults", nil)
	if e.Status != "Processing" || st != 400 || !strings.HasSuffix(v2err(t, body), "ERROR_ENROLMENT_IS_PROCESSING") {
		t.Fatalf("processing: %+v %d %s", e, st, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.Status != "Finished" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		b.ok("GET", "/v2/programs/enrolments/"+e.ID, nil, 200, &e)
	}
	faults := string(b.ok("GET", "/v2/programs/enrolments/"+e.ID+"/report-faults", nil, 200, nil))
	if faults != fmt.Sprintf("Id,Email,TelephoneNumber,Reason\r\n%.0f,ben@example.com,,Unsubscribed\r\n", ids[1]) {
		t.Fatalf("faults %q", faults)
	}
	if got := b.srv.Enrolled(1001); len(got) != 1 || float64(got[0]) != ids[0] {
		t.Fatalf("enrolled %v", got)
	}
	b.ok("POST", "/v2/programs/enrolments", map[string]any{"programId": 1002, "contacts": ids[:1]}, 201, nil)
	b.ok("POST", "/v2/programs/enrolments", map[string]any{"programId": 1003, "contacts": ids[:1]}, 201, nil)
	expectErr(map[string]any{"programId": 1001, "contacts": ids}, 400, "ERROR_ENROLMENT_ALLOWANCE_EXCEEDED")
	st, body, _ = b.call(b.api, "GET", "/v2/programs/enrolments/3f8a2b1c-0000-4000-8000-000000000000", nil)
	if st != 404 || !strings.HasSuffix(v2err(t, body), "ERROR_ENROLMENT_NOT_FOUND") {
		t.Fatalf("%d %s", st, body)
	}

	// The same path template lists the account's enrolments by status, oldest first, paged.
	var finished, processing, second []apiEnrolment
	for deadline := time.Now().Add(10 * time.Second); len(finished) < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b.ok("GET", "/v2/programs/enrolments/Finished", nil, 200, &finished)
	}
	b.ok("GET", "/v2/programs/enrolments/Processing", nil, 200, &processing)
	b.ok("GET", "/v2/programs/enrolments/Finished?select=1&skip=1", nil, 200, &second)
	if len(finished) != 3 || finished[0].ID != e.ID || finished[0].ProgramID != 1001 || len(finished[0].Contacts) != 2 || len(processing) != 0 {
		t.Fatalf("finished enrolments %+v, processing %+v", finished, processing)
	}
	if len(second) != 1 || second[0].ProgramID != 1002 {
		t.Fatalf("the second page of one: %+v", second)
	}
	if st, body, _ := b.call(b.api, "GET", "/v2/programs/enrolments/Finished?select=1001", nil); st != 400 {
		t.Fatalf("select over 1000: %d %s", st, body)
	}
}

// Data field values must fit their types; merge options decide what an import changes.
func TestContactDataFields(t *testing.T) {
	b := setup(t, Config{})
	b.ok("POST", "/v2/data-fields", map[string]any{"name": "POINTS", "type": "Numeric"}, 201, nil)
	b.ok("POST", "/v2/data-fields", map[string]any{"name": "DOB", "type": "Date"}, 201, nil)
	b.ok("POST", "/v2/data-fields", map[string]any{"name": "VIP", "type": "Boolean"}, 201, nil)
	r := b.importContacts(byEmail("a@example.com", "dataFields", map[string]any{"POINTS": "12", "DOB": "1990-01-02", "VIP": true, "FIRSTNAME": "A"}),
		byEmail("b@example.com", "dataFields", map[string]any{"POINTS": "lots"}))
	if summary(r, "newContacts") != 1 || summary(r, "invalidEntries") != 1 {
		t.Fatalf("report %v", r)
	}
	v, _ := b.srv.Contact("a@example.com")
	if v.DataFields["POINTS"] != 12.0 || v.DataFields["DOB"] != "1990-01-02T00:00:00Z" || v.DataFields["VIP"] != true {
		t.Fatalf("fields %v", v.DataFields)
	}
	var acc struct{ ImportID string }
	b.ok("PUT", "/contacts/v3/import", map[string]any{"mergeOption": "overwriteIfEmpty", "contacts": []any{
		byEmail("a@example.com", "dataFields", map[string]any{"FIRSTNAME": "Z", "LASTNAME": "Y"})}}, 202, &acc)
	b.waitImport("/contacts/v3/import/" + acc.ImportID)
	b.ok("PUT", "/contacts/v3/import", map[string]any{"mergeOption": "overwriteIfNotEmpty", "contacts": []any{
		byEmail("a@example.com", "dataFields", map[string]any{"POINTS": nil, "VIP": false})}}, 202, &acc)
	b.waitImport("/contacts/v3/import/" + acc.ImportID)
	v, _ = b.srv.Contact("a@example.com")
	if v.DataFields["FIRSTNAME"] != "A" || v.DataFields["LASTNAME"] != "Y" || v.DataFields["POINTS"] != 12.0 || v.DataFields["VIP"] != false {
		t.Fatalf("after merges %v", v.DataFields)
	}
	b.importContacts(byEmail("a@example.com", "dataFields", map[string]any{"POINTS": nil}))
	if v, _ = b.srv.Contact("a@example.com"); v.DataFields["POINTS"] != nil {
		t.Fatalf("null clears: %v", v.DataFields)
	}
	raw, _ := json.Marshal(v)
	if !strings.Contains(string(raw), `"consentRecords":0`) {
		t.Fatalf("view %s", raw)
	}
}

// A consent record needs all five fields (C3 consentRecord): an import applies the contact without an
// incomplete one and reports consentRecordsNotApplied; a single upsert refuses it with a 400.
func TestAnIncompleteConsentRecordIsRefused(t *testing.T) {
	b := setup(t, Config{})
	full := map[string]any{"text": "Yes to the newsletter", "dateTimeConsented": "2026-03-01T10:00:00Z",
		"url": "https://shop.example.com/signup", "ipAddress": "2001:db8::7", "userAgent": "Mozilla/5.0"}
	partial := map[string]any{"text": "Yes to the newsletter", "dateTimeConsented": "2026-03-01T10:00:00Z", "url": "https://shop.example.com/"}
	badIP := maps.Clone(full)
	badIP["ipAddress"] = "somewhere"
	// The description refuses these bodies, so they go through the unchecked client.
	status, body, _ := b.call(b.raw, "PUT", "/contacts/v3/import", map[string]any{"contacts": []any{byEmail("full@example.com", "consentRecords", []any{full}),
		byEmail("partial@example.com", "consentRecords", []any{partial}), byEmail("badip@example.com", "consentRecords", []any{badIP})}})
	var acc struct{ ImportID string }
	if status != 202 || json.Unmarshal(body, &acc) != nil {
		t.Fatalf("import: %d %s", status, body)
	}
	r := b.waitImport("/contacts/v3/import/" + acc.ImportID)
	if summary(r, "newContacts") != 3 {
		t.Fatalf("import: %v", r)
	}
	failures := map[string]string{}
	for _, f := range r["failures"].([]any) {
		f := f.(map[string]any)
		failures[f["identifiers"].(map[string]any)["email"].(string)] = f["failures"].([]any)[0].(map[string]any)["failureCode"].(string)
	}
	if len(failures) != 2 || failures["partial@example.com"] != "consentRecordsNotApplied" || failures["badip@example.com"] != "consentRecordsNotApplied" {
		t.Fatalf("failures: %v", failures)
	}
	for email, want := range map[string]int{"full@example.com": 1, "partial@example.com": 0, "badip@example.com": 0} {
		if v, ok := b.srv.Contact(email); !ok || v.Consent != want {
			t.Fatalf("%s: %+v, want %d consent records", email, v, want)
		}
	}
	status, body, _ = b.call(b.raw, "PATCH", "/contacts/v3/email/partial@example.com", map[string]any{"consentRecords": []any{partial}})
	if status != 400 || v3err(t, body) != "contacts:invalidContacts" {
		t.Fatalf("PATCH: %d %s", status, body)
	}
}

// A contact-scoped key belongs to one contact: writing it for another is refused with
// KeyExistingForDifferentContact (import) or a 400 (single upsert); deleted first, it can be written.
func TestAnInsightKeyOfOneContactIsRefusedForAnother(t *testing.T) {
	b := setup(t, Config{})
	b.importContacts(byEmail("ann@example.com"), byEmail("bob@example.com"))
	owner := func(email string) map[string]string { return map[string]string{"identifier": "email", "value": email} }
	b.importInsight("Orders", "contact", "orders", map[string]any{"key": "100", "contactIdentity": owner("ann@example.com"), "json": map[string]any{"total": 1}})
	r := b.importInsight("Orders", "contact", "orders", map[string]any{"key": "100", "contactIdentity": owner("bob@example.com"), "json": map[string]any{"total": 2}})
	if summary(r, "totalRejected") != 1 || r["failures"].([]any)[0].(map[string]any)["failureReason"] != "KeyExistingForDifferentContact" {
		t.Fatalf("import: %v", r)
	}
	status, body, _ := b.call(b.api, "PUT", "/insightData/v3/contacts/email/bob@example.com/Orders/100", map[string]any{"total": 3})
	if status != 400 || !strings.Contains(string(body), "KeyExistingForDifferentContact") {
		t.Fatalf("single upsert: %d %s", status, body)
	}
	ann, _ := b.srv.Contact("ann@example.com")
	if c, _ := b.srv.Collection("Orders"); len(c.Records) != 1 || c.Records[0].ContactID != ann.ID {
		t.Fatalf("the record moved: %+v", c.Records)
	}
	b.ok("DELETE", "/insightData/v3/contacts/email/ann@example.com/Orders/100", nil, 204, nil)
	b.ok("PUT", "/insightData/v3/contacts/email/bob@example.com/Orders/100", map[string]any{"total": 3}, 201, nil)
}

// The read endpoints show a sync's result through the API's own paths: a list's members (select and
// skip, data fields with withFullData), an account collection's records page by page, and one
// contact's records of a contact-scoped collection.
func TestTheAccountCanBeReadThroughTheAPIsOwnPaths(t *testing.T) {
	b := setup(t, Config{})
	var book apiAddressBook
	b.ok("POST", "/v2/address-books", map[string]string{"name": "Readers"}, 201, &book)
	var contacts []map[string]any
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		contacts = append(contacts, byEmail(e, "lists", []int{int(book.ID)}, "dataFields", map[string]any{"FIRSTNAME": strings.ToUpper(e[:1])}))
	}
	b.importContacts(append(contacts, byEmail("elsewhere@example.com"))...)
	var members []apiContact
	b.ok("GET", fmt.Sprintf("/v2/address-books/%d/contacts?select=2&skip=1&withFullData=true", book.ID), nil, 200, &members)
	if len(members) != 2 || members[0].Email != "b@example.com" || members[1].Email != "c@example.com" || !strings.Contains(fmt.Sprint(members[0].DataFields), "FIRSTNAME") {
		t.Fatalf("members: %+v", members)
	}
	b.ok("GET", "/v2/address-books/999999/contacts", nil, 404, nil)

	var records []map[string]any
	for i := range 3 {
		records = append(records, map[string]any{"key": fmt.Sprint("p", i), "json": map[string]any{"price": i}})
	}
	b.importInsight("Catalog_Default", "account", "catalog", records...)
	b.importInsight("Orders", "contact", "orders",
		map[string]any{"key": "1", "contactIdentity": map[string]string{"identifier": "email", "value": "a@example.com"}, "json": map[string]any{"total": 1}},
		map[string]any{"key": "2", "contactIdentity": map[string]string{"identifier": "email", "value": "b@example.com"}, "json": map[string]any{"total": 2}})
	type page struct {
		Links struct {
			Next *struct{ Marker string } `json:"next"`
		} `json:"_links"`
		Items []struct{ Key string } `json:"_items"`
	}
	var p1, p2 page
	b.ok("GET", "/insightData/v3/account/Catalog_Default?limit=2", nil, 200, &p1)
	if len(p1.Items) != 2 || p1.Items[0].Key != "p0" || p1.Links.Next == nil {
		t.Fatalf("first page: %+v", p1)
	}
	b.ok("GET", "/insightData/v3/account/Catalog_Default?limit=2&marker="+p1.Links.Next.Marker, nil, 200, &p2)
	if len(p2.Items) != 1 || p2.Items[0].Key != "p2" || p2.Links.Next != nil {
		t.Fatalf("second page: %+v", p2)
	}
	var mine page
	b.ok("GET", "/insightData/v3/contacts/email/b@example.com/Orders", nil, 200, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Key != "2" {
		t.Fatalf("b's orders: %+v", mine)
	}
	b.ok("GET", "/insightData/v3/contacts/email/nobody@example.com/Orders", nil, 404, nil)
}
