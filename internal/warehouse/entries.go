package warehouse

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"sort"
	"sync"
)

// entries keeps a plan's entries on disk, so that a plan's memory does not grow with its model: they
// are sorted in memory a run at a time, written to temporary files, then merged into one file sorted by
// key with a sparse index of its blocks in memory. A model of ten million rows holds a few megabytes.
type entries struct {
	buf    []entry
	runs   []string // sorted runs, merged by merge
	merged *os.File
	index  []uint64 // the first key of each block of the merged file
	count  int64

	mu    sync.Mutex // over block, for find
	block []byte
}

const (
	entrySize  = 25      // key, print, match (8 bytes each) and op
	spillEvery = 1 << 16 // entries sorted in memory before they are written as a run (2 MB)
	blockSize  = 128     // entries per block of the merged file: a lookup reads one block (3.2 KB)
)

func (s *entries) add(e entry) error {
	s.buf = append(s.buf, e)
	if len(s.buf) == spillEvery {
		return s.spill()
	}
	return nil
}

// spill writes the buffered entries, sorted by key, as a run.
func (s *entries) spill() error {
	if len(s.buf) == 0 {
		return nil
	}
	slices.SortFunc(s.buf, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	f, err := os.CreateTemp("", "bcsync-plan-*")
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f.Name())
	w := bufio.NewWriterSize(f, 64<<10)
	var rec [entrySize]byte
	for _, e := range s.buf {
		encodeEntry(rec[:], e)
		w.Write(rec[:])
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	s.buf = s.buf[:0]
	return err
}

func encodeEntry(b []byte, e entry) {
	binary.LittleEndian.PutUint64(b, e.key)
	binary.LittleEndian.PutUint64(b[8:], e.print)
	binary.LittleEndian.PutUint64(b[16:], e.match)
	b[24] = byte(e.op)
}

func decodeEntry(b []byte) entry {
	return entry{key: binary.LittleEndian.Uint64(b), print: binary.LittleEndian.Uint64(b[8:]), match: binary.LittleEndian.Uint64(b[16:]), op: op(b[24])}
}

// merge merges the runs into one file sorted by key. group is called with the entries of each key, in
// order, before they are written: it may change them (a key on two rows makes both invalid).
func (s *entries) merge(group func([]entry)) error {
	if err := s.spill(); err != nil {
		return err
	}
	s.buf = nil
	out, err := os.CreateTemp("", "bcsync-plan-*")
	if err != nil {
		return err
	}
	s.merged = out
	w := bufio.NewWriterSize(out, 64<<10)
	var rec [entrySize]byte
	var g []entry
	flush := func() {
		if len(g) == 0 {
			return
		}
		if group != nil {
			group(g)
		}
		for _, e := range g {
			if s.count%blockSize == 0 {
				s.index = append(s.index, e.key)
			}
			encodeEntry(rec[:], e)
			w.Write(rec[:])
			s.count++
		}
		g = g[:0]
	}
	err = s.eachMerged(func(e entry) {
		if len(g) > 0 && g[0].key != e.key {
			flush()
		}
		g = append(g, e)
	})
	flush()
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	for _, r := range s.runs {
		os.Remove(r)
	}
	s.runs = nil
	return err
}

// eachMerged calls f for every entry of the runs, in key order.
func (s *entries) eachMerged(f func(entry)) error {
	h := &runHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, path := range s.runs {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		files = append(files, file)
		r := &runReader{r: bufio.NewReaderSize(file, 32<<10)}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			h.items = append(h.items, r)
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		r := h.items[0]
		f(r.cur)
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

type runReader struct {
	r   *bufio.Reader
	cur entry
	rec [entrySize]byte
}

func (r *runReader) next() (bool, error) {
	if _, err := io.ReadFull(r.r, r.rec[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	r.cur = decodeEntry(r.rec[:])
	return true, nil
}

type runHeap struct{ items []*runReader }

func (h *runHeap) Len() int           { return len(h.items) }
func (h *runHeap) Less(i, j int) bool { return h.items[i].cur.key < h.items[j].cur.key }
func (h *runHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)         { h.items = append(h.items, x.(*runReader)) }
func (h *runHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// find returns the first entry of a key in the merged file, and its place.
func (s *entries) find(key uint64) (entry, int64, bool, error) {
	if s.merged == nil || s.count == 0 {
		return entry{}, 0, false, nil
	}
	// From the block before the first that starts at or after key: the key's first entry may end it.
	b := max(sort.Search(len(s.index), func(i int) bool { return s.index[i] >= key })-1, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	for ; b < len(s.index) && s.index[b] <= key; b++ {
		first := int64(b) * blockSize
		n := min(blockSize, s.count-first)
		if cap(s.block) < blockSize*entrySize {
			s.block = make([]byte, blockSize*entrySize)
		}
		buf := s.block[:n*entrySize]
		if _, err := s.merged.ReadAt(buf, first*entrySize); err != nil {
			return entry{}, 0, false, err
		}
		i := sort.Search(int(n), func(i int) bool { return binary.LittleEndian.Uint64(buf[i*entrySize:]) >= key })
		if i < int(n) {
			e := decodeEntry(buf[i*entrySize:])
			return e, first + int64(i), e.key == key, nil
		}
	}
	return entry{}, 0, false, nil
}

// setOp changes the op of the entry at a place of the merged file.
func (s *entries) setOp(at int64, o op) error {
	_, err := s.merged.WriteAt([]byte{byte(o)}, at*entrySize+entrySize-1)
	return err
}

// each calls f for every entry of the merged file, in key order.
func (s *entries) each(f func(entry)) error {
	if s.merged == nil {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(s.merged, 0, s.count*entrySize), 64<<10)
	var rec [entrySize]byte
	for range s.count {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return err
		}
		f(decodeEntry(rec[:]))
	}
	return nil
}

// close removes the files.
func (s *entries) close() {
	for _, r := range s.runs {
		os.Remove(r)
	}
	s.runs = nil
	if s.merged != nil {
		s.merged.Close()
		os.Remove(s.merged.Name())
		s.merged = nil
	}
}
