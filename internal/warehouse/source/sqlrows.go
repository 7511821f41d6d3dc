package source

import (
	"context"
	"database/sql"
	"slices"
)

// sqlRows streams a database/sql result (MySQL, MariaDB, SQLite): the drivers read one row at a time
// off the connection or the file. Each engine says how to describe a column and convert its values.
type sqlRows struct {
	ctx      context.Context // the caller's
	cancel   context.CancelFunc
	rows     *sql.Rows
	cols     []Column
	convert  []func(any) any
	classify func(error) error // the engine's error classification
	cleanup  func()            // ends the transaction and gives back the connection
	abort    func()            // closed early: stops the query where cancelling alone may not

	dest, ptrs   []any
	peeked, more bool // the first row is read by start so that early errors are Query's
	values       []any
	err          error
	done         bool
}

// start describes the columns with describe (name and driver type in, Column and converter out) and
// reads the first row.
func (r *sqlRows) start(describe func(*sql.ColumnType) (Column, func(any) any)) error {
	types, err := r.rows.ColumnTypes()
	if err != nil {
		return r.classify(err)
	}
	r.cols = make([]Column, len(types))
	r.convert = make([]func(any) any, len(types))
	for i, t := range types {
		r.cols[i], r.convert[i] = describe(t)
	}
	r.dest = make([]any, len(types))
	r.ptrs = make([]any, len(types))
	for i := range r.dest {
		r.ptrs[i] = &r.dest[i]
	}
	r.more, r.peeked = r.rows.Next(), true
	if !r.more {
		if err := r.rows.Err(); err != nil {
			return r.classify(err)
		}
	}
	return nil
}

func (r *sqlRows) Columns() []Column { return slices.Clone(r.cols) }

func (r *sqlRows) Next() bool {
	r.values = nil
	if r.done {
		return false
	}
	more := r.more
	if r.peeked {
		r.peeked = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			r.err = r.classify(err)
		}
		r.release(false)
		return false
	}
	// Scanning into *any copies []byte values, which the drivers reuse between rows.
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = r.classify(err)
		r.release(true)
		return false
	}
	r.values = make([]any, len(r.dest))
	for i, v := range r.dest {
		if v != nil {
			r.values[i] = r.convert[i](v)
		}
	}
	return true
}

func (r *sqlRows) Values() []any { return r.values }

func (r *sqlRows) RowErr() error { return nil }

func (r *sqlRows) Err() error { return r.err }

func (r *sqlRows) Close() error {
	r.release(true)
	return nil
}

// release closes the rows and the connection. Closed early, the query is stopped first: closing the
// rows would otherwise read the rest of the result.
func (r *sqlRows) release(early bool) {
	if r.done {
		return
	}
	r.done = true
	if early {
		if r.abort != nil {
			r.abort()
		}
		r.cancel()
	}
	if r.rows != nil {
		r.rows.Close()
	}
	if r.cleanup != nil {
		r.cleanup()
	}
	r.cancel()
}
