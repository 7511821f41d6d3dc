package marketing

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/diff"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

const (
	streamProducts    = "products"
	productsReconcile = "products.reconciled"
)

// productsStream keeps the account-scoped Insight collection Catalog_Default equal to the store's
// visible products, key = product id: changed visible products are sent, products hidden since are
// deleted from the collection, and once a day the collection is checked against the store for products
// deleted from it (BigCommerce lists no deletions).
type productsStream struct{}

func (productsStream) name() string             { return streamProducts }
func (productsStream) enabled(*runContext) bool { return true }

func (productsStream) sync(ctx context.Context, rc *runContext) error {
	since, err := rc.since(ctx, streamProducts)
	if err != nil {
		return err
	}
	q := bigcommerce.ProductQuery{}
	if since.IsZero() {
		// First read: nothing was sent, so hidden products need not be seen at all.
		visible := true
		q.Visible = &visible
	}
	imp, sk := rc.insightSink(ctx, streamProducts, collectionCatalog, dotdigital.ScopeAccount, "catalog")
	err = readSorted(ctx, rc, since, bigcommerce.MaxPageSize,
		func(w window) iter.Seq2[[]bigcommerce.Product, error] {
			q := q
			q.ModifiedSince, q.ModifiedUntil, q.FirstPage = w.Since, w.Until, w.FirstPage
			return rc.bc.Products(rc.firstRead(ctx, streamProducts, w), q)
		},
		func(p *bigcommerce.Product) time.Time { return p.DateModified },
		func(p *bigcommerce.Product) int { return p.ID },
		func(page []bigcommerce.Product) error { return rc.productsPage(ctx, page, imp, sk) })
	if err := rc.closeSink(ctx, imp, sk, err); err != nil {
		return err
	}
	return rc.reconcileProducts(ctx, since.IsZero())
}

func (rc *runContext) productsPage(ctx context.Context, page []bigcommerce.Product, imp *dotdigital.InsightImporter, sk *sink) error {
	if len(page) == 0 {
		return nil
	}
	keys := make([]string, len(page))
	for i := range page {
		keys[i] = strconv.Itoa(page[i].ID)
	}
	sent, err := diff.Load(ctx, rc.e.store, rc.conn.ID, streamProducts, keys, rc.run)
	if err != nil {
		return err
	}
	var hidden []string
	var rejected []rejection
	for i := range page {
		p := &page[i]
		rc.run.Count(1, 0, 0, 0)
		key := keys[i]
		prev, _ := sent.Prev(key)
		if !p.IsVisible {
			if prev.Status == 1 {
				hidden = append(hidden, key)
			} else {
				rc.run.Skip("hidden in the store", 1)
			}
			continue
		}
		body, err := json.Marshal(newProductRecord(p, rc.conn.StoreURL))
		if err != nil {
			return err
		}
		state := store.RecordState{Key: key, Fingerprint: diff.Print(json.RawMessage(body)), Status: 1, OccurredAt: p.DateCreated}
		if !sent.Changed(state) {
			continue
		}
		pd := &pending{key: key, state: state}
		if err := sk.add(ctx, pd, func() error { return imp.Add(ctx, dotdigital.InsightRecord{Key: key, JSON: body}) }); err != nil {
			if rerr := recordRefused(err); rerr != nil {
				rejected = append(rejected, rejection{store.Rejected{Key: key, Reason: "Refused", Detail: rerr.Reason}, state})
				continue
			}
			return err
		}
	}
	if err := rc.removeProducts(ctx, hidden); err != nil {
		return err
	}
	if err := rc.reject(ctx, streamProducts, rejected); err != nil {
		return err
	}
	rc.run.Save(ctx, false)
	return sk.endPage(ctx, rc.pageCursor(page[len(page)-1].DateModified))
}

// removeProducts deletes products' records from the catalogue collection.
func (rc *runContext) removeProducts(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := rc.dd.DeleteInsightRecords(ctx, collectionCatalog, keys); err != nil {
		return err
	}
	states := make([]store.RecordState, len(keys))
	for i, k := range keys {
		states[i] = store.RecordState{Key: k, Status: 0}
	}
	rc.run.Count(0, int64(len(keys)), 0, 0)
	return rc.e.store.SaveRecordStates(ctx, rc.conn.ID, streamProducts, states)
}

// reconcileProducts removes from the collection the products the store no longer has, at most once
// per ReconcileEvery.
func (rc *runContext) reconcileProducts(ctx context.Context, firstRead bool) error {
	s := rc.e.store
	now := rc.e.opts.Now()
	last, err := s.Cursor(ctx, rc.conn.ID, productsReconcile)
	if err != nil {
		return err
	}
	if !firstRead && last != "" {
		if t, err := time.Parse(time.RFC3339Nano, last); err == nil && now.Sub(t) < rc.e.opts.ReconcileEvery {
			return nil
		}
	}
	if !firstRead {
		sent, err := s.RecordKeys(ctx, rc.conn.ID, streamProducts, 1)
		if err != nil {
			return err
		}
		exists := map[string]bool{}
		for page, err := range rc.bc.ProductIDs(ctx) {
			if err != nil {
				return err
			}
			for _, id := range page {
				exists[strconv.Itoa(id)] = true
			}
		}
		var gone []string
		for _, k := range sent {
			if !exists[k] {
				gone = append(gone, k)
			}
		}
		rc.run.Count(int64(len(gone)), 0, 0, 0) // each removal is a record handled: read, then sent
		if err := rc.removeProducts(ctx, gone); err != nil {
			return err
		}
	}
	return s.SetCursor(ctx, rc.conn.ID, productsReconcile, formatCursor(now))
}

// settleAccountRecords handles a catalogue import's outcome.
func (rc *runContext) settleAccountRecords(stream string) func(ctx context.Context, outs []outcome) error {
	return func(ctx context.Context, outs []outcome) error {
		var states []store.RecordState
		var rejected []rejection
		for _, o := range outs {
			if o.failure != "" { // remembered as refused: not sent again until it changes
				rejected = append(rejected, rejection{store.Rejected{Key: o.key, Reason: o.failure, Detail: o.detail}, o.state})
				continue
			}
			states = append(states, o.state)
		}
		rc.run.CountIn(stream, 0, int64(len(states)), 0, 0)
		if err := rc.e.store.SaveRecordStates(ctx, rc.conn.ID, stream, states); err != nil {
			return err
		}
		return rc.reject(ctx, stream, rejected)
	}
}
