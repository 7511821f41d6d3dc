package marketing

import (
	"context"
	"errors"
	"strings"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// recordRefused returns the client's refusal of one record, if err is one.
func recordRefused(err error) *dotdigital.RecordError {
	var re *dotdigital.RecordError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// contactSink starts a contact importer whose reports settle a stream's records.
func (rc *runContext) contactSink(ctx context.Context, stream string, merge dotdigital.MergeOption, settle func(context.Context, []outcome) error) (*dotdigital.ContactImporter, *sink) {
	sk := newSink(rc, stream, settle)
	imp := rc.dd.NewContactImporter(ctx, dotdigital.ContactImportOptions{
		MergeOption: merge,
		MaxBytes:    rc.e.opts.ContactImportMaxBytes,
		// The contacts' ids go to the state store as the report is read: it may name a whole import's.
		OnContacts: func(refs []dotdigital.ContactRef) error { return rc.saveContactRefs(ctx, refs) },
		OnDone: func(r dotdigital.ContactImportReport) {
			failed := map[string]dotdigital.ContactFailure{}
			for _, f := range r.Failures {
				failed[normEmail(f.Email)] = f
			}
			sk.report(ctx, r.First, r.Contacts, r.Err, func(p *pending) outcome {
				o := outcome{pending: p}
				if f, ok := failed[p.email]; ok {
					codes := make([]string, 0, len(f.Failures))
					details := make([]string, 0, len(f.Failures))
					for _, x := range f.Failures {
						codes = append(codes, x.Code)
						details = append(details, x.Description)
					}
					o.failure, o.detail = strings.Join(codes, ","), strings.Join(details, "; ")
					if o.failure == "" {
						o.failure = "Failed"
					}
				}
				return o
			})
		},
	})
	return imp, sk
}

// saveContactRefs records contacts an import created or updated, with their Dotdigital ids.
func (rc *runContext) saveContactRefs(ctx context.Context, refs []dotdigital.ContactRef) error {
	batch := make([]store.Contact, len(refs))
	for i, ref := range refs {
		batch[i] = store.Contact{Email: normEmail(ref.Email), ContactID: ref.ContactID}
	}
	return rc.e.store.SaveContacts(ctx, rc.conn.ID, batch)
}

// insightSink starts an Insight importer of one collection whose reports settle a stream's records.
func (rc *runContext) insightSink(ctx context.Context, stream, collection string, scope dotdigital.Scope, typ string) (*dotdigital.InsightImporter, *sink) {
	var settle func(context.Context, []outcome) error
	switch collection {
	case collectionOrders:
		settle = rc.settleOrders(stream)
	default:
		settle = rc.settleAccountRecords(stream)
	}
	sk := newSink(rc, stream, settle)
	// Refusals come a chunk at a time as each report is read. On a backfill an import may refuse most of
	// its records (orders sent to learn whether their email is a contact), so they are kept compactly.
	refused := newRefusals()
	imp := rc.dd.NewInsightImporter(ctx, dotdigital.InsightImportOptions{
		Collection: dotdigital.Collection{Name: collection, Scope: scope, Type: typ},
		MaxBytes:   rc.e.opts.InsightImportMaxBytes,
		OnFailures: func(first int64, fs []dotdigital.InsightFailure) error {
			for _, f := range fs {
				refused.add(first, f.Key, f.Reason, strings.Join(f.Details, "; "))
			}
			return nil
		},
		OnDone: func(r dotdigital.InsightImportReport) {
			failed := refused.take(r.First)
			sk.report(ctx, r.First, r.Records, r.Err, func(p *pending) outcome {
				o := outcome{pending: p}
				if reason, detail, ok := failed.of(p.key); ok {
					o.failure, o.detail = reason, detail
				}
				return o
			})
		},
	})
	return imp, sk
}

// closer is what both importers offer.
type closer interface{ Close(context.Context) error }

// closeSink sends what is queued, waits for every report and returns the stream's error: the read's,
// else the first import's or settling's. It always waits, so that what was accepted is recorded.
func (rc *runContext) closeSink(ctx context.Context, imp closer, sk *sink, readErr error) error {
	closeErr := imp.Close(context.WithoutCancel(ctx))
	defer sk.close()
	if err := sk.commit(context.WithoutCancel(ctx)); err != nil && readErr == nil {
		readErr = err
	}
	rc.run.Save(context.WithoutCancel(ctx), true)
	if readErr != nil {
		return readErr
	}
	if err := sk.failure(); err != nil {
		return err
	}
	return closeErr
}
