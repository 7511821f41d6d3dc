package source_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// FuzzCSV reads any bytes as a CSV file: it never panics, fails only with an *Error, reports bad rows
// as *RowError, and gives each good row one value per column.
func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		"id,email\n1,a@example.com\n",
		"a;b\n\"x\ny\";2\n3\n",
		"\xEF\xBB\xBFa,a\n",
		"\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00",
		"a\n\"unterminated\n",
		"Zo\xeb|b\n1|2\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := source.Open(context.Background(), path, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := src.Query(context.Background(), source.Query{})
		if err != nil {
			var e *source.Error
			if !errors.As(err, &e) {
				t.Fatalf("%T: %v", err, err)
			}
			return
		}
		defer rows.Close()
		width := len(rows.Columns())
		for rows.Next() {
			if err := rows.RowErr(); err != nil {
				var re *source.RowError
				if !errors.As(err, &re) || re.Line < 1 {
					t.Fatalf("row error %#v", err)
				}
				continue
			}
			if len(rows.Values()) != width {
				t.Fatalf("%d values for %d columns", len(rows.Values()), width)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
}
