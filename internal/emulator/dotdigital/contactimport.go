package dotdigital

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type contactImportBody struct {
	MergeOption string            `json:"mergeOption"`
	Contacts    []importedContact `json:"contacts"`
}

// importedContact is one contact of an import. A contact not of the request's shape (an unknown
// property, a value of the wrong type) fails alone with ApiSchemaViolation, as C3's failure codes say,
// instead of the whole import.
type importedContact struct {
	contactInput
	problem *v3Detail
}

func (c *importedContact) UnmarshalJSON(b []byte) error {
	if err := decodeStrict(b, &c.contactInput); err != nil {
		p := bodyProblem(err)
		c.problem = &p
		// What can be read names the contact in the report.
		var loose struct {
			MatchIdentifier string         `json:"matchIdentifier"`
			Identifiers     map[string]any `json:"identifiers"`
		}
		json.Unmarshal(b, &loose)
		c.contactInput = contactInput{MatchIdentifier: loose.MatchIdentifier, Identifiers: loose.Identifiers}
	}
	return nil
}

type contactRef struct {
	ContactID   int32             `json:"contactId"`
	Identifiers map[string]string `json:"identifiers"`
}

type contactImportFailure struct {
	ContactID       int32             `json:"contactId,omitempty"`
	MatchIdentifier string            `json:"matchIdentifier"`
	Identifiers     map[string]string `json:"identifiers"`
	Failures        []v3Failure       `json:"failures"`
}

type contactImportSummary struct {
	NewContacts          int `json:"newContacts"`
	UpdatedContacts      int `json:"updatedContacts"`
	GloballySuppressed   int `json:"globallySuppressed"`
	InvalidEntries       int `json:"invalidEntries"`
	DuplicateIdentifiers int `json:"duplicateIdentifiers"`
}

type contactImportResult struct {
	ImportID string                 `json:"importId"`
	Status   string                 `json:"status"`
	Summary  contactImportSummary   `json:"summary"`
	Created  []contactRef           `json:"created"`
	Updated  []contactRef           `json:"updated"`
	Failures []contactImportFailure `json:"failures"`
}

// importContacts answers PUT /contacts/v3/import.
func (s *Server) importContacts(w http.ResponseWriter, r *http.Request) {
	var in contactImportBody
	if !s.decodeBody(w, r, &in) {
		return
	}
	switch in.MergeOption {
	case "":
		in.MergeOption = "overwrite"
	case "overwrite", "overwriteIfNotEmpty", "overwriteIfEmpty":
	default:
		writeV3Error(w, http.StatusBadRequest, "contacts:badJson", "The request JSON is badly formed",
			v3Detail{Item: "mergeOption", Description: fmt.Sprintf("'%s' is not a merge option", in.MergeOption)})
		return
	}
	if len(in.Contacts) == 0 {
		writeV3Error(w, http.StatusBadRequest, "contacts:noContactsSpecified", "No contacts were specified")
		return
	}
	job, ok := s.startJob(kindContacts, "NotFinished", r.ContentLength, len(in.Contacts), importLists(in.Contacts))
	if !ok {
		writeV3Error(w, http.StatusTooManyRequests, "contacts:tooManyActiveImports",
			"Your import request cannot be accepted as too many imports are being processed for you account. Please wait for an import to complete and then resubmit.")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"importId": job.id})
	s.runJob(job, "NotFinished", func() []string {
		keys := make([]string, 0, len(in.Contacts))
		for _, c := range in.Contacts {
			if e, ok := c.Identifiers["email"].(string); ok {
				keys = append(keys, strings.ToLower(e))
			}
		}
		return keys
	}, func() (string, []byte) { return "Finished", s.applyContactImport(job.id, &in) })
}

// applyContactImport applies every contact of an import and returns the import's final status body.
func (s *Server) applyContactImport(id string, in *contactImportBody) []byte {
	res := contactImportResult{ImportID: id, Status: "Finished", Created: []contactRef{}, Updated: []contactRef{}, Failures: []contactImportFailure{}}
	seen := make(map[string]struct{}, len(in.Contacts))
	for start := 0; start < len(in.Contacts); start += applyChunk {
		s.st.mu.Lock()
		now := clock()
		for i := start; i < min(start+applyChunk, len(in.Contacts)); i++ {
			c := &in.Contacts[i]
			ident := c.identity()
			echo := map[string]string{}
			if ident.email != "" {
				echo["email"] = ident.email
			}
			failed := func(contactID int32, fs ...v3Failure) {
				res.Failures = append(res.Failures, contactImportFailure{ContactID: contactID, MatchIdentifier: ident.match, Identifiers: echo, Failures: fs})
			}
			key := strings.ToLower(ident.email)
			if ident.match == "contactId" {
				key = fmt.Sprint("#", ident.id)
			}
			if _, dup := seen[key]; dup && key != "" {
				res.Summary.DuplicateIdentifiers++
				failed(0, v3Failure{"duplicateIdentifier", "The contact appears more than once in this import"})
				continue
			}
			seen[key] = struct{}{}
			if c.problem != nil {
				res.Summary.InvalidEntries++
				failed(0, v3Failure{"ApiSchemaViolation", c.problem.Description})
				continue
			}
			p := s.st.planContact(&c.contactInput, ident)
			if len(p.fatal) > 0 {
				res.Summary.InvalidEntries++
				var cid int32
				if p.target != nil {
					cid = p.target.id
				}
				failed(cid, p.fatal...)
				continue
			}
			ct, created, kept := s.st.apply(p, in.MergeOption, now)
			ref := contactRef{ContactID: ct.id, Identifiers: map[string]string{"email": ct.email}}
			if created {
				res.Summary.NewContacts++
				res.Created = append(res.Created, ref)
			} else {
				res.Summary.UpdatedContacts++
				res.Updated = append(res.Updated, ref)
			}
			if kept {
				res.Summary.GloballySuppressed++
			}
			if len(p.partial) > 0 {
				failed(ct.id, p.partial...)
			}
		}
		s.st.mu.Unlock()
	}
	in.Contacts = nil
	return compactJSON(res)
}

// importLists names the lists an import puts contacts in ("lists 101,102"), for inspection.
func importLists(contacts []importedContact) string {
	var ids []int64
	for _, c := range contacts {
		for _, l := range c.Lists {
			if !slices.Contains(ids, l) {
				ids = append(ids, l)
			}
		}
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "lists " + strings.Join(parts, ",")
}
