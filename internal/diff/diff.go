// Package diff compares what is about to be sent with what was last sent, record by record, so that
// an unchanged record costs no call. A record's state is its key, the fingerprint of its payload (the
// form the destination receives), its email and a status; it is saved once the destination accepted
// the record. Both halves use it: the marketing streams per page read from the store, the warehouse
// syncs per batch of their model.
package diff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/bcsync/bcsync/internal/store"
)

// Print is a payload's fingerprint: SHA-256 of its JSON (maps marshal with sorted keys: stable).
func Print(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Counter counts what a run did (a ledger.Run).
type Counter interface {
	Count(read, sent, unchanged, rejected int64)
	StillRejected(n int64)
}

// Batch is a batch of records of one stream of one sync, with what was last sent for each and what was
// refused.
type Batch struct {
	prev    map[string]store.RecordState
	refused map[string]store.Refusal
	counter Counter
}

// Load reads the last sent states and the refusals of a batch's keys. Unchanged records are counted on
// counter, as unchanged or as still rejected.
func Load(ctx context.Context, st *store.Store, syncID int64, stream string, keys []string, counter Counter) (*Batch, error) {
	prev, err := st.RecordStates(ctx, syncID, stream, keys)
	if err != nil {
		return nil, err
	}
	refused, err := st.Refusals(ctx, syncID, stream, keys)
	if err != nil {
		return nil, err
	}
	return &Batch{prev: prev, refused: refused, counter: counter}, nil
}

// Prev is what was last sent for a key, and whether anything was.
func (b *Batch) Prev(key string) (store.RecordState, bool) {
	s, ok := b.prev[key]
	return s, ok
}

// Changed reports whether next differs from what was last sent for its key, and from what was last
// refused: its fingerprint, email or status. An unchanged record is counted as unchanged, or as still
// rejected when its last outcome was a refusal (one older than the last accepted state no longer
// counts), and should be neither sent nor logged.
func (b *Batch) Changed(next store.RecordState) bool {
	prev, sent := b.prev[next.Key]
	if r, ok := b.refused[next.Key]; ok && same(r.RecordState, next) && (!sent || !r.UpdatedAt.Before(prev.UpdatedAt)) {
		b.counter.StillRejected(1)
		return false
	}
	if sent && same(prev, next) {
		b.counter.Count(0, 0, 1, 0)
		return false
	}
	return true
}

func same(a, b store.RecordState) bool {
	return a.Fingerprint == b.Fingerprint && a.Email == b.Email && a.Status == b.Status
}

// Invalid is the state bcsync remembers of a record it refused itself (an invalid email), before any
// payload: it is "still rejected" until its email changes.
func Invalid(key, email, reason string) store.RecordState {
	return store.RecordState{Key: key, Email: email, Fingerprint: "invalid:" + reason}
}
