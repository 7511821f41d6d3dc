package source_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// csvFile writes content to a file named name in a temporary directory and returns its path.
func csvFile(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCSVInfersKindsFromTheFirstRowsAndEmptyCellsAreNull(t *testing.T) {
	path := csvFile(t, "customers.csv", []byte(
		"id,email,amount,active,born,seen_at,zip,notes,empty\n"+
			"1,a@example.com,12.50,true,1990-05-17,2024-03-01T12:34:56Z,01234,,\n"+
			"2,b@example.com,3,FALSE,1991-01-02,2024-03-01 10:00:00+02:00,12345,hello,\n"+
			"3,,-0.5,yes,,2024-03-01,99999,\"\",\n"))
	src := open(t, path, source.Options{})
	cols, rows := readAll(t, src, source.Query{})
	wantColumns(t, cols,
		"id text (inferred integer) integer unknown", "email text text unknown",
		"amount text (inferred decimal) decimal unknown", "active text (inferred boolean) boolean unknown",
		"born text (inferred date) date unknown", "seen_at text (inferred timestamp) timestamp unknown",
		// A leading zero makes a code, not a number; a column with no value at all is text.
		"zip text text unknown", "notes text text unknown", "empty text text unknown")
	wantValues(t, rows[0], int64(1), "a@example.com", source.Decimal("12.50"), true,
		time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 34, 56, 0, time.UTC), "01234", nil, nil)
	wantValues(t, rows[1], int64(2), "b@example.com", source.Decimal("3"), false,
		time.Date(1991, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), "12345", "hello", nil)
	wantValues(t, rows[2], int64(3), nil, source.Decimal("-0.5"), true, nil, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "99999", nil, nil)
}

func TestCSVValueThatDoesNotFitItsInferredKindComesBackUnparsed(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,total\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&b, "%d,%d.99\n", i, i)
	}
	b.WriteString("n/a,12,5\n") // a value past the inferred rows, and a comma for a decimal point
	src := open(t, csvFile(t, "orders.csv", []byte(b.String())), source.Options{})
	cols, rows := readAllRows(t, src)
	wantColumns(t, cols, "id text (inferred integer) integer unknown", "total text (inferred decimal) decimal unknown")
	if len(rows) != 1001 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[1000].err == nil || rows[1000].err.Line != 1002 {
		t.Fatalf("row 1001: %+v, want the ragged row reported on line 1002", rows[1000])
	}
	// Rewrite the last row with the right number of fields.
	src = open(t, csvFile(t, "orders.csv", []byte(strings.Replace(b.String(), "n/a,12,5", "n/a,12.5x", 1))), source.Options{})
	_, rows = readAllRows(t, src)
	wantValues(t, rows[1000].values, source.Unparsed("n/a"), source.Unparsed("12.5x"))
}

// row is a row as read: its values, or the error reported for it.
type row struct {
	values []any
	err    *source.RowError
}

func readAllRows(t testing.TB, src source.Source) ([]source.Column, []row) {
	t.Helper()
	rs, err := src.Query(context.Background(), source.Query{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		r := row{values: rs.Values()}
		if err := rs.RowErr(); err != nil {
			if !errors.As(err, &r.err) {
				t.Fatalf("RowErr %T is not a *RowError", err)
			}
			if r.values != nil {
				t.Errorf("a row with an error has values %v", r.values)
			}
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return rs.Columns(), out
}

func TestCSVDetectsTheDelimiterFromTheHeaderLine(t *testing.T) {
	for name, c := range map[string]struct {
		file, params string
		want         []any
	}{
		"comma":                       {"a,b,c\n1,2,3\n", "", []any{int64(1), int64(2), int64(3)}},
		"semicolon":                   {"a;b;c\n1,5;2,5;x\n", "", []any{"1,5", "2,5", "x"}},
		"tab":                         {"a\tb\tc\n1\t2\t3\n", "", []any{int64(1), int64(2), int64(3)}},
		"pipe":                        {"a|b|c\n1|2|3\n", "", []any{int64(1), int64(2), int64(3)}},
		"quoted commas do not count":  {"\"a, b, c\";d;e\n1;2;3\n", "", []any{int64(1), int64(2), int64(3)}},
		"set in the URL":              {"a,b;c\n1,2;3\n", "?delimiter=;", []any{"1,2", int64(3)}},
		"set in the URL by name":      {"a,b\tc\n1,2\t3\n", "?delimiter=tab", []any{"1,2", int64(3)}},
		"one column has no delimiter": {"email\nx@example.com\n", "", []any{"x@example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			src := open(t, csvFile(t, "d.csv", []byte(c.file))+c.params, source.Options{})
			_, rows := readAll(t, src, source.Query{})
			wantValues(t, rows[0], c.want...)
		})
	}
}

func TestCSVDetectsTheEncoding(t *testing.T) {
	utf16 := func(order unicode.Endianness, s string) []byte {
		b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const text = "name,city\nZoë,Zürich €\n"
	for name, c := range map[string]struct {
		file   []byte
		params string
	}{
		"UTF-8":                            {[]byte(text), ""},
		"UTF-8 with a byte order mark":     {append([]byte{0xEF, 0xBB, 0xBF}, text...), ""},
		"UTF-16 LE with a byte order mark": {utf16(unicode.LittleEndian, text), ""},
		"UTF-16 BE with a byte order mark": {utf16(unicode.BigEndian, text), ""},
		"Windows-1252 (not valid UTF-8)":   {[]byte("name,city\nZo\xeb,Z\xfcrich \x80\n"), ""},
		"Windows-1252 named in the URL":    {[]byte("name,city\nZo\xeb,Z\xfcrich \x80\n"), "?encoding=windows-1252"},
		"latin1 named in the URL":          {[]byte("name,city\nZo\xeb,Z\xfcrich \x80\n"), "?encoding=latin1"},
		"both set in the URL":              {[]byte("name;city\nZo\xeb;Z\xfcrich \x80\n"), "?encoding=latin1&delimiter=%3B"},
	} {
		t.Run(name, func(t *testing.T) {
			src := open(t, csvFile(t, "e.csv", c.file)+c.params, source.Options{})
			cols, rows := readAll(t, src, source.Query{})
			wantColumns(t, cols, "name text text unknown", "city text text unknown")
			wantValues(t, rows[0], "Zoë", "Zürich €")
		})
	}
}

func TestCSVQuotedFieldsMayHoldDelimitersQuotesAndLineBreaks(t *testing.T) {
	src := open(t, csvFile(t, "q.csv", []byte("id,note\n1,\"line one\nline two, still\"\n2,\"say \"\"hi\"\"\"\n3,x,extra\n")), source.Options{})
	_, rows := readAllRows(t, src)
	wantValues(t, rows[0].values, int64(1), "line one\nline two, still")
	wantValues(t, rows[1].values, int64(2), `say "hi"`)
	// The quoted line break counts: the ragged row starts on line 5.
	if rows[2].err == nil || rows[2].err.Line != 5 {
		t.Errorf("row 3: %+v, want an error on line 5", rows[2])
	}
}

func TestCSVReportsMalformedRowsWithTheirLinesAndReadsOn(t *testing.T) {
	src := open(t, csvFile(t, "r.csv", []byte("id,email\n1,a@example.com\n2,b@example.com,surplus\n3\n4,bad\"quote\n5,e@example.com\n")), source.Options{})
	_, rows := readAllRows(t, src)
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	wantValues(t, rows[0].values, int64(1), "a@example.com")
	for i, want := range map[int]string{1: "line 3: 3 fields where the header has 2", 2: "line 4: 1 fields where the header has 2", 3: "line 5: bare \" in non-quoted-field"} {
		if rows[i].err == nil || rows[i].err.Error() != want {
			t.Errorf("row %d: %v, want %q", i+1, rows[i].err, want)
		}
	}
	wantValues(t, rows[4].values, int64(5), "e@example.com")
}

func TestCSVRefusesAHeaderWithEmptyOrRepeatedNames(t *testing.T) {
	src := open(t, csvFile(t, "h.csv", []byte("id,,email,id\n1,2,3,4\n")), source.Options{})
	for _, err := range []error{src.Test(context.Background()), queryErr(src, source.Query{})} {
		msg := wantPart(t, err, source.PartFormat)
		if !contains(msg, "column 2 has no name", `"id" names both column 1 and column 4`) {
			t.Errorf("%q does not name the problems", msg)
		}
	}
}

func TestCSVTestNamesWhatIsWrongWithTheFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, path string
		part       source.Part
		says       string
	}{
		{"missing", filepath.Join(dir, "missing.csv"), source.PartFile, "there is no CSV file at"},
		{"a directory", "csv:" + dir, source.PartFile, "is a directory"},
		{"empty", csvFile(t, "empty.csv", nil), source.PartFormat, "is empty"},
		{"blank lines only", csvFile(t, "blank.csv", []byte("\n\n")), source.PartFormat, "is empty"},
		{"an Excel workbook", csvFile(t, "book.csv", []byte("PK\x03\x04\x14\x00\x06\x00rest of a zip")), source.PartFormat, "Excel"},
		{"binary", csvFile(t, "bin.csv", []byte("a,b\n\x00\x01\x02\n")), source.PartFormat, "binary"},
		{"an unterminated header", csvFile(t, "hdr.csv", []byte("\"id,email\n")), source.PartFormat, "header row"},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := wantPart(t, open(t, c.path, source.Options{}).Test(context.Background()), c.part)
			if !contains(msg, c.says) {
				t.Errorf("%q does not say %q", msg, c.says)
			}
		})
	}
	if err := open(t, csvFile(t, "ok.csv", []byte("a\n1\n")), source.Options{}).Test(context.Background()); err != nil {
		t.Errorf("Test of a good file: %v", err)
	}
}

func TestCSVIsOnlyReadAndTakesNoSQL(t *testing.T) {
	content := []byte("a\n1\n")
	path := csvFile(t, "s.csv", content)
	before, _ := os.Stat(path)
	src := open(t, path, source.Options{})
	msg := wantPart(t, queryErr(src, source.Query{SQL: "DELETE FROM s"}), source.PartQuery)
	if !contains(msg, "takes no SQL") {
		t.Errorf("%q", msg)
	}
	readAll(t, src, source.Query{})
	after, _ := os.Stat(path)
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) || !after.ModTime().Equal(before.ModTime()) {
		t.Error("the file changed")
	}
}

func TestCSVStreamsRowsWithoutHoldingThem(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,email,amount,seen_at\n")
	for i := 1; i <= 200000; i++ {
		fmt.Fprintf(&b, "%d,customer-%d@example.com,%d.25,2024-03-01T12:00:00Z\n", i, i, i)
	}
	src := open(t, csvFile(t, "big.csv", b.Bytes()), source.Options{})
	readFlat(t, src, source.Query{}, 200000)
}

func TestCSVStopsReadingAtTheTimeout(t *testing.T) {
	// A FIFO never ends: the read can only stop at the timeout.
	path := filepath.Join(t.TempDir(), "endless.csv")
	if err := mkfifo(path); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.WriteString("id\n")
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(f, "%d\n", i); err != nil {
				return
			}
		}
	}()
	src := open(t, path, source.Options{})
	start := time.Now()
	msg := wantPart(t, queryErr(src, source.Query{Timeout: 300 * time.Millisecond}), source.PartTimeout)
	if !contains(msg, "300ms") {
		t.Errorf("%q does not name the timeout", msg)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the read went on for %s", took)
	}
}
