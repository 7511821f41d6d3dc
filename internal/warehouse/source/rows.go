package source

import "fmt"

// Rows is a streaming iterator over a query's result. Only the current row is held in memory.
//
//	rows, err := src.Query(ctx, source.Query{Table: "customers"})
//	if err != nil { … }
//	defer rows.Close()
//	for rows.Next() {
//		if err := rows.RowErr(); err != nil { record it for this row; continue }
//		values := rows.Values()
//	}
//	if err := rows.Err(); err != nil { … }
//
// Rows is not safe for concurrent use.
type Rows interface {
	// Columns describes the result's columns; it is known before the first Next.
	Columns() []Column
	// Next advances to the next row, returning false at the end or on an error (see Err).
	Next() bool
	// Values returns the current row, one normalised value per column, in a new slice the caller may
	// keep. It is nil when RowErr is not.
	Values() []any
	// RowErr is a problem with the current row alone (a CSV line with the wrong number of fields): the
	// read goes on with the next row. It is a *RowError, or nil.
	RowErr() error
	// Err is the error that ended the iteration early, an *Error, or nil once every row was read.
	Err() error
	// Close releases the connection or file. It is safe to call more than once.
	Close() error
}

// RowError is a row the source could not read, reported for that row alone.
type RowError struct {
	Line int    // 1-based line of the file where the row starts
	Msg  string // what is wrong, for a person
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }
