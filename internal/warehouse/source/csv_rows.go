package source

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// csvRows reads a CSV file one record at a time, by the rules in the package documentation.
type csvRows struct {
	s       *csvSource
	ctx     context.Context // the caller's
	qctx    context.Context // bounded by the timeout
	cancel  context.CancelFunc
	timeout time.Duration
	body    io.ReadCloser

	reader   *csv.Reader
	header   []string
	cols     []Column
	convert  []func(string) any
	buffered []csvRecord // the rows read to infer kinds, given out first
	read     int

	values []any
	rowErr error
	err    error
	done   bool
}

type csvRecord struct {
	fields []string
	err    *RowError
}

// begin detects the encoding and the delimiter and reads the header row.
func (r *csvRows) begin() error {
	s := r.s
	raw := bufio.NewReaderSize(r.body, sniffSize)
	head, err := peek(raw, sniffSize)
	if err != nil {
		return s.readError(r.ctx, r.qctx, r.timeout, err)
	}
	enc := s.encoding
	if enc == "" {
		enc = detectEncoding(head)
	}
	if !strings.HasPrefix(enc, "utf-16") {
		if why := notText(head); why != "" {
			return s.fail(PartFormat, nil, "%s is not a CSV file: %s", s.where(), why)
		}
	}
	// The UTF-8 decoder also replaces bytes that are not UTF-8 past the sample with U+FFFD.
	text := bufio.NewReaderSize(decode(raw, enc), sniffSize)
	decoded, err := peek(text, sniffSize)
	if err != nil {
		return s.readError(r.ctx, r.qctx, r.timeout, err)
	}
	if len(strings.TrimSpace(string(decoded))) == 0 {
		return s.fail(PartFormat, nil, "%s is empty: a CSV file starts with a header row naming its columns", s.where())
	}
	delimiter := s.delimiter
	if delimiter == 0 {
		delimiter = detectDelimiter(decoded)
	}
	r.reader = csv.NewReader(text)
	r.reader.Comma = delimiter
	r.reader.FieldsPerRecord = -1 // checked here, per row, so that one bad row does not end the read
	r.reader.ReuseRecord = true
	header, err := r.reader.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return s.fail(PartFormat, err, "the header row of %s cannot be read: %s", s.where(), pe.Err)
		}
		return s.readError(r.ctx, r.qctx, r.timeout, err)
	}
	r.header = make([]string, len(header))
	for i, h := range header {
		r.header[i] = strings.TrimSpace(h)
	}
	return s.checkHeader(r.header)
}

// checkHeader refuses empty and repeated column names, naming them: a field mapping needs to tell
// every column apart.
func (s *csvSource) checkHeader(header []string) error {
	var problems []string
	first := make(map[string]int, len(header))
	for i, h := range header {
		switch at, dup := first[h]; {
		case h == "":
			problems = append(problems, fmt.Sprintf("column %d has no name", i+1))
		case dup:
			problems = append(problems, fmt.Sprintf("%q names both column %d and column %d", h, at+1, i+1))
		default:
			first[h] = i
		}
	}
	if len(problems) > 0 {
		return s.fail(PartFormat, nil, "the header row of %s is not usable: %s", s.where(), strings.Join(problems, "; "))
	}
	return nil
}

// infer reads up to inferRows rows, keeps them to give out first, and infers each column's kind.
func (r *csvRows) infer() error {
	guesses := make([]kindGuess, len(r.header))
	for len(r.buffered) < inferRows {
		rec, ok := r.next()
		if !ok {
			break
		}
		if rec.err == nil {
			rec.fields = slices.Clone(rec.fields) // the reader reuses its slice
			for i, f := range rec.fields {
				guesses[i].see(f)
			}
		}
		r.buffered = append(r.buffered, rec)
	}
	if r.err != nil && len(r.buffered) == 0 {
		return r.err
	}
	r.cols = make([]Column, len(r.header))
	r.convert = make([]func(string) any, len(r.header))
	for i, name := range r.header {
		kind := guesses[i].kind()
		r.cols[i], r.convert[i] = csvColumn(name, kind), csvConverter(kind)
	}
	return nil
}

// next reads one record from the file. It returns false at the end, or with r.err set on a failure
// of the file itself; a malformed row is a record with its error.
func (r *csvRows) next() (csvRecord, bool) {
	if r.err != nil {
		return csvRecord{}, false
	}
	if r.read++; r.read%256 == 0 && r.qctx.Err() != nil { // a local file has no other way to time out
		r.err = r.s.readError(r.ctx, r.qctx, r.timeout, r.qctx.Err())
		return csvRecord{}, false
	}
	fields, err := r.reader.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return csvRecord{}, false
	case errors.As(err, &pe):
		return csvRecord{err: &RowError{Line: pe.StartLine, Msg: pe.Err.Error()}}, true
	case err != nil:
		r.err = r.s.readError(r.ctx, r.qctx, r.timeout, err)
		return csvRecord{}, false
	}
	if len(fields) != len(r.header) {
		line, _ := r.reader.FieldPos(0)
		return csvRecord{err: &RowError{Line: line, Msg: fmt.Sprintf("%d fields where the header has %d", len(fields), len(r.header))}}, true
	}
	return csvRecord{fields: fields}, true
}

func (r *csvRows) Columns() []Column { return slices.Clone(r.cols) }

func (r *csvRows) Next() bool {
	r.values, r.rowErr = nil, nil
	if r.done {
		return false
	}
	var rec csvRecord
	if len(r.buffered) > 0 {
		rec = r.buffered[0]
		r.buffered[0] = csvRecord{}
		r.buffered = r.buffered[1:]
	} else {
		var ok bool
		if rec, ok = r.next(); !ok {
			r.release()
			return false
		}
	}
	if rec.err != nil {
		r.rowErr = rec.err
		return true
	}
	r.values = make([]any, len(rec.fields))
	for i, f := range rec.fields {
		r.values[i] = r.convert[i](f)
	}
	return true
}

func (r *csvRows) Values() []any { return r.values }

func (r *csvRows) RowErr() error { return r.rowErr }

func (r *csvRows) Err() error { return r.err }

func (r *csvRows) Close() error {
	r.release()
	return nil
}

func (r *csvRows) release() {
	if r.done {
		return
	}
	r.done = true
	r.buffered = nil
	r.body.Close()
	r.cancel()
}
