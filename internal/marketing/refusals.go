package marketing

import (
	"hash/maphash"
	"sync"

	"github.com/bcsync/bcsync/internal/dotdigital"
)

// refusals holds the records each Insight import refused until its report settles them: per import, a
// 64-bit hash of each refused key → its reason, each distinct reason kept once. That is about 12 bytes
// a refusal instead of a key and a reason string. Two keys of one import share a hash with a
// probability near n²/2⁶⁵ (about 10⁻¹⁰ for 60,000 refusals); the cost would be one accepted record
// recorded as refused.
type refusals struct {
	mu       sync.Mutex
	seed     maphash.Seed
	reasons  []reason
	reasonID map[reason]uint32
	byImport map[int64]map[uint64]uint32 // first record of an import → key hash → reason
}

type reason struct{ code, detail string }

// refused is one import's refusals.
type refused struct {
	r    *refusals
	keys map[uint64]uint32
}

func newRefusals() *refusals {
	return &refusals{seed: maphash.MakeSeed(), reasonID: map[reason]uint32{}, byImport: map[int64]map[uint64]uint32{}}
}

func (r *refusals) add(first int64, key, code, detail string) {
	switch code {
	case "":
		code = "Failed"
	case dotdigital.FailureContactEmailDoesNotExist:
		// The bulk of a backfill's refusals: the record waits for its contact, and the detail, which
		// only repeats the email, is never shown.
		detail = ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	why := reason{code, detail}
	id, ok := r.reasonID[why]
	if !ok {
		id = uint32(len(r.reasons))
		r.reasons = append(r.reasons, why)
		r.reasonID[why] = id
	}
	m := r.byImport[first]
	if m == nil {
		m = map[uint64]uint32{}
		r.byImport[first] = m
	}
	m[maphash.String(r.seed, key)] = id
}

// take removes and returns the refusals of the import starting at first.
func (r *refusals) take(first int64) refused {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.byImport[first]
	delete(r.byImport, first)
	return refused{r, m}
}

// of returns why key was refused, if it was.
func (f refused) of(key string) (code, detail string, ok bool) {
	id, ok := f.keys[maphash.String(f.r.seed, key)]
	if !ok {
		return "", "", false
	}
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	why := f.r.reasons[id]
	return why.code, why.detail, true
}
