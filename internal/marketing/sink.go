package marketing

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// maxPending bounds the records a stream may have in imports whose report has not come back.
const maxPending = 1_000_000

// sink follows one stream's records through Dotdigital imports to their outcome, in read order, and
// moves the stream's cursor past a page only once every record up to the end of that page has one.
// An import that fails as a whole stops the cursor before it: the next run reads those records again.
//
// What to save once a record is accepted waits in an unlinked temporary file, not in memory: an import
// holds up to 50 MB of records, several are in flight, and memory must not grow with the store. Only
// the offset of every indexEvery-th record is kept; reading back skips lines from the nearest one.
type sink struct {
	rc     *runContext
	stream string
	settle func(ctx context.Context, outs []outcome) error

	mu       sync.Mutex
	cond     *sync.Cond
	next     int64           // sequence number of the next record added to an import
	base     int64           // sequence number of index[0], a multiple of indexEvery
	index    []int64         // file offset of records base, base+indexEvery, …
	size     int64           // bytes written to the file
	reported map[int64]int64 // reports past settled: first → end
	settled  int64           // every record before it has an outcome
	blocked  int64           // first record of a failed import (-1: none)
	pages    []pageEnd
	err      error

	file *os.File
	w    *bufio.Writer
}

// pending is a record in an import, with what to save once Dotdigital accepted it.
type pending struct {
	key   string
	email string
	state store.RecordState
	// newContact asks for programme enrolment once the contact exists (new customer / subscriber).
	newContact string
	// parked says the record waits in the state store already (its body is there if it is refused).
	parked bool
}

// outcome is what became of one pending record.
type outcome struct {
	*pending
	failure string // Dotdigital's failure code(s); "" when accepted
	detail  string
}

// indexEvery is how many records share one offset in the sink's index.
const indexEvery = 256

type pageEnd struct {
	seq    int64
	cursor string
}

// pendingLine is a pending record in the file.
type pendingLine struct {
	Key        string `json:"k"`
	Email      string `json:"e,omitempty"`
	Print      string `json:"f,omitempty"`
	AmountE4   int64  `json:"a,omitempty"`
	OccurredMS int64  `json:"o,omitempty"`
	Status     int64  `json:"s,omitempty"`
	NewContact string `json:"n,omitempty"`
	Parked     bool   `json:"p,omitempty"`
}

func newSink(rc *runContext, stream string, settle func(ctx context.Context, outs []outcome) error) *sink {
	s := &sink{rc: rc, stream: stream, settle: settle, reported: map[int64]int64{}, blocked: -1}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// add hands a record to the importer (send) and tracks it.
func (s *sink) add(ctx context.Context, p *pending, send func() error) error {
	s.mu.Lock()
	for s.next-s.settled >= maxPending && s.err == nil && ctx.Err() == nil {
		s.cond.Wait()
	}
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// Sent first: an import's report can only come after a later add, flush or close, so the record is
	// in the file before anyone asks for it.
	if err := send(); err != nil {
		return err
	}
	line := pendingLine{Key: p.key, Email: p.email, Print: p.state.Fingerprint, AmountE4: p.state.AmountE4,
		OccurredMS: p.state.OccurredAt.UnixMilli(), Status: p.state.Status, NewContact: p.newContact, Parked: p.parked}
	if p.state.OccurredAt.IsZero() {
		line.OccurredMS = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		f, err := os.CreateTemp("", "bcsync-pending-*")
		if err != nil {
			return fmt.Errorf("%s: %w", s.stream, err)
		}
		os.Remove(f.Name()) // gone when closed, even after a crash
		s.file, s.w = f, bufio.NewWriterSize(f, 64<<10)
	}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("%s: %w", s.stream, err)
	}
	s.w.Write(b)
	if err := s.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("%s: %w", s.stream, err)
	}
	if (s.next-s.base)%indexEvery == 0 {
		s.index = append(s.index, s.size)
	}
	s.size += int64(len(b) + 1)
	s.next++
	return nil
}

// read returns the pending records first … first+n-1 from the file. Called with mu.
func (s *sink) read(first int64, n int) ([]*pending, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	at := first - s.base
	from := s.index[at/indexEvery]
	r := bufio.NewReaderSize(io.NewSectionReader(s.file, from, s.size-from), 64<<10)
	for range at % indexEvery {
		if _, err := r.ReadSlice('\n'); err != nil {
			return nil, fmt.Errorf("%s: reading back pending records: %w", s.stream, err)
		}
	}
	out := make([]*pending, 0, n)
	for range n {
		var l pendingLine
		line, err := r.ReadSlice('\n')
		if err == nil {
			err = json.Unmarshal(line, &l)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading back pending records: %w", s.stream, err)
		}
		p := &pending{key: l.Key, email: l.Email, newContact: l.NewContact, parked: l.Parked, state: store.RecordState{Key: l.Key, Email: l.Email,
			Fingerprint: l.Print, AmountE4: l.AmountE4, Status: l.Status}}
		if l.OccurredMS != 0 {
			p.state.OccurredAt = time.UnixMilli(l.OccurredMS).UTC()
		}
		out = append(out, p)
	}
	return out, nil
}

// endPage marks the end of a page read from the store; cursor is where the stream resumes after it
// ("" for a page that moves no cursor).
func (s *sink) endPage(ctx context.Context, cursor string) error {
	s.mu.Lock()
	s.pages = append(s.pages, pageEnd{seq: s.next, cursor: cursor})
	s.mu.Unlock()
	return s.commit(ctx)
}

// settleChunk bounds the records settled at once, so a report of a whole 50 MB import is not handled
// in one piece.
const settleChunk = 1000

// report takes an import's outcome for records first … first+n-1. failed says the import as a whole
// did not go through; outcomeOf gives each accepted import's per-record outcome.
func (s *sink) report(ctx context.Context, first int64, n int, failed error, outcomeOf func(*pending) outcome) {
	var err error
	if failed != nil {
		err = fmt.Errorf("%s: %w", s.stream, failed)
	}
	for from := first; err == nil && from < first+int64(n); from += settleChunk {
		count := int(min(settleChunk, first+int64(n)-from))
		s.mu.Lock()
		recs, rerr := s.read(from, count)
		s.mu.Unlock()
		if rerr != nil {
			err = rerr
			break
		}
		outs := make([]outcome, len(recs))
		for i, p := range recs {
			outs[i] = outcomeOf(p)
		}
		if serr := s.settle(ctx, outs); serr != nil {
			err = fmt.Errorf("%s: %w", s.stream, serr)
		}
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
	if drop := (s.settled - s.base) / indexEvery; drop > 0 {
		s.index = append(s.index[:0], s.index[drop:]...)
		s.base += drop * indexEvery
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
		if c := s.pages[0].cursor; c != "" {
			cursor = c
		}
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

// close releases the file; call it after every report came back.
func (s *sink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file != nil {
		s.file.Close()
		s.file, s.w = nil, nil
	}
}
