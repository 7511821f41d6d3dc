package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APICall is a recorded HTTP exchange with BigCommerce or Dotdigital, already redacted.
type APICall struct {
	ID              int64
	SyncID          int64
	RunID           int64
	RunNumber       int64 // the run's number within the sync (0: no run, or the run is gone)
	API             string
	Method          string
	URL             string
	Status          int
	Error           string
	Duration        time.Duration
	StartedAt       time.Time
	RequestHeaders  http.Header
	RequestBody     string
	ResponseHeaders http.Header
	ResponseBody    string
	Truncated       bool
}

// AddAPICalls records calls in one transaction and keeps at most keep calls per sync.
func (s *Store) AddAPICalls(ctx context.Context, calls []APICall, keep int) error {
	if len(calls) == 0 {
		return nil
	}
	conns := map[int64]bool{}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// A call of a sync removed meanwhile is dropped, not an error for the whole batch.
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO api_calls (sync_id, run_id, api, method, url, status, error, duration_ms, started_at,
			request_headers, request_body, response_headers, response_body, truncated)
			SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14 WHERE EXISTS (SELECT 1 FROM syncs WHERE id = $1)`)
		if err != nil {
			return fmt.Errorf("store: add api calls: %w", err)
		}
		defer stmt.Close()
		for _, c := range calls {
			conns[c.SyncID] = true
			if _, err := stmt.ExecContext(ctx, c.SyncID, c.RunID, c.API, c.Method, c.URL, c.Status, c.Error, c.Duration.Milliseconds(),
				ms(c.StartedAt), formatHeader(c.RequestHeaders), c.RequestBody, formatHeader(c.ResponseHeaders), c.ResponseBody, c.Truncated); err != nil {
				return fmt.Errorf("store: add api call: %w", err)
			}
		}
		for id := range conns {
			if _, err := tx.ExecContext(ctx, `DELETE FROM api_calls WHERE sync_id = $1 AND id <= (
				SELECT id FROM api_calls WHERE sync_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, id, keep); err != nil {
				return fmt.Errorf("store: prune api calls: %w", err)
			}
		}
		return nil
	})
}

// APICallFilter narrows the debugger's list.
type APICallFilter struct {
	RunID       int64
	API         string // one of apicall.APIs: bigcommerce, dotdigital, an alert channel's
	StatusClass int    // 2, 4, 5 (0: any); -1: transport errors (no status); see StatusClasses
	Limit       int
	BeforeID    int64
	AfterID     int64 // only calls recorded after this one (a live view's next poll)
	// Bodies also reads headers and bodies (a list view does not need them).
	Bodies bool
}

// StatusClasses are the status filters as users name them, with their StatusClass.
var StatusClasses = map[string]int{"2xx": 2, "3xx": 3, "4xx": 4, "5xx": 5, "error": -1}

// APICalls returns a sync's recorded calls, newest first.
func (s *Store) APICalls(ctx context.Context, syncID int64, f APICallFilter) ([]APICall, error) {
	bodies := `'', '', '', ''`
	if f.Bodies {
		bodies = `request_headers, request_body, response_headers, response_body`
	}
	q := `SELECT id, sync_id, run_id, COALESCE((SELECT number FROM runs WHERE runs.id = run_id), 0), api, method, url, status, error, duration_ms, started_at, ` + bodies + `, truncated
		FROM api_calls WHERE sync_id = $1`
	args := []any{syncID}
	if f.RunID > 0 {
		args = append(args, f.RunID)
		q += fmt.Sprintf(" AND run_id = $%d", len(args))
	}
	if f.API != "" {
		args = append(args, f.API)
		q += fmt.Sprintf(" AND api = $%d", len(args))
	}
	switch {
	case f.StatusClass == -1:
		q += " AND status = 0"
	case f.StatusClass > 0:
		args = append(args, f.StatusClass*100, f.StatusClass*100+99)
		q += fmt.Sprintf(" AND status BETWEEN $%d AND $%d", len(args)-1, len(args))
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	if f.AfterID > 0 {
		args = append(args, f.AfterID)
		q += fmt.Sprintf(" AND id > $%d", len(args))
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: api calls: %w", err)
	}
	defer rows.Close()
	var out []APICall
	for rows.Next() {
		c, err := scanAPICall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// APICall returns one recorded call of a sync, with its headers and bodies.
func (s *Store) APICall(ctx context.Context, syncID, id int64) (*APICall, error) {
	c, err := scanAPICall(s.db.QueryRowContext(ctx, `SELECT id, sync_id, run_id, COALESCE((SELECT number FROM runs WHERE runs.id = run_id), 0), api, method, url, status, error, duration_ms, started_at,
		request_headers, request_body, response_headers, response_body, truncated FROM api_calls WHERE sync_id = $1 AND id = $2`, syncID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, err
}

func scanAPICall(row rowScanner) (*APICall, error) {
	var c APICall
	var durMS, started int64
	var reqH, respH string
	if err := row.Scan(&c.ID, &c.SyncID, &c.RunID, &c.RunNumber, &c.API, &c.Method, &c.URL, &c.Status, &c.Error, &durMS, &started,
		&reqH, &c.RequestBody, &respH, &c.ResponseBody, &c.Truncated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("store: api calls: %w", err)
	}
	c.Duration, c.StartedAt = time.Duration(durMS)*time.Millisecond, fromMS(started)
	c.RequestHeaders, c.ResponseHeaders = parseHeader(reqH), parseHeader(respH)
	return &c, nil
}

// formatHeader writes a header as "Name: value" lines, the way the debugger shows it.
func formatHeader(h http.Header) string {
	var b strings.Builder
	h.Write(&b)
	return b.String()
}

func parseHeader(s string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			h.Add(k, v)
		}
	}
	return h
}
