package dotdigital

import (
	"net/http"
	"time"
)

// routes registers every emulated operation with its call-rate tier. Which tier each call is in is the
// emulator's reading of Dotdigital's guidance ("calls that import or return a lot of data are Low"): bulk
// imports and large reads are Low, writes of single things Medium, reads of single things and polls High.
func (s *Server) routes() {
	high, medium, low := tierHigh, tierMedium, tierLow

	s.handle(high, "GET /v2/account-info", s.accountInfo)

	s.handle(high, "GET /v2/address-books", s.listAddressBooks)
	s.handle(high, "GET /v2/address-books/{id}", s.getAddressBook)
	s.handle(medium, "POST /v2/address-books", s.createAddressBook)
	s.handle(low, "POST /v2/address-books/{addressBookId}/contacts/delete", s.removeFromAddressBook)
	s.handle(low, "GET /v2/address-books/{id}/contacts", s.bookContacts)

	s.handle(high, "GET /v2/data-fields", s.listDataFields)
	s.handle(medium, "POST /v2/data-fields", s.createDataField)

	s.handle(high, "GET /contacts/v3/{identifier}/{value}", s.getContact)
	s.handle(medium, "PATCH /contacts/v3/{identifier}/{value}", s.patchContact)
	s.handle(low, "GET /contacts/v3", s.listContacts)
	s.handle(low, "PUT /contacts/v3/import", s.importContacts)
	s.handle(high, "GET /contacts/v3/import/{importId}", s.importStatus(kindContacts))

	s.handle(low, "PUT /insightData/v3/import", s.importInsight)
	s.handle(high, "GET /insightData/v3/import/{importId}", s.importStatus(kindInsight))
	s.handle(high, "GET /insightData/v3/collections", s.listCollections)
	s.handle(medium, "POST /insightData/v3/collections/{collectionName}", s.createCollection)
	s.handle(low, "GET /insightData/v3/account/{collectionName}", s.listInsightRecords(scopeAccount))
	s.handle(high, "GET /insightData/v3/account/{collectionName}/{recordId}", s.getInsightRecord(scopeAccount))
	s.handle(medium, "PUT /insightData/v3/account/{collectionName}/{recordId}", s.putInsightRecord(scopeAccount))
	s.handle(medium, "DELETE /insightData/v3/account/{collectionName}/{recordId}", s.deleteInsightRecord(scopeAccount))
	s.handle(medium, "DELETE /insightData/v3/accounts/{collectionName}/deleteRecords", s.deleteAccountInsightRecords)
	s.handle(low, "GET /insightData/v3/contacts/{identifier}/{value}/{collectionName}", s.listInsightRecords(scopeContact))
	s.handle(high, "GET /insightData/v3/contacts/{identifier}/{value}/{collectionName}/{recordId}", s.getInsightRecord(scopeContact))
	s.handle(medium, "PUT /insightData/v3/contacts/{identifier}/{value}/{collectionName}/{recordId}", s.putInsightRecord(scopeContact))
	s.handle(medium, "DELETE /insightData/v3/contacts/{identifier}/{value}/{collectionName}/{recordId}", s.deleteInsightRecord(scopeContact))

	s.handle(high, "GET /v2/programs", s.listPrograms)
	s.handle(high, "GET /v2/programs/{id}", s.getProgram)
	s.handle(medium, "POST /v2/programs/enrolments", s.enrol)
	s.handle(high, "GET /v2/programs/enrolments/{enrolmentId}", s.getEnrolment)
	s.handle(high, "GET /v2/programs/enrolments/{enrolmentId}/report-faults", s.enrolmentFaults)

	s.handle(low, "GET /v2/contacts/unsubscribed-since/{date}", s.unsubscribedSince)
	s.handle(low, "GET /v2/contacts/suppressed-since/{date}", s.suppressedSince)
	s.handle(low, "GET /v2/address-books/{addressBookId}/contacts/unsubscribed-since/{date}", s.bookUnsubscribedSince)
	s.handle(medium, "POST /v2/contacts/unsubscribe", s.unsubscribe)
	s.handle(medium, "POST /v2/address-books/{addressBookId}/contacts/unsubscribe", s.unsubscribeFromBook)
	s.handle(medium, "POST /v2/contacts/resubscribe", s.resubscribe(true))
	s.handle(medium, "POST /v2/contacts/resubscribe-with-no-challenge", s.resubscribe(false))

	s.inspectRoutes()
}

func (s *Server) handle(t tier, pattern string, h http.HandlerFunc) {
	s.tiers[pattern] = t
	s.mux.HandleFunc(pattern, h)
}

type apiAccountProperty struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// accountInfo answers GET /v2/account-info. ApiEndpoint is the account's regional base URL, with the
// trailing slash Dotdigital gives it.
func (s *Server) accountInfo(w http.ResponseWriter, r *http.Request) {
	endpoint := "http://" + r.Host
	if r.TLS != nil {
		endpoint = "https://" + r.Host
	}
	if s.cfg.Region != "r1" {
		s.mu.Lock()
		if s.regionEndpoint != "" {
			endpoint = s.regionEndpoint
		}
		s.mu.Unlock()
	}
	props := []apiAccountProperty{
		{"Name", "String", "Demo store"},
		{"MainEmail", "String", "owner@example.com"},
		{"APILocale", "String", "en-GB"},
		{"ApiEndpoint", "String", endpoint + "/"},
		{"CurrencyCode", "String", "GBP"},
		{"TimeZoneIana", "String", "Europe/London"},
		{"AvailableEmailSendsCredits", "Int", "10000"},
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": s.st.accountID, "properties": props})
}

// clock is the emulator's idea of now, in UTC with millisecond precision as Dotdigital reports dates.
func clock() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func fmtNanos(n int64) string { return fmtTime(time.Unix(0, n)) }
