// Package cli presents bcsync's state in a terminal: progress bars of a running sync, tables of
// connections and runs, and the JSON that scripts read.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// RunJSON is a run as `bcsync sync --json` and `bcsync runs --json` print it.
type RunJSON struct {
	ID           int64                 `json:"id"`
	ConnectionID int64                 `json:"connection_id"`
	TriggeredBy  string                `json:"triggered_by"`
	Status       string                `json:"status"`
	StartedAt    time.Time             `json:"started_at"`
	FinishedAt   *time.Time            `json:"finished_at"`
	DurationS    float64               `json:"duration_s"`
	Error        string                `json:"error,omitempty"`
	Streams      map[string]StreamJSON `json:"streams"`
}

// StreamJSON are one stream's counts.
type StreamJSON struct {
	State     string `json:"state"`
	Read      int64  `json:"read"`
	Sent      int64  `json:"sent"`
	Unchanged int64  `json:"unchanged"`
	Rejected  int64  `json:"rejected"`
	Total     *int64 `json:"total,omitempty"`
}

// NewRunJSON converts a run.
func NewRunJSON(r *store.Run) RunJSON {
	out := RunJSON{ID: r.ID, ConnectionID: r.ConnectionID, TriggeredBy: r.TriggeredBy, Status: string(r.Status), StartedAt: r.StartedAt,
		DurationS: r.Duration(time.Now()).Seconds(), Error: r.Error, Streams: map[string]StreamJSON{}}
	if !r.FinishedAt.IsZero() {
		f := r.FinishedAt
		out.FinishedAt = &f
	}
	for _, c := range r.Streams {
		s := StreamJSON{State: c.State, Read: c.Read, Sent: c.Sent, Unchanged: c.Unchanged, Rejected: c.Rejected}
		if c.Total >= 0 {
			t := c.Total
			s.Total = &t
		}
		out.Streams[c.Stream] = s
	}
	return out
}

// WriteJSON prints v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ErrNoRun means a queued sync ended without starting a run (it was cancelled, or failed at once).
var ErrNoRun = errors.New("the sync ended before it started a run; see the log")

// Waiter follows a connection's next run until it ends.
type Waiter struct {
	Store *store.Store
	// Active tells whether a sync of the connection is still queued or running.
	Active func(ctx context.Context) (bool, error)
	Out    io.Writer // progress; nil for none
	TTY    bool      // redraw bars in place
	Every  time.Duration
	// Idle, when set, runs before each look at the run (e.g. to start workers when no process runs them).
	Idle func(ctx context.Context) error
}

// Wait waits for the run after afterID (or the connection's running run, when attach) to finish.
func (w *Waiter) Wait(ctx context.Context, connID, afterID int64, attach bool) (*store.Run, error) {
	every := w.Every
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	var runID int64
	var lastDraw time.Time
	idleSince := time.Time{}
	p := &progress{out: w.Out, tty: w.TTY}
	for {
		if w.Idle != nil {
			if err := w.Idle(ctx); err != nil {
				return nil, err
			}
		}
		if runID == 0 {
			r, err := w.findRun(ctx, connID, afterID, attach)
			if err != nil {
				return nil, err
			}
			if r != nil {
				runID = r.ID
			} else {
				active, err := w.Active(ctx)
				if err != nil {
					return nil, err
				}
				if !active {
					if idleSince.IsZero() {
						idleSince = time.Now()
					} else if time.Since(idleSince) > 3*time.Second {
						return nil, ErrNoRun
					}
				}
			}
		}
		if runID != 0 {
			r, err := w.Store.Run(ctx, runID)
			if err != nil {
				return nil, err
			}
			if r.Status != store.RunRunning {
				p.draw(r, true)
				return r, nil
			}
			if time.Since(lastDraw) >= time.Second || w.TTY {
				p.draw(r, false)
				lastDraw = time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
}

func (w *Waiter) findRun(ctx context.Context, connID, afterID int64, attach bool) (*store.Run, error) {
	if attach {
		if r, err := w.Store.RunningRun(ctx, connID); r != nil || err != nil {
			return r, err
		}
	}
	runs, err := w.Store.Runs(ctx, connID, 1, 0)
	if err != nil || len(runs) == 0 || runs[0].ID <= afterID {
		return nil, err
	}
	return runs[0], nil
}

// progress draws one line per stream: a bar when the total is known, the counts, rate and time left.
type progress struct {
	out    io.Writer
	tty    bool
	lines  int
	states map[string]string
	header bool
}

func (p *progress) draw(r *store.Run, final bool) {
	if p.out == nil {
		return
	}
	if !p.header {
		fmt.Fprintf(p.out, "run %d (%s)\n", r.ID, r.TriggeredBy)
		p.header = true
	}
	if p.tty {
		if p.lines > 0 {
			fmt.Fprintf(p.out, "\x1b[%dA", p.lines)
		}
		for _, c := range r.Streams {
			fmt.Fprintf(p.out, "\x1b[2K%s\n", StreamLine(c, time.Now()))
		}
		p.lines = len(r.Streams)
		return
	}
	// Not a terminal: a line when a stream changes state, and the counts at the end.
	if p.states == nil {
		p.states = map[string]string{}
	}
	for _, c := range r.Streams {
		if p.states[c.Stream] != c.State || (final && c.State == "running") {
			p.states[c.Stream] = c.State
			if c.State != "pending" {
				fmt.Fprintln(p.out, StreamLine(c, time.Now()))
			}
		}
	}
}

// StreamLine is one stream's progress, e.g.
// "orders        [#######...] 1500/2000  75%  250/s  2s left  sent 1200 unchanged 300 rejected 0".
func StreamLine(c store.StreamCounts, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %-8s", c.Stream, c.State)
	elapsed := now.Sub(c.StartedAt)
	if c.State != "running" && !c.UpdatedAt.IsZero() {
		elapsed = c.UpdatedAt.Sub(c.StartedAt)
	}
	rate := 0.0
	if !c.StartedAt.IsZero() && elapsed > 0 {
		rate = float64(c.Read) / elapsed.Seconds()
	}
	if c.Total > 0 {
		done := min(c.Read, c.Total)
		const width = 20
		fill := int(float64(width) * float64(done) / float64(c.Total))
		fmt.Fprintf(&b, " [%s%s] %d/%d %3d%%", strings.Repeat("#", fill), strings.Repeat(".", width-fill), c.Read, c.Total, 100*done/c.Total)
		if c.State == "running" && rate > 0 {
			left := time.Duration(float64(c.Total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, " %s left", left.Round(time.Second))
		}
	} else {
		fmt.Fprintf(&b, " read %d", c.Read)
	}
	if rate > 0 {
		fmt.Fprintf(&b, " %.0f/s", rate)
	}
	fmt.Fprintf(&b, "  sent %d unchanged %d rejected %d", c.Sent, c.Unchanged, c.Rejected)
	return b.String()
}

// Summary is the last lines of `bcsync sync`.
func Summary(w io.Writer, r *store.Run) {
	fmt.Fprintf(w, "run %d %s in %s", r.ID, r.Status, r.Duration(time.Now()).Round(time.Millisecond))
	var read, sent, unchanged, rejected int64
	for _, c := range r.Streams {
		read, sent, unchanged, rejected = read+c.Read, sent+c.Sent, unchanged+c.Unchanged, rejected+c.Rejected
	}
	fmt.Fprintf(w, ": read %d, sent %d, unchanged %d, rejected %d\n", read, sent, unchanged, rejected)
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
}
