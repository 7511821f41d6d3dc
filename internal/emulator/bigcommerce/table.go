package bigcommerce

import (
	"cmp"
	"slices"
	"sort"
)

// table is the compact index of one resource: per id its state and its created and modified times
// (unix seconds), and the listed ids sorted by (date_modified, id). It is all the emulator keeps of a
// generated record; records changed through the API also live in an overlay map beside it.
type table struct {
	state   []rowState // by id-1
	created []int64
	mod     []int64
	byMod   []int32 // listed ids, sorted by (mod, id)
	listed  int
}

type rowState uint8

const (
	rowAbsent   rowState = iota // never existed or deleted
	rowListed                   // served by lists and by id
	rowUnlisted                 // served by id only (an archived order)
)

// add appends a listed row and returns its id.
func (t *table) add(created, mod int64) int {
	t.state = append(t.state, rowListed)
	t.created = append(t.created, created)
	t.mod = append(t.mod, mod)
	id := len(t.state)
	t.insert(int32(id))
	t.listed++
	return id
}

// seed bulk-loads n generated rows; dates(id) gives their times. Rows must be sorted once afterwards.
func (t *table) seed(n int, dates func(id int) (created, mod int64)) {
	t.state = make([]rowState, n)
	t.created = make([]int64, n)
	t.mod = make([]int64, n)
	t.byMod = make([]int32, n)
	for i := range n {
		t.state[i] = rowListed
		t.created[i], t.mod[i] = dates(i + 1)
		t.byMod[i] = int32(i + 1)
	}
	t.listed = n
	slices.SortFunc(t.byMod, t.compare)
}

func (t *table) compare(a, b int32) int {
	if c := cmp.Compare(t.mod[a-1], t.mod[b-1]); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// position finds where id sits (or would sit) in byMod.
func (t *table) position(id int32) int {
	return sort.Search(len(t.byMod), func(i int) bool { return t.compare(t.byMod[i], id) >= 0 })
}

func (t *table) insert(id int32) {
	i := t.position(id)
	t.byMod = slices.Insert(t.byMod, i, id)
}

func (t *table) unindex(id int32) {
	i := t.position(id)
	if i < len(t.byMod) && t.byMod[i] == id {
		t.byMod = slices.Delete(t.byMod, i, i+1)
	}
}

func (t *table) exists(id int) bool {
	return id >= 1 && id <= len(t.state) && t.state[id-1] != rowAbsent
}

func (t *table) isListed(id int) bool {
	return id >= 1 && id <= len(t.state) && t.state[id-1] == rowListed
}

// touch moves a row's date_modified, keeping byMod sorted.
func (t *table) touch(id int, mod int64) {
	if t.state[id-1] == rowListed {
		t.unindex(int32(id))
		t.mod[id-1] = mod
		t.insert(int32(id))
		return
	}
	t.mod[id-1] = mod
}

// remove deletes a row for good.
func (t *table) remove(id int) {
	if t.state[id-1] == rowListed {
		t.unindex(int32(id))
		t.listed--
	}
	t.state[id-1] = rowAbsent
}

// unlist keeps a row reachable by id but out of lists.
func (t *table) unlist(id int) {
	if t.state[id-1] == rowListed {
		t.unindex(int32(id))
		t.listed--
		t.state[id-1] = rowUnlisted
	}
}

// query selects rows of a table for a list endpoint.
type query struct {
	byMod          bool // order by (date_modified, id); else by id
	desc           bool
	modMin, modMax int64 // inclusive bounds; 0 = none
	createdMin     int64
	createdMax     int64
	ids            []int // id:in; nil = all
	keep           func(id int) bool
	offset, limit  int
	idMin, idMax   int // inclusive bounds; 0 = none
}

// run returns the ids of one page and the total number of matching rows.
func (t *table) run(q query) (page []int, total int) {
	match := func(id int) bool {
		i := id - 1
		if q.modMin != 0 && t.mod[i] < q.modMin || q.modMax != 0 && t.mod[i] > q.modMax {
			return false
		}
		if q.createdMin != 0 && t.created[i] < q.createdMin || q.createdMax != 0 && t.created[i] > q.createdMax {
			return false
		}
		if q.idMin != 0 && id < q.idMin || q.idMax != 0 && id > q.idMax {
			return false
		}
		return q.keep == nil || q.keep(id)
	}
	collect := func(id int) {
		if total >= q.offset && len(page) < q.limit {
			page = append(page, id)
		}
		total++
	}

	switch {
	case q.ids != nil:
		ids := make([]int, 0, len(q.ids))
		for _, id := range q.ids {
			if t.isListed(id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if q.byMod {
			slices.SortFunc(ids, func(a, b int) int { return t.compare(int32(a), int32(b)) })
		}
		if q.desc {
			slices.Reverse(ids)
		}
		for _, id := range ids {
			if match(id) {
				collect(id)
			}
		}
	case q.byMod:
		lo, hi := 0, len(t.byMod)
		if q.modMin != 0 {
			lo = sort.Search(len(t.byMod), func(i int) bool { return t.mod[t.byMod[i]-1] >= q.modMin })
		}
		if q.modMax != 0 {
			hi = sort.Search(len(t.byMod), func(i int) bool { return t.mod[t.byMod[i]-1] > q.modMax })
		}
		hi = max(hi, lo)
		plain := q.keep == nil && q.createdMin == 0 && q.createdMax == 0 && q.idMin == 0 && q.idMax == 0
		if plain {
			// The common incremental read: a slice of the sorted index, no scan.
			total = hi - lo
			from, to := lo+q.offset, min(lo+q.offset+q.limit, hi)
			if q.desc {
				from, to = hi-q.offset-q.limit, hi-q.offset
				from = max(from, lo)
			}
			for i := from; i < to; i++ {
				page = append(page, int(t.byMod[i]))
			}
			if q.desc {
				slices.Reverse(page)
			}
			return page, total
		}
		for k := range hi - lo {
			i := lo + k
			if q.desc {
				i = hi - 1 - k
			}
			if id := int(t.byMod[i]); match(id) {
				collect(id)
			}
		}
	default:
		n := len(t.state)
		for k := range n {
			id := k + 1
			if q.desc {
				id = n - k
			}
			if t.state[id-1] == rowListed && match(id) {
				collect(id)
			}
		}
	}
	return page, total
}
