package marketing

import (
	"context"
	"errors"
	"strings"

	"github.com/bcsync/bcsync/internal/dotdigital"
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
		OnDone: func(r dotdigital.ContactImportReport) {
			ids := map[string]int64{}
			for _, ref := range append(r.Created, r.Updated...) {
				ids[normEmail(ref.Email)] = ref.ContactID
			}
			failed := map[string]dotdigital.ContactFailure{}
			for _, f := range r.Failures {
				failed[normEmail(f.Email)] = f
			}
			sk.report(ctx, r.First, r.Contacts, r.Err, func(p *pending) outcome {
				o := outcome{pending: p, contactID: ids[p.email]}
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
					if o.contactID == 0 {
						o.contactID = f.ContactID
					}
				}
				return o
			})
		},
	})
	return imp, sk
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
	imp := rc.dd.NewInsightImporter(ctx, dotdigital.InsightImportOptions{
		Collection: dotdigital.Collection{Name: collection, Scope: scope, Type: typ},
		MaxBytes:   rc.e.opts.InsightImportMaxBytes,
		OnDone: func(r dotdigital.InsightImportReport) {
			failed := map[string]dotdigital.InsightFailure{}
			for _, f := range r.Failures {
				failed[f.Key] = f
			}
			sk.report(ctx, r.First, r.Records, r.Err, func(p *pending) outcome {
				o := outcome{pending: p}
				if f, ok := failed[p.key]; ok {
					o.failure, o.detail, o.record = f.Reason, strings.Join(f.Details, "; "), f.JSON
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
	rc.save(context.WithoutCancel(ctx), true)
	if readErr != nil {
		return readErr
	}
	if err := sk.failure(); err != nil {
		return err
	}
	return closeErr
}
