package dotdigital

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type contactIdentity struct {
	Identifier string `json:"identifier"`
	Value      string `json:"value"`
}

type insightInput struct {
	Key             *string          `json:"key"`
	ContactIdentity *contactIdentity `json:"contactIdentity"`
	JSON            json.RawMessage  `json:"json"`
}

type insightImportBody struct {
	CollectionName  string         `json:"collectionName"`
	CollectionScope string         `json:"collectionScope"`
	CollectionType  string         `json:"collectionType"`
	Records         []insightInput `json:"records"`
}

type collectionOwner struct {
	OwnerType       string           `json:"ownerType"`
	ContactIdentity *contactIdentity `json:"contactIdentity,omitempty"`
}

type insightFailure struct {
	Key             string          `json:"key"`
	JSON            json.RawMessage `json:"json"`
	CollectionOwner collectionOwner `json:"collectionOwner"`
	FailureReason   string          `json:"failureReason"`
	Details         []string        `json:"details,omitempty"`
}

type insightImportResult struct {
	ImportID       string `json:"importId"`
	Status         string `json:"status"`
	CollectionName string `json:"collectionName"`
	Summary        struct {
		TotalRecords  int `json:"totalRecords"`
		TotalImported int `json:"totalImported"`
		TotalRejected int `json:"totalRejected"`
	} `json:"summary"`
	Failures []insightFailure `json:"failures,omitempty"` // the I3 schema wants at least one when present
}

// importInsight answers PUT /insightData/v3/import. The collection is created if it does not exist.
func (s *Server) importInsight(w http.ResponseWriter, r *http.Request) {
	var in insightImportBody
	if !s.decodeBody(w, r, &in) {
		return
	}
	if !s.checkCollectionArgs(w, in.CollectionName, in.CollectionScope, in.CollectionType) {
		return
	}
	if len(in.Records) == 0 {
		writeV3Error(w, http.StatusBadRequest, "insightData:noRecordsSpecified", "You must specify at least one record to import.")
		return
	}
	s.st.mu.Lock()
	coll, status := s.st.ensureCollection(in.CollectionName, in.CollectionScope, in.CollectionType, s.cfg.MaxCollections, clock())
	s.st.mu.Unlock()
	if !s.collectionAnswer(w, in.CollectionName, status) {
		return
	}
	job, ok := s.startJob(kindInsight, "NotStarted", r.ContentLength, len(in.Records), in.CollectionName)
	if !ok {
		// Dotdigital documents five concurrent Insight imports; the code mirrors the contacts service's.
		writeV3Error(w, http.StatusTooManyRequests, "insightData:tooManyActiveImports",
			"Your import request cannot be accepted as too many imports are being processed for your account. Please wait for an import to complete and then resubmit.")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"importId": job.id})
	s.runJob(job, "Processing", func() []string {
		keys := make([]string, 0, len(in.Records))
		for _, r := range in.Records {
			if r.Key != nil {
				keys = append(keys, *r.Key)
			}
		}
		return keys
	}, func() (string, []byte) { return "Complete", s.applyInsightImport(job.id, coll, &in) })
}

// checkCollectionArgs answers 400 for a collection name, scope or type Dotdigital would refuse.
func (s *Server) checkCollectionArgs(w http.ResponseWriter, name, scope, typ string) bool {
	if !validCollectionName(name) {
		writeV3Error(w, http.StatusBadRequest, "insightData:invalidId", fmt.Sprintf("The collectionName value '%s' is invalid", name))
		return false
	}
	if scope != scopeAccount && scope != scopeContact {
		writeV3Error(w, http.StatusBadRequest, "insightData:badJson", "The request JSON is badly formed",
			v3Detail{Item: "collectionScope", Description: fmt.Sprintf("'%s' is not account or contact", scope)})
		return false
	}
	if !slices.Contains(collectionTypes, typ) {
		writeV3Error(w, http.StatusBadRequest, "insightData:badJson", "The request JSON is badly formed",
			v3Detail{Item: "collectionType", Description: fmt.Sprintf("'%s' is not a collection type", typ)})
		return false
	}
	return true
}

type collectionStatus int

const (
	collectionExists collectionStatus = iota
	collectionCreated
	collectionScopeClash
	collectionLimit
)

// ensureCollection finds or creates a collection. Names are unique across scopes, and an account holds at
// most max collections.
func (st *state) ensureCollection(name, scope, typ string, limit int, now time.Time) (*collection, collectionStatus) {
	if c := st.collections[strings.ToLower(name)]; c != nil {
		if c.scope != scope {
			return c, collectionScopeClash
		}
		return c, collectionExists
	}
	if len(st.collections) >= limit {
		return nil, collectionLimit
	}
	c := &collection{name: name, scope: scope, typ: typ, created: now, records: map[string]*insightRecord{}, schema: map[string]byte{}}
	st.collections[strings.ToLower(name)] = c
	st.collOrder = append(st.collOrder, name)
	return c, collectionCreated
}

// collectionAnswer answers the refusals of ensureCollection; it reports whether the request may go on.
func (s *Server) collectionAnswer(w http.ResponseWriter, name string, status collectionStatus) bool {
	switch status {
	case collectionScopeClash:
		writeV3Error(w, http.StatusBadRequest, "insightData:invalidId",
			fmt.Sprintf("The collectionName value '%s' is invalid: a collection of that name exists with the other scope", name))
		return false
	case collectionLimit:
		// The collections call documents 412 for the limit; the import uses the same answer.
		writeV3Error(w, http.StatusPreconditionFailed, "insightData:collectionLimitExceeded",
			fmt.Sprintf("The account already has the maximum of %d Insight data collections", s.cfg.MaxCollections))
		return false
	}
	return true
}

// applyInsightImport applies every record of an import and returns the final status body.
func (s *Server) applyInsightImport(id string, coll *collection, in *insightImportBody) []byte {
	res := insightImportResult{ImportID: id, Status: "Complete", CollectionName: coll.name}
	res.Summary.TotalRecords = len(in.Records)
	seen := make(map[string]struct{}, len(in.Records))
	for start := 0; start < len(in.Records); start += applyChunk {
		s.st.mu.Lock()
		now := clock().UnixNano()
		for i := start; i < min(start+applyChunk, len(in.Records)); i++ {
			rec := &in.Records[i]
			owner, key, err := s.st.checkInsight(coll, rec, seen)
			if err != nil {
				res.Failures = append(res.Failures, failureOf(coll, rec, err))
				continue
			}
			s.st.putRecord(coll, key, owner, rec.JSON, now)
			res.Summary.TotalImported++
		}
		s.st.mu.Unlock()
	}
	res.Summary.TotalRejected = len(res.Failures)
	in.Records = nil
	return compactJSON(res)
}

// checkInsight checks one imported record: its key, its owner (contact scope) and its JSON.
func (st *state) checkInsight(coll *collection, rec *insightInput, seen map[string]struct{}) (owner int32, key string, err error) {
	if rec.Key == nil || strings.TrimSpace(*rec.Key) == "" {
		return 0, "", &schemaError{reasonInvalidClientKey, "every record needs a key"}
	}
	key = *rec.Key
	if _, dup := seen[key]; dup {
		return 0, key, &schemaError{reasonDuplicateKey, fmt.Sprintf("the key '%s' appears more than once in this import", key)}
	}
	seen[key] = struct{}{}
	if coll.scope == scopeContact {
		c, err := st.owner(rec.ContactIdentity)
		if err != nil {
			return 0, key, err
		}
		owner = c.id
		if err := keyOwnedElsewhere(coll, key, owner); err != nil {
			return 0, key, err
		}
	}
	added, err := checkRecord(coll.schema, rec.JSON)
	if err != nil {
		return 0, key, err
	}
	for p, t := range added {
		coll.schema[p] = t
	}
	return owner, key, nil
}

// owner finds the contact a contact-scoped record belongs to. Insight never creates contacts.
func (st *state) owner(id *contactIdentity) (*contact, error) {
	if id == nil || id.Value == "" {
		return nil, &schemaError{reasonInvalidContactIdentifier, "a contact-scoped record needs a contactIdentity"}
	}
	switch id.Identifier {
	case "email":
		if c := st.contactByEmail(id.Value); c != nil {
			return c, nil
		}
		return nil, &schemaError{reasonContactEmailDoesNotExist, fmt.Sprintf("no contact has the email address '%s'", id.Value)}
	case "contactId":
		n, err := strconv.ParseInt(id.Value, 10, 32)
		if c := st.contacts[int32(n)]; err == nil && c != nil {
			return c, nil
		}
		return nil, &schemaError{reasonContactIDDoesNotExist, fmt.Sprintf("no contact has the id '%s'", id.Value)}
	}
	return nil, &schemaError{reasonInvalidContactIdentifier, fmt.Sprintf("'%s' is not a contact identifier the emulator knows (email or contactId)", id.Identifier)}
}

// keyOwnedElsewhere refuses a contact-scoped key that another contact's record has.
func keyOwnedElsewhere(coll *collection, key string, owner int32) error {
	if r := coll.records[key]; r != nil && r.owner != owner {
		return &schemaError{reasonKeyOtherContact, fmt.Sprintf("the key '%s' belongs to a record of another contact", key)}
	}
	return nil
}

func (st *state) putRecord(coll *collection, key string, owner int32, raw []byte, now int64) (created bool) {
	raw = bytes.Clone(raw) // the import's body goes away; the record stays
	if r := coll.records[key]; r != nil {
		r.json, r.owner, r.updated = raw, owner, now
		return false
	}
	coll.records[key] = &insightRecord{json: raw, owner: owner, created: now, updated: now}
	return true
}

func failureOf(coll *collection, rec *insightInput, err error) insightFailure {
	se := asSchemaError(err)
	f := insightFailure{FailureReason: se.reason, Details: []string{se.detail}, CollectionOwner: collectionOwner{OwnerType: coll.scope}}
	if rec.Key != nil {
		f.Key = *rec.Key
	}
	if coll.scope == scopeContact && rec.ContactIdentity != nil {
		ci := *rec.ContactIdentity
		f.CollectionOwner.ContactIdentity = &ci
	}
	f.JSON = rec.JSON
	if t := bytes.TrimSpace(rec.JSON); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		f.JSON = json.RawMessage("{}")
	}
	return f
}
