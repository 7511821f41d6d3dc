package dotdigital

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Every operation the emulator serves answers as the official descriptions say, for ordinary use.
func TestEveryOperationKeepsTheContract(t *testing.T) {
	b := setup(t, Config{Seed: 3, Data: DefaultData})
	b.ok("GET", "/v2/account-info", nil, 200, nil)
	b.ok("GET", "/v2/address-books?select=2&skip=1", nil, 200, nil)
	var book apiAddressBook
	b.ok("POST", "/v2/address-books", map[string]string{"name": "Store subscribers", "visibility": "Private"}, 201, &book)
	b.ok("GET", fmt.Sprintf("/v2/address-books/%d", book.ID), nil, 200, nil)
	b.ok("GET", "/v2/data-fields", nil, 200, nil)
	b.ok("POST", "/v2/data-fields", map[string]any{"name": "CUSTOMER_ID", "type": "Numeric", "visibility": "Private", "defaultValue": 0}, 201, nil)
	b.ok("GET", "/v2/programs?select=1000&skip=0", nil, 200, nil)
	b.ok("GET", "/v2/programs/1001", nil, 200, nil)

	var accepted struct{ ImportID string }
	b.ok("PUT", "/contacts/v3/import", map[string]any{
		"mergeOption": "overwrite",
		"contacts": []map[string]any{{
			"matchIdentifier":   "email",
			"identifiers":       map[string]any{"email": "ann@example.com"},
			"dataFields":        map[string]any{"FIRSTNAME": "Ann", "CUSTOMER_ID": 7},
			"channelProperties": map[string]any{"email": map[string]any{"status": "subscribed", "emailType": "html", "optInType": "single"}},
			"lists":             []int{int(book.ID)},
			"consentRecords": []map[string]any{{
				"text": "Yes please", "dateTimeConsented": "2024-05-01T10:00:00Z", "url": "https://shop.example.com/signup",
				"ipAddress": "192.0.2.10", "userAgent": "Mozilla/5.0",
			}},
		}},
	}, 202, &accepted)
	st := b.waitImport("/contacts/v3/import/" + accepted.ImportID)
	if st["status"] != "Finished" {
		t.Fatalf("import: %v", st)
	}
	var ann v3Contact
	b.ok("GET", "/contacts/v3/email/ann@example.com", nil, 200, &ann)
	b.ok("PATCH", "/contacts/v3/email/ben@example.com?merge-option=overwrite", map[string]any{
		"dataFields": map[string]any{"FIRSTNAME": "Ben"}, "lists": []int{int(book.ID)},
	}, 201, nil)
	since := url.PathEscape(time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"))
	b.ok("GET", "/contacts/v3?~modified=gte::"+url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"))+"&limit=2&data-fields=FIRSTNAME|LASTNAME&include=channelProperties|lists", nil, 200, nil)

	b.ok("PUT", "/insightData/v3/import", map[string]any{
		"collectionName": "Orders", "collectionScope": "contact", "collectionType": "orders",
		"records": []map[string]any{
			{"key": "1001", "contactIdentity": map[string]string{"identifier": "email", "value": "ann@example.com"}, "json": map[string]any{"orderTotal": 12.5, "products": []map[string]any{{"sku": "A"}}}},
			{"key": "1002", "contactIdentity": map[string]string{"identifier": "email", "value": "nobody@example.com"}, "json": map[string]any{"orderTotal": 1}},
		},
	}, 202, &accepted)
	st = b.waitImport("/insightData/v3/import/" + accepted.ImportID)
	if st["status"] != "Complete" {
		t.Fatalf("insight import: %v", st)
	}
	b.ok("PUT", "/insightData/v3/import", map[string]any{
		"collectionName": "Catalog_Default", "collectionScope": "account", "collectionType": "catalog",
		"records": []map[string]any{{"key": "p1", "json": map[string]any{"name": "Hat", "price": 10}}, {"key": "p2", "json": map[string]any{"name": "Cap", "price": 8}}},
	}, 202, &accepted)
	b.waitImport("/insightData/v3/import/" + accepted.ImportID)
	b.ok("GET", "/insightData/v3/collections", nil, 200, nil)
	b.ok("POST", "/insightData/v3/collections/CartInsight?collectionScope=contact&collectionType=cartInsight", nil, 201, nil)
	b.ok("PUT", "/insightData/v3/contacts/email/ann@example.com/CartInsight/q1", map[string]any{"cartId": "q1", "grandTotal": 3.5}, 201, nil)
	b.ok("PUT", "/insightData/v3/contacts/email/ann@example.com/CartInsight/q1", map[string]any{"cartId": "q1", "grandTotal": 4.5}, 204, nil)
	b.ok("PUT", "/insightData/v3/account/Catalog_Default/p3", map[string]any{"name": "Scarf", "price": 20}, 201, nil)
	b.ok("GET", "/insightData/v3/account/Catalog_Default/p3", nil, 200, nil)
	b.ok("GET", "/insightData/v3/account/Catalog_Default?limit=1", nil, 200, nil)
	b.ok("GET", "/insightData/v3/contacts/email/ann@example.com/Orders?~modified=gte::"+url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z")), nil, 200, nil)
	b.ok("GET", fmt.Sprintf("/v2/address-books/%d/contacts?select=1&skip=0&withFullData=true", book.ID), nil, 200, nil)
	b.ok("DELETE", "/insightData/v3/accounts/Catalog_Default/deleteRecords", map[string]any{"keys": []string{"p1", "zz"}}, 200, nil)
	b.ok("DELETE", "/insightData/v3/account/Catalog_Default/p2", nil, 204, nil)

	b.ok("POST", "/v2/contacts/unsubscribe", map[string]any{"email": "ann@example.com"}, 200, nil)
	b.ok("GET", "/v2/contacts/unsubscribed-since/"+since+"?select=10&skip=0", nil, 200, nil)
	b.ok("GET", "/v2/contacts/suppressed-since/"+since, nil, 200, nil)
	b.ok("POST", fmt.Sprintf("/v2/address-books/%d/contacts/unsubscribe", book.ID), map[string]any{"email": "ben@example.com"}, 200, nil)
	b.ok("GET", fmt.Sprintf("/v2/address-books/%d/contacts/unsubscribed-since/%s", book.ID, since), nil, 200, nil)
	b.ok("POST", "/v2/contacts/resubscribe", map[string]any{"unsubscribedContact": map[string]any{"email": "ann@example.com"}}, 200, nil)
	b.ok("POST", "/v2/contacts/resubscribe-with-no-challenge", map[string]any{"unsubscribedContact": map[string]any{"email": "ann@example.com"}}, 200, nil)
	b.ok("POST", fmt.Sprintf("/v2/address-books/%d/contacts/delete", book.ID), []int{int(ann.ContactID)}, 202, nil)

	var enr apiEnrolment
	b.ok("POST", "/v2/programs/enrolments", map[string]any{"programId": 1001, "contacts": []int{int(ann.ContactID)}}, 201, &enr)
	deadline := time.Now().Add(10 * time.Second)
	for enr.Status != "Finished" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		b.ok("GET", "/v2/programs/enrolments/"+enr.ID, nil, 200, &enr)
	}
	status, csv, h := b.call(b.api, "GET", "/v2/programs/enrolments/"+enr.ID+"/report-faults", nil)
	if status != 200 || h.Get("Content-Type") != "text/csv" || !strings.HasPrefix(string(csv), "Id,Email,TelephoneNumber,Reason\r\n") {
		t.Fatalf("report-faults: %d %s %q", status, h.Get("Content-Type"), csv)
	}
}
