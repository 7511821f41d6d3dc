package resource

import (
	"cmp"
	"fmt"
	"github.com/bcsync/bcsync/internal/marketing"
	"slices"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Run is one run of a sync with its streams' (or operations') counts.
type Run struct {
	ID int64 `json:"id"`
	// Number counts the sync's runs from 1: what people read ("Run 3"); ID is what URLs and commands take.
	Number int64 `json:"number"`
	SyncID int64 `json:"sync_id"`
	// ConnectionID is SyncID, under the name the marketing sync's runs had before syncs of other kinds.
	ConnectionID int64      `json:"connection_id"`
	TriggeredBy  string     `json:"triggered_by"`
	Status       string     `json:"status"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
	DurationS    float64    `json:"duration_s"`
	Error        string     `json:"error,omitempty"`
	// Detail is the technical errors behind Error's sentences.
	Detail  string            `json:"detail,omitempty"`
	Streams map[string]Stream `json:"streams"`
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
	// Waiting records are held for later (orders whose email is not a contact yet); Skipped ones need
	// nothing sent. read = sent + unchanged + rejected + waiting + skipped once a stream is done.
	Waiting int64 `json:"waiting"`
	Skipped int64 `json:"skipped"`
	// Reasons says why records waited or were skipped: reason → count.
	Reasons map[string]int64 `json:"reasons,omitempty"`
	// Total is the number of records to read, when the store says it up front.
	Total *int64 `json:"total,omitempty"`
	// RatePerS is records read per second; LeftS the time left at that pace (running streams with a total).
	RatePerS float64  `json:"rate_per_s,omitempty"`
	LeftS    *float64 `json:"left_s,omitempty"`
}

// NewRun converts a run; now dates a running run's duration and pace.
func NewRun(r *store.Run, now time.Time) Run {
	out := Run{ID: r.ID, Number: r.Number, SyncID: r.SyncID, ConnectionID: r.SyncID, TriggeredBy: r.TriggeredBy, Status: string(r.Status), StartedAt: r.StartedAt,
		DurationS: r.Duration(now).Seconds(), Error: r.Error, Detail: r.Detail, Streams: map[string]Stream{}}
	if !r.FinishedAt.IsZero() {
		f := r.FinishedAt
		out.FinishedAt = &f
	}
	for _, c := range r.Streams {
		s := Stream{Position: c.Position, State: c.State, Read: c.Read, Sent: c.Sent, Unchanged: c.Unchanged, Rejected: c.Rejected,
			StillRejected: c.StillRejected, Waiting: c.Waiting, Skipped: c.Skipped, Reasons: c.Reasons}
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
	Rate    float64 // records read per second (0: unknown)
	Percent int     // of the total read (-1: no total)
	// Left is the time left of a running stream with a total, at Rate or the rate the store's quota
	// allows, whichever is slower (0: unknown or nothing left; else at least a second).
	Left time.Duration
}

// PaceOf measures a stream's pace from its counts.
func PaceOf(c store.StreamCounts, now time.Time) Pace {
	p := Pace{Percent: -1}
	elapsed := now.Sub(c.StartedAt)
	if c.State != "running" && !c.UpdatedAt.IsZero() {
		elapsed = c.UpdatedAt.Sub(c.StartedAt)
	}
	// A rate over less than a second says nothing (a stream of a millisecond is not 13,000 a second).
	if !c.StartedAt.IsZero() && elapsed >= time.Second && c.Read > 0 {
		p.Rate = float64(c.Read) / elapsed.Seconds()
	}
	if c.Total > 0 {
		done := min(c.Read, c.Total)
		p.Percent = int(100 * done / c.Total)
		// The time left is at the pace the store's quota sustains when that is slower than the pace so
		// far (a read starts with a burst the quota then holds back), and before anything was read.
		pace := p.Rate
		if c.MaxRate > 0 && (pace == 0 || c.MaxRate < pace) {
			pace = c.MaxRate
		}
		if c.State == "running" && pace > 0 {
			p.Left = max(time.Duration(float64(c.Total-done)/pace*float64(time.Second)).Round(time.Second), time.Second)
			if done == c.Total {
				p.Left = 0
			}
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

// Held adds up the records a run's streams hold back (waiting) or had nothing to send for (skipped).
func Held(r *store.Run) (waiting, skipped int64) {
	for _, c := range r.Streams {
		waiting, skipped = waiting+c.Waiting, skipped+c.Skipped
	}
	return
}

// Totals adds up a run's streams.
func Totals(r *store.Run) (read, sent, unchanged, rejected int64) {
	for _, c := range r.Streams {
		read, sent, unchanged, rejected = read+c.Read, sent+c.Sent, unchanged+c.Unchanged, rejected+c.Rejected
	}
	return
}

// NotSent says, one sentence each, why records a stream read were waiting or skipped, e.g. "26 waiting:
// the email is not a contact yet", most first.
func NotSent(c store.StreamCounts) []string {
	type reason struct {
		why string
		n   int64
	}
	var rs []reason
	for why, n := range c.Reasons {
		rs = append(rs, reason{why, n})
	}
	slices.SortFunc(rs, func(a, b reason) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return cmp.Compare(a.why, b.why)
	})
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%d %s", r.n, r.why)
	}
	return out
}

// partLabels name the parts of a warehouse run for people.
var partLabels = map[string]string{"plan": "Plan (rows read)", "add": "Adds", "change": "Changes", "remove": "Removes"}

// StreamLabel is the name for people of a marketing run's stream or a warehouse run's part: internal
// names (order_figures, waiting, carts) are not shown to users. A name it does not know is itself.
func StreamLabel(name string) string {
	if l := marketing.StreamLabel(name); l != name {
		return l
	}
	if l, ok := partLabels[name]; ok {
		return l
	}
	return name
}
