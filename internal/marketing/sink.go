package marketing

import (
	"context"
	"fmt"
	"sync"

	"github.com/bcsync/bcsync/internal/store"
)

// maxPending bounds the records a stream may have in imports whose report has not come back, so that
// memory stays flat however large the store is (the import bodies themselves spill to disk).
const maxPending = 250_000

// sink follows one stream's records through Dotdigital imports to their outcome, in read order, and
// moves the stream's cursor past a page only once every record up to the end of that page has one.
// An import that fails as a whole stops the cursor before it: the next run reads those records again.
type sink struct {
	rc     *runContext
	stream string
	settle func(ctx context.Context, outs []outcome) error

	mu       sync.Mutex
	cond     *sync.Cond
	next     int64           // sequence number of the next record added to an import
	base     int64           // sequence number of recs[0]
	recs     []*pending      // added, not yet settled
	settled  int64           // every record before it has an outcome
	reported map[int64]int64 // reports past settled: first → end
	blocked  int64           // first record of a failed import (-1: none)
	pages    []pageEnd
	err      error
}

// pending is a record in an import, with what to save once Dotdigital accepted it.
type pending struct {
	key   string
	email string
	state store.RecordState
	// newContact asks for programme enrolment once the contact exists (new customer / subscriber).
	newContact string
	// consent is the note of a consent record the contact carries, marked recorded once accepted.
	consent *store.RecordState
}

// outcome is what became of one pending record.
type outcome struct {
	*pending
	failure   string // Dotdigital's failure code(s); "" when accepted
	detail    string
	contactID int64
	record    []byte // a refused Insight record, as Dotdigital returned it
}

type pageEnd struct {
	seq    int64
	cursor string
}

func newSink(rc *runContext, stream string, settle func(ctx context.Context, outs []outcome) error) *sink {
	s := &sink{rc: rc, stream: stream, settle: settle, reported: map[int64]int64{}, blocked: -1}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// add hands a record to the importer (send) and tracks it; records the importer refuses are rejected.
func (s *sink) add(ctx context.Context, p *pending, send func() error) error {
	s.mu.Lock()
	for int64(len(s.recs)) >= maxPending && s.err == nil && ctx.Err() == nil {
		s.cond.Wait()
	}
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := send(); err != nil {
		return err
	}
	s.mu.Lock()
	s.recs = append(s.recs, p)
	s.next++
	s.mu.Unlock()
	return nil
}

// endPage marks the end of a page read from the store; cursor is where the stream resumes after it.
func (s *sink) endPage(ctx context.Context, cursor string) error {
	s.mu.Lock()
	s.pages = append(s.pages, pageEnd{seq: s.next, cursor: cursor})
	s.mu.Unlock()
	return s.commit(ctx)
}

// report takes an import's outcome for records first … first+n-1. failed says the import as a whole
// did not go through; outcomeOf gives each accepted import's per-record outcome.
func (s *sink) report(ctx context.Context, first int64, n int, failed error, outcomeOf func(*pending) outcome) {
	s.mu.Lock()
	var outs []outcome
	if failed == nil {
		for seq := first; seq < first+int64(n); seq++ {
			outs = append(outs, outcomeOf(s.recs[seq-s.base]))
		}
	}
	s.mu.Unlock()
	var err error
	if failed != nil {
		err = fmt.Errorf("%s: %w", s.stream, failed)
	} else if err = s.settle(ctx, outs); err != nil {
		err = fmt.Errorf("%s: %w", s.stream, err)
	}
	s.mu.Lock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		if s.blocked < 0 || first < s.blocked {
			s.blocked = first
		}
	}
	s.reported[first] = first + int64(n)
	for {
		end, ok := s.reported[s.settled]
		if !ok {
			break
		}
		delete(s.reported, s.settled)
		s.settled = end
	}
	if drop := s.settled - s.base; drop > 0 {
		clear(s.recs[:drop])
		s.recs = s.recs[drop:]
		s.base = s.settled
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	if err := s.commit(ctx); err != nil {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
}

// commit saves the cursor of the last page whose records all have an outcome.
func (s *sink) commit(ctx context.Context) error {
	s.mu.Lock()
	limit := s.settled
	if s.blocked >= 0 && s.blocked < limit {
		limit = s.blocked
	}
	cursor := ""
	for len(s.pages) > 0 && s.pages[0].seq <= limit {
		cursor = s.pages[0].cursor
		s.pages = s.pages[1:]
	}
	s.mu.Unlock()
	if cursor == "" {
		return nil
	}
	return s.rc.e.store.SetCursor(ctx, s.rc.conn.ID, s.stream, cursor)
}

// failure returns the first error met while settling.
func (s *sink) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
