package resource

import (
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Run is one run of a sync with its streams' (or operations') counts.
type Run struct {
	ID     int64 `json:"id"`
	SyncID int64 `json:"sync_id"`
	// ConnectionID is SyncID, under the name the marketing sync's runs had before syncs of other kinds.
	ConnectionID int64             `json:"connection_id"`
	TriggeredBy  string            `json:"triggered_by"`
	Status       string            `json:"status"`
	StartedAt    time.Time         `json:"started_at"`
	FinishedAt   *time.Time        `json:"finished_at"`
	DurationS    float64           `json:"duration_s"`
	Error        string            `json:"error,omitempty"`
	Streams      map[string]Stream `json:"streams"`
}

// Stream is one stream's counts in a run and, while it runs, its pace.
type Stream struct {
	Position  int    `json:"position"`
	State     string `json:"state"`
	Read      int64  `json:"read"`
	Sent      int64  `json:"sent"`
	Unchanged int64  `json:"unchanged"`
	Rejected  int64  `json:"rejected"`
	// StillRejected counts records refused before and unchanged since: neither sent nor logged again.
	StillRejected int64 `json:"still_rejected"`
	// Total is the number of records to read, when the store says it up front.
	Total *int64 `json:"total,omitempty"`
	// RatePerS is records read per second; LeftS the time left at that pace (running streams with a total).
	RatePerS float64  `json:"rate_per_s,omitempty"`
	LeftS    *float64 `json:"left_s,omitempty"`
}

// NewRun converts a run; now dates a running run's duration and pace.
func NewRun(r *store.Run, now time.Time) Run {
	out := Run{ID: r.ID, SyncID: r.SyncID, ConnectionID: r.SyncID, TriggeredBy: r.TriggeredBy, Status: string(r.Status), StartedAt: r.StartedAt,
		DurationS: r.Duration(now).Seconds(), Error: r.Error, Streams: map[string]Stream{}}
	if !r.FinishedAt.IsZero() {
		f := r.FinishedAt
		out.FinishedAt = &f
	}
	for _, c := range r.Streams {
		s := Stream{Position: c.Position, State: c.State, Read: c.Read, Sent: c.Sent, Unchanged: c.Unchanged, Rejected: c.Rejected, StillRejected: c.StillRejected}
		if c.Total >= 0 {
			t := c.Total
			s.Total = &t
		}
		p := PaceOf(c, now)
		s.RatePerS = p.Rate
		if p.Left > 0 {
			left := p.Left.Seconds()
			s.LeftS = &left
		}
		out.Streams[c.Stream] = s
	}
	return out
}

// Pace is how fast a stream reads and how long it has left.
type Pace struct {
	Rate    float64       // records read per second (0: unknown)
	Percent int           // of the total read (-1: no total)
	Left    time.Duration // at Rate, for a running stream with a total (0: unknown)
}

// PaceOf measures a stream's pace from its counts.
func PaceOf(c store.StreamCounts, now time.Time) Pace {
	p := Pace{Percent: -1}
	elapsed := now.Sub(c.StartedAt)
	if c.State != "running" && !c.UpdatedAt.IsZero() {
		elapsed = c.UpdatedAt.Sub(c.StartedAt)
	}
	if !c.StartedAt.IsZero() && elapsed > 0 && c.Read > 0 {
		p.Rate = float64(c.Read) / elapsed.Seconds()
	}
	if c.Total > 0 {
		done := min(c.Read, c.Total)
		p.Percent = int(100 * done / c.Total)
		if c.State == "running" && p.Rate > 0 {
			p.Left = time.Duration(float64(c.Total-done) / p.Rate * float64(time.Second)).Round(time.Second)
		}
	} else if c.Total == 0 || c.State == "done" {
		p.Percent = 100
	}
	return p
}

// StillRejected adds up a run's records refused before and unchanged since.
func StillRejected(r *store.Run) int64 {
	var n int64
	for _, c := range r.Streams {
		n += c.StillRejected
	}
	return n
}

// Totals adds up a run's streams.
func Totals(r *store.Run) (read, sent, unchanged, rejected int64) {
	for _, c := range r.Streams {
		read, sent, unchanged, rejected = read+c.Read, sent+c.Sent, unchanged+c.Unchanged, rejected+c.Rejected
	}
	return
}
