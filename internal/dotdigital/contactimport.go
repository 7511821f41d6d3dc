package dotdigital

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// ContactImportOptions configure a ContactImporter.
type ContactImportOptions struct {
	MergeOption MergeOption // default MergeOverwrite
	// MaxBytes caps an import body; default DefaultMaxImportBytes (Dotdigital takes 50 MB).
	MaxBytes int64
	// MaxContacts caps the contacts of one import; 0 means only MaxBytes limits it. Smaller imports report
	// sooner, which suits callers that checkpoint on each report.
	MaxContacts int
	// OnDone receives the report of every import, including those that could not be sent or failed.
	// Calls are made one at a time, from the importer's goroutines.
	OnDone func(ContactImportReport)
	// OnContacts, when set, receives the contacts each import created or updated, a chunk at a time as the
	// report is read, instead of the report's Created and Updated: a report may name a whole import's
	// contacts. A chunk may come twice when the reading is retried.
	OnContacts func([]ContactRef) error
}

// ContactImportReport is the outcome of one contact import.
type ContactImportReport struct {
	ImportID string
	Status   string // Finished, or RejectedByWatchdog, Failed, ExceedsAllowedContactLimit… (empty if never accepted)
	First    int64  // sequence number of the import's first contact, counting Add calls from 0
	Contacts int    // contacts in the import
	Summary  ContactImportSummary
	Created  []ContactRef
	Updated  []ContactRef
	Failures []ContactFailure
	Polls    int
	Duration time.Duration // from acceptance to the poll that found it final
	// Err is set when the import could not be sent or polled, or ended in a status other than Finished
	// (ErrImportFailed). The contacts of such an import were not (all) imported.
	Err error
}

// ContactImportSummary are Dotdigital's counts for an import.
type ContactImportSummary struct {
	NewContacts          int `json:"newContacts"`
	UpdatedContacts      int `json:"updatedContacts"`
	GloballySuppressed   int `json:"globallySuppressed"` // updated, but unsubscribed or suppressed and kept so
	InvalidEntries       int `json:"invalidEntries"`
	DuplicateIdentifiers int `json:"duplicateIdentifiers"`
}

// ContactRef is a contact an import created or updated.
type ContactRef struct {
	ContactID int64
	Email     string
}

// ContactFailure is a contact an import refused, or a part of it (e.g. its lists) that it refused.
type ContactFailure struct {
	ContactID       int64 // 0 when the contact was not created
	Email           string
	MatchIdentifier string
	Failures        []Failure
}

// Failure is one reason a record failed, as Dotdigital codes it (InvalidEmail, ApiSchemaViolation,
// InvalidAddressBookIds, duplicateIdentifier, …).
type Failure struct {
	Code        string `json:"failureCode"`
	Description string `json:"description"`
}

// ContactImporter streams contacts into v3 contact imports (PUT /contacts/v3/import). Add and Close may
// be called from several goroutines.
type ContactImporter struct {
	b    *batcher
	opts ContactImportOptions
}

// NewContactImporter starts an importer. ctx bounds its background work (sending and polling) and is what
// the Observer sees; Close waits for that work.
func (c *Client) NewContactImporter(ctx context.Context, opts ContactImportOptions) *ContactImporter {
	if opts.MergeOption == "" {
		opts.MergeOption = MergeOverwrite
	}
	prefix := fmt.Appendf(nil, `{"mergeOption":%q,"contacts":[`, opts.MergeOption)
	imp := &ContactImporter{opts: opts}
	imp.b = newBatcher(ctx, c, "contacts", "/contacts/v3/import", prefix, opts.MaxBytes, opts.MaxContacts, c.contactSlots)
	imp.b.finish = imp.finish
	return imp
}

// Add queues one contact. It refuses a contact the API would refuse (ErrInvalidRecord), and blocks while
// the client has as many contact imports in flight as it may.
func (imp *ContactImporter) Add(ctx context.Context, ct Contact) error {
	if err := ct.validate(); err != nil {
		return err
	}
	rec, err := json.Marshal(ct.wire(true))
	if err != nil {
		return &RecordError{Key: ct.Email, Reason: err.Error()}
	}
	return imp.b.add(ctx, strings.ToLower(strings.TrimSpace(ct.Email)), rec, len(ct.ConsentRecords) > 0)
}

// Flush sends the contacts queued so far without waiting for the import to finish.
func (imp *ContactImporter) Flush(ctx context.Context) error { return imp.b.flush(ctx) }

// Close sends what is queued and waits until every import is final and reported. It returns the errors of
// the imports that did not finish well (also given to OnDone).
func (imp *ContactImporter) Close(ctx context.Context) error { return imp.b.close(ctx) }

type contactImportStatus struct {
	ImportID string               `json:"importId"`
	Status   string               `json:"status"`
	Summary  ContactImportSummary `json:"summary"`
	Failures []contactFailureJSON `json:"failures"`
}

type contactFailureJSON struct {
	ContactID       int64           `json:"contactId"`
	MatchIdentifier string          `json:"matchIdentifier"`
	Identifiers     identifiersJSON `json:"identifiers"`
	Failures        []Failure       `json:"failures"`
}

// A report names up to a whole import's contacts: structs, not maps, keep it small.
type contactRefJSON struct {
	ContactID   int64           `json:"contactId"`
	Identifiers identifiersJSON `json:"identifiers"`
}

type identifiersJSON struct {
	Email string `json:"email"`
}

func (imp *ContactImporter) finish(ctx context.Context, bt *batch, id string, sendErr error) error {
	r := ContactImportReport{ImportID: id, First: bt.first, Contacts: bt.records, Err: sendErr}
	if sendErr == nil {
		c := imp.b.c
		var st contactImportStatus
		polls, took, err := imp.b.poll(ctx, &c.contactEst, bt.records, pathf("/contacts/v3/import/%s", id), func(body io.Reader) (bool, error) {
			st = contactImportStatus{}
			r.Created, r.Updated = r.Created[:0], r.Updated[:0]
			if err := decodeContactStatus(body, &st, &r, imp.opts.OnContacts); err != nil {
				return false, err
			}
			// NotFinished is the only status an import passes through.
			return st.Status != "" && st.Status != "NotFinished", nil
		})
		r.Polls, r.Duration, r.Err = polls, took, err
		if err == nil {
			r.fill(&st)
		}
	}
	if imp.opts.OnDone != nil {
		imp.b.report(func() { imp.opts.OnDone(r) })
	}
	return r.Err
}

func (r *ContactImportReport) fill(st *contactImportStatus) {
	r.Status, r.Summary = st.Status, st.Summary
	for _, f := range st.Failures {
		r.Failures = append(r.Failures, ContactFailure{ContactID: f.ContactID, Email: f.Identifiers.Email, MatchIdentifier: f.MatchIdentifier, Failures: f.Failures})
	}
	if st.Status != "Finished" {
		r.Err = &ImportFailedError{Kind: "contacts", ImportID: r.ImportID, Status: st.Status}
	}
}
