package bigcommerce

import (
	"context"
	"time"
)

// Pacer paces the requests of every client that shares it within one share of a store's quota: the
// marketing sync and the warehouse syncs of a store, running at once, together stay inside the store's
// share. Give every client of a store in a process the same Pacer; with a Coordinator, processes share
// the store's share too.
type Pacer struct{ l *limiter }

// Coordinator shares a store's quota share among processes.
type Coordinator interface {
	// Grant asks for one request to the store: it returns 0 when the request may go (and counts it),
	// else how long to wait before asking again. budget is this share of the store's quota per window
	// (0 while the store has not said its quota: then the request is counted and goes).
	Grant(ctx context.Context, budget int, window time.Duration) (wait time.Duration, err error)
}

// NewPacer returns a pacer allowing share (0 < share ≤ 1; default 0.5) of a store's quota. coord may
// be nil when this process alone talks to the store.
func NewPacer(share float64, coord Coordinator) *Pacer {
	if share <= 0 || share > 1 {
		share = 0.5
	}
	l := newLimiter(share)
	l.coord = coord
	return &Pacer{l: l}
}

// Coordinate shares the pacer's budget with other processes from now on.
func (p *Pacer) Coordinate(coord Coordinator) {
	p.l.mu.Lock()
	p.l.coord = coord
	p.l.mu.Unlock()
}

// Requests is how many requests went through the pacer.
func (p *Pacer) Requests() int {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return p.l.requests
}

// grant waits for the coordinator to let one request go.
func grant(ctx context.Context, coord Coordinator, budget int, window time.Duration) error {
	for {
		wait, err := coord.Grant(ctx, budget, window)
		if err != nil || wait <= 0 {
			return err
		}
		if err := waitChange(ctx, nil, wait); err != nil {
			return err
		}
	}
}
