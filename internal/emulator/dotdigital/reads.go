package dotdigital

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// The read endpoints a person uses to look at an account's data, so that a sync's result can be checked
// through the API's own paths, not only through /_emulator.

// bookContacts answers GET /v2/address-books/{id}/contacts (V2S): the list's members in contact id
// order, paged by select (1–1000) and skip; withFullData=true adds each contact's data fields.
func (s *Server) bookContacts(w http.ResponseWriter, r *http.Request) {
	skip, sel, ok := v2Paging(w, r)
	if !ok {
		return
	}
	full := false
	switch v := r.URL.Query().Get("withFullData"); strings.ToLower(v) {
	case "", "false":
	case "true":
		full = true
	default:
		writeV2Error(w, http.StatusBadRequest, "withFullData must be true or false. ERROR_PARAMETER_INVALID")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	b := s.st.bookByPath(r.PathValue("id"))
	if b == nil {
		bookNotFound(w)
		return
	}
	var members []*contact
	for _, id := range s.st.contactOrder {
		if c := s.st.contacts[id]; c != nil && c.member(b.id) != nil {
			members = append(members, c)
		}
	}
	out := []apiContact{}
	for _, c := range page(members, skip, sel) {
		a := c.v2()
		if full {
			fields := make([]map[string]any, 0, len(c.fields))
			for _, f := range c.fields {
				fields = append(fields, map[string]any{"key": f.name, "value": f.value})
			}
			a.DataFields = fields
		}
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, out)
}

// maxRecordPage is the most records a page of Insight records holds: I3 lets limit go to 5000 but
// gives the account list's _items at most 1000, so a larger limit answers 1000 and a next marker.
const maxRecordPage = 1000

// listInsightRecords answers GET /insightData/v3/account/{collectionName} and GET
// /insightData/v3/contacts/{identifier}/{value}/{collectionName} (I3): the collection's records (of
// that contact) in key order, paged by limit and marker, filtered by ~modified=gte::<time>.
func (s *Server) listInsightRecords(scope string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, after, ok := v3Paging(w, r, "insightData")
		if !ok {
			return
		}
		limit = min(limit, maxRecordPage)
		var since int64
		if v := r.URL.Query().Get("~modified"); v != "" {
			at, err := time.Parse(time.RFC3339, strings.TrimPrefix(v, "gte::"))
			if !strings.HasPrefix(v, "gte::") || err != nil {
				writeV3Error(w, http.StatusBadRequest, "insightData:invalidFilter", "The ~modified filter must be gte::<ISO 8601 UTC time>",
					v3Detail{Item: "~modified", Description: v})
				return
			}
			since = at.UnixNano()
		}
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		coll, owner, ok := s.recordTarget(w, r, scope)
		if !ok {
			return
		}
		keys := make([]string, 0, len(coll.records))
		for k, rec := range coll.records {
			if (owner == nil || rec.owner == owner.id) && rec.updated >= since {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		start := int(min(after, int64(len(keys))))
		end := min(len(keys), start+limit)
		items := make([]returnedRecord, 0, end-start)
		for _, k := range keys[start:end] {
			rec := coll.records[k]
			items = append(items, returnedRecord{Key: k, JSON: rec.json, Created: fmtNanos(rec.created), Updated: fmtNanos(rec.updated), OwnerContactID: rec.owner})
		}
		writeJSON(w, http.StatusOK, struct {
			Links v3Links          `json:"_links"`
			Items []returnedRecord `json:"_items"`
		}{links(r, after, int64(end), end < len(keys)), items})
	}
}
