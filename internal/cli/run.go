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

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

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
	// Screen, when set, is the terminal the bars are drawn on, shared with the log (see Screen); by
	// default one of Out's own.
	Screen *Screen
	Every  time.Duration
	// LineEvery is how often, when not on a terminal, a running stream's progress is printed again
	// (besides a line each time a stream changes state); default 10 s.
	LineEvery time.Duration
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
	p := &progress{out: w.Out, tty: w.TTY, lineEvery: w.LineEvery, screen: w.Screen}
	if p.tty && p.screen == nil {
		p.screen = NewScreen(w.Out)
	}
	if p.lineEvery <= 0 {
		p.lineEvery = 10 * time.Second
	}
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
	out       io.Writer
	tty       bool
	screen    *Screen // where bars are drawn in place, on a terminal
	lineEvery time.Duration
	states    map[string]string
	printed   map[string]time.Time // when a running stream's line was last printed (not on a terminal)
	header    bool
}

func (p *progress) draw(r *store.Run, final bool) {
	if p.out == nil {
		return
	}
	if !p.header {
		fmt.Fprintf(p.out, "run %d (%s)\n", r.Number, r.TriggeredBy)
		p.header = true
	}
	if p.tty {
		lines := make([]string, len(r.Streams))
		for i, c := range r.Streams {
			lines[i] = StreamLine(c, time.Now())
		}
		p.screen.Draw(lines)
		return
	}
	// Not a terminal: a line when a stream changes state, every lineEvery while it runs, and the
	// counts at the end.
	if p.states == nil {
		p.states, p.printed = map[string]string{}, map[string]time.Time{}
	}
	now := time.Now()
	for _, c := range r.Streams {
		changed := p.states[c.Stream] != c.State
		again := c.State == "running" && now.Sub(p.printed[c.Stream]) >= p.lineEvery
		if changed || again || (final && c.State == "running") {
			p.states[c.Stream], p.printed[c.Stream] = c.State, now
			if c.State != "pending" {
				fmt.Fprintln(p.out, StreamLine(c, now))
			}
		}
	}
}

// StreamLine is one stream's progress, e.g.
// "Orders                          running  [#####...............] 1500 of 6000  25%  2m0s left  40/s  sent 1200 unchanged 300 rejected 0".
func StreamLine(c store.StreamCounts, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %-8s", resource.StreamLabel(c.Stream), c.State)
	p := resource.PaceOf(c, now)
	if c.Total >= 0 && c.State != "pending" && c.State != "skipped" {
		const width = 20
		fill := width * max(p.Percent, 0) / 100
		fmt.Fprintf(&b, " [%s%s] %d of %d %3d%%", strings.Repeat("#", fill), strings.Repeat(".", width-fill), c.Read, c.Total, max(p.Percent, 0))
		if p.Left > 0 {
			fmt.Fprintf(&b, "  %s left", p.Left)
		}
	} else {
		fmt.Fprintf(&b, " read %d", c.Read)
	}
	if p.Rate > 0 {
		fmt.Fprintf(&b, "  %.0f/s", p.Rate)
	}
	fmt.Fprintf(&b, "  sent %d unchanged %d rejected %d", c.Sent, c.Unchanged, c.Rejected)
	if c.StillRejected > 0 {
		fmt.Fprintf(&b, " still rejected %d", c.StillRejected)
	}
	if c.Waiting > 0 {
		fmt.Fprintf(&b, " waiting %d", c.Waiting)
	}
	if c.Skipped > 0 {
		fmt.Fprintf(&b, " skipped %d", c.Skipped)
	}
	return b.String()
}

// Summary is the last lines of `bcsync sync`.
func Summary(w io.Writer, r *store.Run) {
	fmt.Fprintf(w, "run %d %s in %s", r.Number, r.Status, r.Duration(time.Now()).Round(time.Millisecond))
	if parts := warehouseParts(r); parts != nil {
		// A warehouse run: its plan part read the rows, the others sent them.
		fmt.Fprintf(w, ": %d rows, %d unchanged, %d invalid; added %d, changed %d, removed %d, refused %d\n", parts["plan"].Read,
			parts["plan"].Unchanged, parts["plan"].Rejected, parts["add"].Sent, parts["change"].Sent, parts["remove"].Sent,
			parts["add"].Rejected+parts["change"].Rejected+parts["remove"].Rejected)
	} else {
		read, sent, unchanged, rejected := resource.Totals(r)
		waiting, skipped := resource.Held(r)
		fmt.Fprintf(w, ": read %d, sent %d, unchanged %d, rejected %d, waiting %d, skipped %d", read, sent, unchanged, rejected, waiting, skipped)
		if still := resource.StillRejected(r); still > 0 {
			fmt.Fprintf(w, ", still rejected %d (refused before, unchanged: not sent again)", still)
		}
		fmt.Fprintln(w)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
		if r.Detail != "" {
			fmt.Fprintln(w, "details:")
			for _, line := range strings.Split(r.Detail, "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
}

// warehouseParts returns a warehouse run's parts by name, or nil for a run of another kind.
func warehouseParts(r *store.Run) map[string]store.StreamCounts {
	parts := map[string]store.StreamCounts{}
	for _, c := range r.Streams {
		parts[c.Stream] = c
	}
	if _, ok := parts["plan"]; !ok {
		return nil
	}
	return parts
}
