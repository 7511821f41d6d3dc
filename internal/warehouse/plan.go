package warehouse

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Plan is what a run of a sync would do: how many rows it adds, changes and removes, how many are
// invalid (never sent, each with its reason) and unchanged (no call), with samples; and whether the
// guard stops it for approval.
type Plan struct {
	SyncID    int64  `json:"sync_id"`
	Rows      int64  `json:"rows"` // read from the model
	Adds      int64  `json:"adds"`
	Changes   int64  `json:"changes"`
	Removes   int64  `json:"removes"` // removals the delete behaviour sends (clear or delete)
	Unchanged int64  `json:"unchanged"`
	Invalid   int64  `json:"invalid"`
	Retries   int64  `json:"retries"` // of the adds and changes: rows refused before, tried again
	Left      int64  `json:"left"`    // rows synced before that left the model
	Synced    int64  `json:"synced"`  // rows synced before this plan
	Delete    string `json:"delete"`  // the delete behaviour
	Full      bool   `json:"full,omitempty"`
	Blocked   bool   `json:"blocked"`
	Reason    string `json:"reason"`
	// Digest covers every operation: approving a blocked plan runs exactly it, or nothing.
	Digest    string    `json:"digest"`
	Samples   []Sample  `json:"samples"`
	PlannedAt time.Time `json:"planned_at"`
}

// Sample is one row of a plan, shown as an example of its kind.
type Sample struct {
	Op       string            `json:"op"` // add, change, remove, invalid
	Key      string            `json:"key"`
	TargetID string            `json:"target_id,omitempty"`
	Before   map[string]string `json:"before,omitempty"`
	After    map[string]string `json:"after,omitempty"`
	Reason   string            `json:"reason,omitempty"`
}

// op is what a run does with one row.
type op uint8

const (
	opUnchanged op = iota
	opAdd
	opChange
	opRemove
	opInvalid
)

var opNames = [...]string{"unchanged", "add", "change", "remove", "invalid"}

func (o op) String() string { return opNames[o] }

// Row states (store.RecordState.Status of the stream "rows").
const (
	rowRemoved = 0 // cleared or deleted in the store after the row left the model (or never sent)
	rowSynced  = 1 // the last values sent were accepted
	rowFailed  = 2 // the last attempt was refused; Fingerprint is the last accepted one ("" if none)
	rowPending = 3 // a create was sent and its outcome is unknown (a crash): the next run looks
)

// rowsStream is the stream name of a warehouse sync's row states.
const rowsStream = "rows"

// entry is what a plan keeps of a row: a hash of its key and of its values, and what to do with it.
type entry struct {
	key   uint64
	print uint64
	match uint64 // of the row's match value (0: none)
	op    op
}

// planned is a plan with what a run needs to carry it out.
type planned struct {
	*Plan
	rows    *entries // one per row, sorted by key once the model is read
	matches *entries // the match value (key) and key hash (print) of each valid row, to find rows matching one record
	dups    map[uint64]bool
	// matchDups holds the keys of rows whose match value is on another row too: both would write one
	// record, so neither is sent. matchField names the match for messages.
	matchDups  map[uint64]bool
	matchField string
	// sum is the order-independent digest of the operations so far.
	sum [2]uint64
}

// row is one model row, read and mapped.
type row struct {
	key    string // "" when the row has none (NULL, empty, unreadable)
	line   int    // its place in the model's result, to name a row without a key
	values []any  // as read
	mapped mappedRow
	err    error // why the row is invalid
}

// label names a row for people: its key, or its place.
func (r *row) label() string {
	if r.key == "" {
		return fmt.Sprintf("(row %d)", r.line)
	}
	return r.key
}

// planRows reads a model and classifies every row against the sync's row states. each, when set, is
// called for every row classified (in batches), after the state lookup: the run uses it to send.
func (e *Engine) planRows(ctx context.Context, w *store.WarehouseSync, cfg *config, full bool, each func([]classified) error) (*planned, error) {
	p := &planned{Plan: &Plan{SyncID: w.ID, Delete: cfg.delete, Full: full, PlannedAt: e.opts.Now().UTC(), Samples: []Sample{}},
		rows: &entries{}, matches: &entries{}, dups: map[uint64]bool{}, matchDups: map[uint64]bool{}, matchField: cfg.matchField}
	src, rows, mp, err := e.readModel(ctx, w, cfg)
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			p.close()
		}
	}()
	defer src.Close()
	defer rows.Close()
	var batch []row
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		cs, err := e.classify(ctx, w, cfg, batch, full)
		if err != nil {
			return err
		}
		for i := range cs {
			if err := p.add(&cs[i], e.opts.Samples); err != nil {
				return err
			}
		}
		if each != nil {
			if err := each(cs); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	line := 0
	for rows.Next() {
		line++
		r := row{line: line}
		if err := rows.RowErr(); err != nil {
			r.err = err
		} else {
			r.values = rows.Values()
			if r.key, r.err = keyOf(r.values[cfg.keyIndex]); r.err == nil {
				r.mapped, r.err = mp.row(r.values)
			}
		}
		batch = append(batch, r)
		if len(batch) == 1000 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the model: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := p.finishRows(); err != nil {
		return nil, err
	}
	if err := e.planRemoves(ctx, w, cfg, p); err != nil {
		return nil, err
	}
	p.Digest = p.digest()
	done = true
	return p, nil
}

// close removes the plan's files.
func (p *planned) close() {
	p.rows.close()
	p.matches.close()
}

// classified is a row with what a run does with it.
type classified struct {
	row
	op   op
	prev store.RecordState
	had  bool
}

// classify compares a batch of rows with their states.
func (e *Engine) classify(ctx context.Context, w *store.WarehouseSync, cfg *config, batch []row, full bool) ([]classified, error) {
	keys := make([]string, 0, len(batch))
	for _, r := range batch {
		if r.key != "" {
			keys = append(keys, r.key)
		}
	}
	states, err := e.store.RecordStates(ctx, w.ID, rowsStream, keys)
	if err != nil {
		return nil, err
	}
	out := make([]classified, len(batch))
	for i, r := range batch {
		c := classified{row: r}
		c.prev, c.had = states[r.key]
		switch {
		case r.err != nil:
			c.op = opInvalid
		case !c.had || c.prev.Status == rowRemoved || c.prev.Status == rowPending || c.prev.Fingerprint == "":
			c.op = opAdd
		case c.prev.Status == rowSynced && c.prev.Fingerprint == r.mapped.print && !full:
			c.op = opUnchanged
		case c.prev.Status == rowFailed && !cfg.refusedSince.IsZero() && !c.prev.UpdatedAt.Before(cfg.refusedSince):
			c.op = opUnchanged // refused earlier in this run: tried again by the next
		case cfg.mode == modeInsert && c.prev.Status == rowSynced:
			c.op = opUnchanged // insert mode writes new rows only
		default:
			c.op = opChange
		}
		out[i] = c
	}
	return out, nil
}

// add counts a classified row and keeps it as a sample when the plan has few of its kind.
func (p *planned) add(c *classified, samples int) error {
	p.Rows++
	if c.op == opInvalid {
		p.Invalid++
		p.sample(Sample{Op: "invalid", Key: c.label(), Reason: c.err.Error()}, samples)
		if c.key == "" {
			return nil // no key: it cannot be a duplicate, nor keep a synced row from being removed
		}
	}
	key := hash64(c.key)
	var print uint64
	if c.op != opInvalid {
		print = hash64(c.mapped.print)
		if c.mapped.hasKey {
			if err := p.matches.add(entry{key: hash64(c.mapped.key.String()), print: key}); err != nil {
				return err
			}
		}
	}
	if err := p.rows.add(entry{key: key, print: print, op: c.op}); err != nil {
		return err
	}
	switch c.op {
	case opAdd:
		p.Adds++
		if p.wants("add", samples) {
			p.Samples = append(p.Samples, Sample{Op: "add", Key: c.key, TargetID: c.prev.TargetID, After: c.mapped.values.Display()})
		}
	case opChange:
		p.Changes++
		if c.had && c.prev.Status == rowFailed {
			p.Retries++
		}
		if p.wants("change", samples) {
			p.Samples = append(p.Samples, Sample{Op: "change", Key: c.key, TargetID: c.prev.TargetID, After: c.mapped.values.Display()})
		}
	case opUnchanged:
		p.Unchanged++
	}
	return nil
}

func (p *planned) sample(s Sample, max int) {
	if p.wants(s.Op, max) {
		p.Samples = append(p.Samples, s)
	}
}

// wants reports whether the plan has fewer than max samples of op.
func (p *planned) wants(op string, max int) bool {
	n := 0
	for _, x := range p.Samples {
		if x.Op == op {
			n++
		}
	}
	return n < max
}

// finishRows sorts the entries and makes invalid every copy of a duplicate key, then every row whose
// match value another row has too: which copy is right cannot be known. Then it sums the digest.
func (p *planned) finishRows() error {
	err := p.rows.merge(func(g []entry) {
		if len(g) > 1 {
			p.dups[g[0].key] = true
			for i := range g {
				p.invalidate(&g[i])
			}
		}
	})
	if err != nil {
		return err
	}
	var shared []uint64 // keys of rows whose match value is on another row
	err = p.matches.merge(func(g []entry) {
		var keys []uint64
		for _, m := range g {
			if !p.dups[m.print] {
				keys = append(keys, m.print)
			}
		}
		if len(keys) > 1 {
			shared = append(shared, keys...)
		}
	})
	p.matches.close()
	if err != nil {
		return err
	}
	for _, key := range shared {
		en, at, ok, err := p.rows.find(key)
		if err != nil {
			return err
		}
		if ok && en.op != opInvalid {
			p.matchDups[key] = true
			p.invalidate(&en)
			if err := p.rows.setOp(at, en.op); err != nil {
				return err
			}
		}
	}
	if len(p.dups) > 0 || len(p.matchDups) > 0 {
		p.dupSamples()
	}
	return p.rows.each(func(en entry) {
		if en.op == opAdd || en.op == opChange {
			p.mix(en.key, en.print, en.op)
		}
	})
}

// invalidate makes an entry invalid, moving it from the count it was in.
func (p *planned) invalidate(en *entry) {
	switch en.op {
	case opAdd:
		p.Adds--
	case opChange:
		p.Changes--
	case opUnchanged:
		p.Unchanged--
	case opInvalid:
		p.Invalid-- // counted again below, as a duplicate
	}
	p.Invalid++
	en.op = opInvalid
}

// dupSamples turns samples of rows whose key or match value turned out duplicated into invalid ones.
func (p *planned) dupSamples() {
	out := p.Samples[:0]
	for _, s := range p.Samples {
		h := hash64(s.Key)
		switch {
		case p.dups[h] && s.Reason != dupReason(s.Key):
			s = Sample{Op: "invalid", Key: s.Key, Reason: dupReason(s.Key)}
		case p.matchDups[h] && s.Op != "invalid":
			s = Sample{Op: "invalid", Key: s.Key, Reason: matchDupReason(p.matchField, s.After[p.matchField])}
		}
		out = append(out, s)
	}
	p.Samples = out
}

// present reports whether a key is a row of the plan's model.
func (p *planned) present(key string) (bool, error) {
	_, _, ok, err := p.rows.find(hash64(key))
	return ok, err
}

// lookup returns a row's entry (of a key that is on one row only).
func (p *planned) lookup(key string) (entry, bool, error) {
	h := hash64(key)
	en, _, ok, err := p.rows.find(h)
	return en, ok && !p.dups[h], err
}

// mix adds one operation to the digest: a sum of hashes, so the order rows come in does not matter.
func (p *planned) mix(key, print uint64, o op) {
	var b [17]byte
	binary.LittleEndian.PutUint64(b[:], key)
	binary.LittleEndian.PutUint64(b[8:], print)
	b[16] = byte(o)
	h := hash64(string(b[:]))
	p.sum[0] += h
	p.sum[1] += h*0x9e3779b97f4a7c15 + 1
}

func (p *planned) digest() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], p.sum[0])
	binary.LittleEndian.PutUint64(b[8:], p.sum[1])
	return fmt.Sprintf("%d-%d-%d-%s", p.Adds, p.Changes, p.Removes, hex.EncodeToString(b[:]))
}

// planRemoves finds the rows synced before that left the model. The delete behaviour decides what is
// sent for them; a first run or a full resync removes nothing.
func (e *Engine) planRemoves(ctx context.Context, w *store.WarehouseSync, cfg *config, p *planned) error {
	return e.eachGone(ctx, w, p, func(st store.RecordState) error {
		p.Left++
		if cfg.delete == deleteNothing || p.Full {
			return nil
		}
		p.Removes++
		p.mix(hash64(st.Key), 0, opRemove)
		p.sample(Sample{Op: "remove", Key: st.Key, TargetID: st.TargetID}, e.opts.Samples)
		return nil
	})
}

// eachGone calls f for every row state of a record in the store (synced, or refused after it was)
// whose key is no longer in the model; it also counts the synced rows.
func (e *Engine) eachGone(ctx context.Context, w *store.WarehouseSync, p *planned, f func(store.RecordState) error) error {
	after := ""
	for {
		states, err := e.store.RecordStatesAfter(ctx, w.ID, rowsStream, after, 5000)
		if err != nil {
			return err
		}
		for _, st := range states {
			if st.Status == rowSynced {
				p.Synced++
			}
			if (st.Status != rowSynced && st.Status != rowFailed) || st.TargetID == "" {
				continue
			}
			present, err := p.present(st.Key)
			if err != nil {
				return err
			}
			if !present {
				if err := f(st); err != nil {
					return err
				}
			}
		}
		if len(states) < 5000 {
			return nil
		}
		after = states[len(states)-1].Key
	}
}

// readModel opens a sync's model and checks its columns against the sync's configuration.
func (e *Engine) readModel(ctx context.Context, w *store.WarehouseSync, cfg *config) (source.Source, source.Rows, mapper, error) {
	m, err := e.store.Model(ctx, w.ModelID)
	if err != nil {
		return nil, nil, nil, err
	}
	src, err := e.open(ctx, m.SourceID)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, err := src.Query(ctx, source.Query{SQL: m.Query, Table: m.Table, Timeout: e.opts.QueryTimeout})
	if err != nil {
		src.Close()
		return nil, nil, nil, err
	}
	cols := rows.Columns()
	cfg.keyIndex = slices.IndexFunc(cols, func(c source.Column) bool { return c.Name == m.PrimaryKey })
	if cfg.keyIndex < 0 {
		rows.Close()
		src.Close()
		return nil, nil, nil, fmt.Errorf("the model has no column %q, its primary key", m.PrimaryKey)
	}
	mp, err := cfg.mapper(cols)
	if err != nil {
		rows.Close()
		src.Close()
		return nil, nil, nil, err
	}
	return src, rows, mp, nil
}

// matchDupReason says why every row of a duplicated match value is invalid.
func matchDupReason(field, value string) string {
	if value == "" {
		return fmt.Sprintf("another row has the same %s: both would write one customer, and which row is right cannot be known", field)
	}
	return fmt.Sprintf("the %s %s is on more than one row: they would write one record, and which row is right cannot be known", field, value)
}

// dupReason says why every row of a duplicated key is invalid.
func dupReason(key string) string {
	return fmt.Sprintf("the primary key %q is on more than one row: which one is right cannot be known", key)
}
