package source_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

func open(t testing.TB, rawURL string, opts source.Options) source.Source {
	t.Helper()
	src, err := source.Open(context.Background(), rawURL, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", source.Redact(rawURL), err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// readAll runs q and returns its columns and rows, failing on any error.
func readAll(t testing.TB, src source.Source, q source.Query) ([]source.Column, [][]any) {
	t.Helper()
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		if err := rows.RowErr(); err != nil {
			t.Fatalf("row %d: %v", len(out)+1, err)
		}
		out = append(out, rows.Values())
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	return rows.Columns(), out
}

// wantPart checks that err is an *Error of part, and returns its message.
func wantPart(t testing.TB, err error, part source.Part) string {
	t.Helper()
	var e *source.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *source.Error of part %s", err, err, part)
	}
	if e.Part != part {
		t.Fatalf("part %q, want %q: %v", e.Part, part, err)
	}
	return e.Msg
}

// queryErr runs q and returns the error from Query or, failing that, from reading its rows.
func queryErr(src source.Source, q source.Query) error {
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// column is a compact form of a Column for comparisons.
func column(c source.Column) string {
	return fmt.Sprintf("%s %s %s %s", c.Name, c.DatabaseType, c.Kind, c.Nullable)
}

// wantColumns compares columns with their compact forms.
func wantColumns(t testing.TB, got []source.Column, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d columns, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if column(got[i]) != want[i] {
			t.Errorf("column %d: %q, want %q", i, column(got[i]), want[i])
		}
	}
}

// wantValues compares a row with the expected values, by type and value.
func wantValues(t testing.TB, got []any, want ...any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d: %#v", len(got), len(want), got)
	}
	for i := range got {
		if g, w := fmt.Sprintf("%T %v", got[i], got[i]), fmt.Sprintf("%T %v", want[i], want[i]); g != w {
			t.Errorf("value %d: %s, want %s", i, g, w)
		}
	}
}

// readFlat reads q to the end and returns how much the live heap grew between the first rows and the
// last: a streaming read grows by nothing like the size of the result.
func readFlat(t testing.TB, src source.Source, q source.Query, wantRows int) (growth int64) {
	t.Helper()
	rows, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	defer rows.Close()
	var before, after runtime.MemStats
	n := 0
	for rows.Next() {
		if n == 1000 {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		n++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != wantRows {
		t.Fatalf("%d rows, want %d", n, wantRows)
	}
	growth = int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// 200,000 rows of a few columns are tens of megabytes held; a stream holds one row.
	if growth > 4<<20 {
		t.Errorf("the heap grew by %d KiB while reading %d rows: rows are held, not streamed", growth>>10, n)
	}
	return growth
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
