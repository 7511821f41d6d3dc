package resource

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Rejected is a record a run could not sync, with the reason.
type Rejected struct {
	ID     int64  `json:"id"`
	RunID  int64  `json:"run_id"`
	Stream string `json:"stream"`
	Key    string `json:"key"`
	Email  string `json:"email,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
	// Request and Response are what was sent and what the store answered, when a call refused it.
	Request    string    `json:"request,omitempty"`
	Response   string    `json:"response,omitempty"`
	RejectedAt time.Time `json:"rejected_at"`
}

// NewRejected converts a rejected record.
func NewRejected(r store.Rejected) Rejected {
	return Rejected{ID: r.ID, RunID: r.RunID, Stream: r.Stream, Key: r.Key, Email: r.Email, Reason: r.Reason, Detail: r.Detail,
		Request: r.Request, Response: r.Response, RejectedAt: r.CreatedAt}
}

// WriteRejectedCSV writes rejected records as CSV, reading them a page at a time (newest first; a
// page is the records before the id given).
func WriteRejectedCSV(w io.Writer, page func(before int64, limit int) ([]store.Rejected, error)) error {
	out := csv.NewWriter(w)
	out.Write([]string{"id", "run_id", "stream", "key", "email", "reason", "detail", "rejected_at", "request", "response"})
	const size = 1000
	var before int64
	for {
		recs, err := page(before, size)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			out.Write([]string{strconv.FormatInt(rec.ID, 10), strconv.FormatInt(rec.RunID, 10), rec.Stream, csvSafe(rec.Key), csvSafe(rec.Email),
				csvSafe(rec.Reason), csvSafe(rec.Detail), rec.CreatedAt.UTC().Format(time.RFC3339), csvSafe(rec.Request), csvSafe(rec.Response)})
		}
		out.Flush()
		if err := out.Error(); err != nil {
			return err
		}
		if len(recs) < size {
			return nil
		}
		before = recs[len(recs)-1].ID
	}
}

// csvSafe keeps a spreadsheet from reading a value as a formula (CSV injection): store data is
// written by shoppers.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
