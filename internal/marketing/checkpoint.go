package marketing

import "sync"

// checkpoint tracks a stream's batches in read order and reports how far the stream's cursor may move:
// to the end of the longest run of accepted batches from the start. Batches are accepted out of order
// (several imports are in flight), so a crash never skips a record whose batch was not accepted.
type checkpoint struct {
	mu      sync.Mutex
	batches []*batchMark // unaccepted or not yet committed, in read order
	safe    string       // the cursor the stream may resume from
}

type batchMark struct {
	cursor   string // the cursor after the batch's last record
	accepted bool
}

func newCheckpoint(start string) *checkpoint { return &checkpoint{safe: start} }

// open starts tracking a batch that will end at cursor; accept it with the returned mark.
func (c *checkpoint) open(cursor string) *batchMark {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := &batchMark{cursor: cursor}
	c.batches = append(c.batches, m)
	return m
}

// extend moves the end of the newest open batch (more records went into it).
func (c *checkpoint) extend(m *batchMark, cursor string) {
	c.mu.Lock()
	m.cursor = cursor
	c.mu.Unlock()
}

// accept marks a batch accepted and returns the cursor the stream may now resume from, and whether
// it moved.
func (c *checkpoint) accept(m *batchMark) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m.accepted = true
	moved := false
	for len(c.batches) > 0 && c.batches[0].accepted {
		c.safe = c.batches[0].cursor
		c.batches = c.batches[1:]
		moved = true
	}
	return c.safe, moved
}

// pending counts batches not yet accepted.
func (c *checkpoint) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.batches)
}
