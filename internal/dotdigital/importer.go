package dotdigital

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
)

// DefaultMaxImportBytes is the default size of an import body: Dotdigital takes up to 50 MB per call,
// and the client keeps a margin below that for whichever way "MB" is counted.
const DefaultMaxImportBytes = 49_000_000

// batcher is what the contact and Insight importers share. Records are appended, as JSON, to the body of
// the import being built, which spills to a temporary file as it grows. When the next record would take
// the body over its byte or record limit, or repeats a key already in it, the body is sealed and sent in
// its own goroutine, which polls the import to its final status and reports it; Add only blocks when the
// client already has as many imports in flight as it may.
type batcher struct {
	c          *Client
	kind       string // "contacts" or "insight"
	path       string
	prefix     []byte
	suffix     []byte
	maxBytes   int64
	maxRecords int
	slots      chan struct{}
	// finish polls an accepted import (err nil) or reports one that could not be sent; it returns the
	// import's error for Close.
	finish func(ctx context.Context, b *batch, importID string, err error) error

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	cur    *batch
	seq    int64
	keys   map[uint64]struct{}
	seed   maphash.Seed
	closed bool

	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
	fatal  error      // a 401 or 403: every later import would fail the same way
	doneMu sync.Mutex // serializes the OnDone callbacks
}

// batch is one import body and what is known of it.
type batch struct {
	sp      *spill
	body    *payload
	records int
	first   int64
	// appends is set when a record adds data instead of replacing it (consent records): the import must
	// not be sent twice, so an unclear failure is reported rather than retried.
	appends bool
	// after, when set, is closed when the previous import has finished: a key repeated across the two
	// must reach Dotdigital in order, so this import waits.
	after chan struct{}
	done  chan struct{}
}

func newBatcher(ctx context.Context, c *Client, kind, path string, prefix []byte, maxBytes int64, maxRecords int, slots chan struct{}) *batcher {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxImportBytes
	}
	ctx, cancel := context.WithCancel(ctx)
	return &batcher{c: c, kind: kind, path: path, prefix: prefix, suffix: []byte("]}"), maxBytes: maxBytes,
		maxRecords: maxRecords, slots: slots, ctx: ctx, cancel: cancel, keys: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// add appends one record, identified by key, sending the current import first when the record does not
// fit in it.
func (b *batcher) add(ctx context.Context, key string, rec []byte, appends bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrImporterClosed
	}
	if err := b.fatalErr(); err != nil {
		return err
	}
	if int64(len(b.prefix)+len(rec)+len(b.suffix)) > b.maxBytes {
		return &RecordError{Key: key, Reason: fmt.Sprintf("the record is %d bytes, more than an import may hold", len(rec))}
	}
	h := maphash.String(b.seed, key)
	var after chan struct{}
	if b.cur != nil && b.cur.records > 0 {
		_, repeated := b.keys[h]
		full := b.cur.sp.Len()+1+int64(len(rec)+len(b.suffix)) > b.maxBytes || (b.maxRecords > 0 && b.cur.records >= b.maxRecords)
		if repeated || full {
			prev := b.cur
			if err := b.send(ctx); err != nil {
				return err
			}
			if repeated {
				after = prev.done
			}
		}
	}
	if b.cur == nil {
		b.cur = &batch{sp: newSpill(b.c.cfg.TempDir, b.c.cfg.SpillThreshold), first: b.seq, after: after, done: make(chan struct{})}
		if _, err := b.cur.sp.Write(b.prefix); err != nil {
			return b.broken(err)
		}
	}
	if b.cur.records > 0 {
		if _, err := b.cur.sp.Write([]byte{','}); err != nil {
			return b.broken(err)
		}
	}
	if _, err := b.cur.sp.Write(rec); err != nil {
		return b.broken(err)
	}
	b.cur.records++
	b.cur.appends = b.cur.appends || appends
	b.keys[h] = struct{}{}
	b.seq++
	return nil
}

// send seals the current import and starts it, once the client has a free import slot. Called with mu.
func (b *batcher) send(ctx context.Context) error {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
	bt := b.cur
	b.cur = nil
	clear(b.keys)
	if _, err := bt.sp.Write(b.suffix); err != nil {
		<-b.slots
		b.cur = bt
		return b.broken(err)
	}
	body, err := bt.sp.seal()
	if err != nil {
		<-b.slots
		return b.broken(err)
	}
	bt.body, bt.sp = body, nil
	b.wg.Add(1)
	go b.run(bt)
	return nil
}

// run sends one import, polls it and reports it.
func (b *batcher) run(bt *batch) {
	defer b.wg.Done()
	defer func() { <-b.slots }()
	defer close(bt.done)
	defer bt.body.Close()
	if bt.after != nil {
		select {
		case <-bt.after:
		case <-b.ctx.Done():
		}
	}
	var accepted struct {
		ImportID string `json:"importId"`
	}
	_, err := b.c.do(b.ctx, call{method: "PUT", path: b.path, from: bt.body, out: &accepted, appends: bt.appends})
	bt.body.Close() // accepted or refused, the body is not needed any more
	if err == nil && accepted.ImportID == "" {
		err = fmt.Errorf("dotdigital: PUT %s: the answer has no importId", b.path)
	}
	if err != nil {
		err = fmt.Errorf("dotdigital: %s import of %d records: %w", b.kind, bt.records, err)
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrWrongRegion) {
			b.errMu.Lock()
			b.fatal = err
			b.errMu.Unlock()
		}
	}
	if ferr := b.finish(b.ctx, bt, accepted.ImportID, err); ferr != nil {
		b.errMu.Lock()
		b.errs = append(b.errs, ferr)
		b.errMu.Unlock()
	}
}

// poll waits for an import to reach a final status, as PollPolicy says. decode reads each status body
// as it arrives (reports can be large, so they are never held whole) and says whether it is final.
func (b *batcher) poll(ctx context.Context, est *estimator, records int, statusPath string, decode func(io.Reader) (bool, error)) (int, time.Duration, error) {
	p := b.c.cfg.Poll
	start := time.Now()
	wait := est.first(records, p)
	// Found final at a first poll held back to Min, an import tells only that imports of its size take
	// no longer than Min: learning took/records from it would lengthen every later poll (5 s over 20
	// records is 250 ms a record), so it teaches nothing.
	floored := wait == p.Min
	for polls := 1; ; polls++ {
		if err := apicall.Sleep(ctx, wait); err != nil {
			return polls - 1, time.Since(start), err
		}
		var final bool
		read := func(body io.Reader) error {
			var err error
			final, err = decode(body)
			return err
		}
		if _, err := b.c.do(ctx, call{method: "GET", path: statusPath, decode: read}); err != nil {
			return polls, time.Since(start), err
		}
		took := time.Since(start)
		if final {
			if polls > 1 || !floored {
				est.observe(records, took)
			}
			return polls, took, nil
		}
		if took > p.Timeout {
			return polls, took, fmt.Errorf("dotdigital: %s import still unfinished after %s", b.kind, took.Round(time.Second))
		}
		wait = p.next(wait)
	}
}

// flush sends the current import, if it holds anything.
func (b *batcher) flush(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == nil || b.cur.records == 0 {
		return nil
	}
	return b.send(ctx)
}

// close sends what is left and waits for every import to be final and reported. When ctx ends first, the
// imports still being polled are abandoned (they go on in Dotdigital) and ctx's error is returned.
func (b *batcher) close(ctx context.Context) error {
	flushErr := b.flush(ctx)
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		b.cancel()
		<-done
		return ctx.Err()
	}
	b.cancel()
	b.errMu.Lock()
	defer b.errMu.Unlock()
	return errors.Join(append([]error{flushErr}, b.errs...)...)
}

// broken drops the body being built after a failure to write it (a full disk): its records were never
// sent, so nothing was reported for them, and the importer refuses more. Called with mu.
func (b *batcher) broken(err error) error {
	if b.cur != nil && b.cur.sp != nil {
		b.cur.sp.discard()
	}
	b.cur = nil
	clear(b.keys)
	err = fmt.Errorf("dotdigital: %s import body: %w", b.kind, err)
	b.errMu.Lock()
	b.fatal = err
	b.errs = append(b.errs, err)
	b.errMu.Unlock()
	return err
}

func (b *batcher) fatalErr() error {
	b.errMu.Lock()
	defer b.errMu.Unlock()
	return b.fatal
}

// report calls a user callback, one at a time.
func (b *batcher) report(f func()) {
	b.doneMu.Lock()
	defer b.doneMu.Unlock()
	f()
}
