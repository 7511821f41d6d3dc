package dotdigital

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Insight record failure reasons, as import reports give them. I3 names a value whose type differs from
// the collection's schema JsonValueIncompatibleWithSchema; the v2 import called it InconsistentTypes.
const (
	FailureContactEmailDoesNotExist = "ContactEmailDoesNotExist"
	FailureContactIDDoesNotExist    = "ContactIdDoesNotExist"
	FailureIncompatibleWithSchema   = "JsonValueIncompatibleWithSchema"
	FailureInconsistentTypes        = "InconsistentTypes"
	FailureNestedArray              = "JsonContainsNestedArray"
	FailureDuplicateKey             = "DuplicateKey"
	FailureInvalidJSON              = "InvalidJson"
)

// IsTypeConflict reports whether a failure reason means a field's type differs from the one the
// collection already holds, in either API version's words.
func IsTypeConflict(reason string) bool {
	return reason == FailureIncompatibleWithSchema || reason == FailureInconsistentTypes
}

// InsightImportOptions configure an InsightImporter.
type InsightImportOptions struct {
	Collection Collection
	// MaxBytes caps an import body; default DefaultMaxImportBytes. MaxRecords caps the records of one
	// import; 0 means only MaxBytes limits it.
	MaxBytes   int64
	MaxRecords int
	// OnDone receives the report of every import, including those that could not be sent or failed.
	// Calls are made one at a time, from the importer's goroutines.
	OnDone func(InsightImportReport)
	// OnFailures, when set, receives the records an import refused, a chunk at a time as its report is read
	// (first names the import, as in its report), instead of the report's Failures: on a backfill an import
	// may refuse most of its records. A chunk may come twice when the reading is retried.
	OnFailures func(first int64, failures []InsightFailure) error
}

// InsightImportReport is the outcome of one Insight import.
type InsightImportReport struct {
	ImportID   string
	Collection string
	Status     string // Complete (Dotdigital may say Finished) or Failed; empty if never accepted
	First      int64  // sequence number of the import's first record, counting Add calls from 0
	Records    int
	Summary    InsightImportSummary
	Failures   []InsightFailure
	Polls      int
	Duration   time.Duration
	// Err is set when the import could not be sent or polled, or failed (ErrImportFailed).
	Err error
}

// InsightImportSummary are Dotdigital's counts for an import.
type InsightImportSummary struct {
	TotalRecords  int `json:"totalRecords"`
	TotalImported int `json:"totalImported"`
	TotalRejected int `json:"totalRejected"`
}

// InsightFailure is a record an import refused.
type InsightFailure struct {
	Key          string
	ContactEmail string
	Reason       string // FailureContactEmailDoesNotExist, FailureIncompatibleWithSchema, …
	Details      []string
}

// InsightImporter streams records into v3 Insight imports (PUT /insightData/v3/import) of one collection.
// Add and Close may be called from several goroutines.
type InsightImporter struct {
	b    *batcher
	opts InsightImportOptions
	err  error
}

// NewInsightImporter starts an importer for one collection, which Dotdigital creates on the first import
// if it does not exist. ctx bounds its background work; Close waits for that work.
func (c *Client) NewInsightImporter(ctx context.Context, opts InsightImportOptions) *InsightImporter {
	coll := opts.Collection
	prefix := fmt.Appendf(nil, `{"collectionName":%q,"collectionScope":%q,"collectionType":%q,"records":[`, coll.Name, coll.Scope, coll.Type)
	imp := &InsightImporter{opts: opts, err: coll.validate()}
	imp.b = newBatcher(ctx, c, "insight", "/insightData/v3/import", prefix, opts.MaxBytes, opts.MaxRecords, c.insightSlots)
	imp.b.finish = imp.finish
	return imp
}

// Add queues one record. It refuses a record the API would refuse (ErrInvalidRecord), and blocks while the
// client has as many Insight imports in flight as it may.
func (imp *InsightImporter) Add(ctx context.Context, rec InsightRecord) error {
	if imp.err != nil {
		return imp.err
	}
	scope := imp.opts.Collection.Scope
	if err := rec.validate(scope); err != nil {
		return err
	}
	if !json.Valid(rec.JSON) {
		return &RecordError{Key: rec.Key, Reason: "the record's json is not valid JSON"}
	}
	// The record's JSON goes into the body as it is: marshalling it again would only copy it.
	raw := bytes.TrimSpace(rec.JSON)
	b := make([]byte, 0, len(raw)+len(rec.Key)+len(rec.ContactEmail)+80)
	b = append(b, `{"key":`...)
	b = appendString(b, rec.Key)
	if scope == ScopeContact {
		b = append(b, `,"contactIdentity":{"identifier":"email","value":`...)
		b = appendString(b, strings.TrimSpace(rec.ContactEmail))
		b = append(b, '}')
	}
	b = append(b, `,"json":`...)
	b = append(b, raw...)
	b = append(b, '}')
	return imp.b.add(ctx, rec.Key, b, false)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// Flush sends the records queued so far without waiting for the import to finish.
func (imp *InsightImporter) Flush(ctx context.Context) error { return imp.b.flush(ctx) }

// Close sends what is queued and waits until every import is final and reported. It returns the errors of
// the imports that did not finish well (also given to OnDone).
func (imp *InsightImporter) Close(ctx context.Context) error { return imp.b.close(ctx) }

type insightImportStatus struct {
	ImportID       string               `json:"importId"`
	Status         string               `json:"status"`
	CollectionName string               `json:"collectionName"`
	Summary        InsightImportSummary `json:"summary"`
	Failures       []InsightFailure     // as read (unless OnFailures took them)
}

// insightFailureJSON is a refused record in a report; its own JSON is left out.
type insightFailureJSON struct {
	Key             string `json:"key"`
	CollectionOwner struct {
		ContactIdentity *struct {
			Identifier string `json:"identifier"`
			Value      string `json:"value"`
		} `json:"contactIdentity"`
	} `json:"collectionOwner"`
	FailureReason string   `json:"failureReason"`
	Details       []string `json:"details"`
}

// insightFinal says whether a status is final. I3 lists NotStarted, Processing, Complete and Failed, but
// its example and the official SDK use Finished: both count as done.
func insightFinal(status string) bool {
	switch status {
	case "", "NotStarted", "Processing", "NotFinished":
		return false
	}
	return true
}

func insightSucceeded(status string) bool { return status == "Complete" || status == "Finished" }

func (imp *InsightImporter) finish(ctx context.Context, bt *batch, id string, sendErr error) error {
	r := InsightImportReport{ImportID: id, Collection: imp.opts.Collection.Name, First: bt.first, Records: bt.records, Err: sendErr}
	if sendErr == nil {
		c := imp.b.c
		var st insightImportStatus
		polls, took, err := imp.b.poll(ctx, &c.insightEst, bt.records, pathf("/insightData/v3/import/%s", id), func(body io.Reader) (bool, error) {
			st = insightImportStatus{}
			var onFailures func([]InsightFailure) error
			if imp.opts.OnFailures != nil {
				onFailures = func(fs []InsightFailure) error { return imp.opts.OnFailures(bt.first, fs) }
			}
			if err := decodeInsightStatus(body, &st, onFailures); err != nil {
				return false, err
			}
			return insightFinal(st.Status), nil
		})
		r.Polls, r.Duration, r.Err = polls, took, err
		if err == nil {
			r.Status, r.Summary, r.Failures = st.Status, st.Summary, st.Failures
			if !insightSucceeded(st.Status) {
				r.Err = &ImportFailedError{Kind: "insight", ImportID: id, Status: st.Status}
			}
		}
	}
	if imp.opts.OnDone != nil {
		imp.b.report(func() { imp.opts.OnDone(r) })
	}
	return r.Err
}

func (f *insightFailureJSON) failure() InsightFailure {
	out := InsightFailure{Key: f.Key, Reason: f.FailureReason, Details: f.Details}
	if ci := f.CollectionOwner.ContactIdentity; ci != nil && ci.Identifier == "email" {
		out.ContactEmail = ci.Value
	}
	return out
}
