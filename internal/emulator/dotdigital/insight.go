package dotdigital

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MaxDeleteKeys is the most keys one deleteRecords call takes.
const MaxDeleteKeys = 5000

type collectionSummary struct {
	CollectionName  string `json:"collectionName"`
	CollectionType  string `json:"collectionType"`
	CollectionScope string `json:"collectionScope"`
	RecordCount     int    `json:"recordCount"`
}

func (s *Server) listCollections(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	out := make([]collectionSummary, 0, len(s.st.collOrder))
	for _, name := range s.st.collOrder {
		c := s.st.collections[strings.ToLower(name)]
		out = append(out, collectionSummary{c.name, c.typ, c.scope, len(c.records)})
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// createCollection answers POST /insightData/v3/collections/{name}: 201 when created, 200 when it exists.
func (s *Server) createCollection(w http.ResponseWriter, r *http.Request) {
	name, q := r.PathValue("collectionName"), r.URL.Query()
	if !s.checkCollectionArgs(w, name, q.Get("collectionScope"), q.Get("collectionType")) {
		return
	}
	s.st.mu.Lock()
	_, status := s.st.ensureCollection(name, q.Get("collectionScope"), q.Get("collectionType"), s.cfg.MaxCollections, clock())
	s.st.mu.Unlock()
	if !s.collectionAnswer(w, name, status) {
		return
	}
	if status == collectionCreated {
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// recordTarget resolves the collection (and for contact scope the contact) of a single-record call,
// answering 400 or 404 itself when they do not exist.
func (s *Server) recordTarget(w http.ResponseWriter, r *http.Request, scope string) (*collection, *contact, bool) {
	name := r.PathValue("collectionName")
	if !validCollectionName(name) {
		writeV3Error(w, http.StatusBadRequest, "insightData:invalidId", fmt.Sprintf("The collectionName value '%s' is invalid", name))
		return nil, nil, false
	}
	var owner *contact
	if scope == scopeContact {
		id := &contactIdentity{Identifier: r.PathValue("identifier"), Value: r.PathValue("value")}
		c, err := s.st.owner(id)
		if err != nil {
			writeV3Error(w, http.StatusNotFound, "insightData:contactNotFound", "The following contacts could not be found",
				v3Detail{Item: id.Value, Description: fmt.Sprintf("Not found using the identifier '%s'", id.Identifier)})
			return nil, nil, false
		}
		owner = c
	}
	coll := s.st.collections[strings.ToLower(name)]
	if coll == nil || coll.scope != scope {
		writeV3Error(w, http.StatusNotFound, "insightData:collectionNotFound", "The collection could not be found",
			v3Detail{Item: name, Description: "Not found"})
		return nil, nil, false
	}
	return coll, owner, true
}

func recordNotFound(w http.ResponseWriter, coll *collection, key string) {
	writeV3Error(w, http.StatusNotFound, "insightData:recordNotFound", "The Insight data record could not be found",
		v3Detail{Item: key, Description: fmt.Sprintf("Not found in the %s collection '%s'", coll.scope, coll.name)})
}

// putInsightRecord answers the single-record upserts: 201 when created, 204 when replaced.
func (s *Server) putInsightRecord(scope string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := s.readBody(w, r)
		if !ok {
			return
		}
		key := r.PathValue("recordId")
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		coll, owner, ok := s.recordTarget(w, r, scope)
		if !ok {
			return
		}
		if owner != nil {
			if err := keyOwnedElsewhere(coll, key, owner.id); err != nil {
				// The v3 single upsert documents no answer for it; the import's fault reason is kept.
				se := asSchemaError(err)
				writeV3Error(w, http.StatusBadRequest, "insightData:invalidRecord", "The record does not fit the collection",
					v3Detail{Item: se.reason, Description: se.detail})
				return
			}
		}
		added, err := checkRecord(coll.schema, raw)
		if err != nil {
			se := asSchemaError(err)
			if se.reason == reasonInvalidJSON {
				writeV3Error(w, http.StatusBadRequest, "insightData:badJson", "The request JSON is badly formed")
				return
			}
			writeV3Error(w, http.StatusBadRequest, "insightData:invalidRecord", "The record does not fit the collection",
				v3Detail{Item: se.reason, Description: se.detail})
			return
		}
		for p, t := range added {
			coll.schema[p] = t
		}
		var ownerID int32
		if owner != nil {
			ownerID = owner.id
		}
		if s.st.putRecord(coll, key, ownerID, raw, clock().UnixNano()) {
			w.WriteHeader(http.StatusCreated)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

type returnedRecord struct {
	Key            string          `json:"key"`
	JSON           json.RawMessage `json:"json"`
	Created        string          `json:"created"`
	Updated        string          `json:"updated"`
	OwnerContactID int32           `json:"ownerContactId,omitempty"`
}

func (s *Server) getInsightRecord(scope string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("recordId")
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		coll, owner, ok := s.recordTarget(w, r, scope)
		if !ok {
			return
		}
		rec := coll.records[key]
		if rec == nil || (owner != nil && rec.owner != owner.id) {
			recordNotFound(w, coll, key)
			return
		}
		writeJSON(w, http.StatusOK, returnedRecord{Key: key, JSON: rec.json, Created: fmtNanos(rec.created), Updated: fmtNanos(rec.updated), OwnerContactID: rec.owner})
	}
}

func (s *Server) deleteInsightRecord(scope string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("recordId")
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		coll, owner, ok := s.recordTarget(w, r, scope)
		if !ok {
			return
		}
		rec := coll.records[key]
		if rec == nil || (owner != nil && rec.owner != owner.id) {
			recordNotFound(w, coll, key)
			return
		}
		delete(coll.records, key)
		w.WriteHeader(http.StatusNoContent)
	}
}

// deleteAccountInsightRecords answers DELETE /insightData/v3/accounts/{collection}/deleteRecords.
func (s *Server) deleteAccountInsightRecords(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Keys []string `json:"keys"`
	}
	if !s.decodeBody(w, r, &in) {
		return
	}
	if len(in.Keys) == 0 {
		writeV3Error(w, http.StatusBadRequest, "insightData:noRecordsSpecified", "You must speify the keys for the records to be deleted from the collection.")
		return
	}
	if len(in.Keys) > MaxDeleteKeys {
		writeV3Error(w, http.StatusBadRequest, "insightData:tooManyRecordsSpecified",
			"You can delete at most "+strconv.Itoa(MaxDeleteKeys)+" records in one call.")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	coll, _, ok := s.recordTarget(w, r, scopeAccount)
	if !ok {
		return
	}
	type summary struct {
		TotalRecords  int `json:"totalRecords"`
		TotalDeleted  int `json:"totalDeleted"`
		TotalNotFound int `json:"totalNotFound"`
	}
	out := struct {
		Summary  summary  `json:"summary"`
		NotFound []string `json:"notFound"`
		Failures []string `json:"failures"` // required by the I3 schema, which does not say what it holds
	}{Summary: summary{TotalRecords: len(in.Keys)}, NotFound: []string{}, Failures: []string{}}
	for _, k := range in.Keys {
		if coll.records[k] == nil {
			out.NotFound = append(out.NotFound, k)
			continue
		}
		delete(coll.records, k)
		out.Summary.TotalDeleted++
	}
	out.Summary.TotalNotFound = len(out.NotFound)
	writeJSON(w, http.StatusOK, out)
}
