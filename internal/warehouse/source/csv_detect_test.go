package source

import (
	"bytes"
	"testing"
	"time"
)

func TestDetectDelimiterCountsOutsideQuotesOnTheHeaderLineOnly(t *testing.T) {
	for head, want := range map[string]rune{
		"a,b,c\n1;2;3;4;5;6\n":      ',',
		"a;b;c\r\n1,2\n":            ';',
		"a\tb\n":                    '\t',
		"a|b|c":                     '|',
		`"x;y;z",b` + "\n":          ',',
		`"multi` + "\n" + `line";b`: ';',
		"single\n":                  ',',
		"a;b,c\n":                   ',', // a tie goes to the comma
	} {
		if got := detectDelimiter([]byte(head)); got != want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", head, got, want)
		}
	}
}

func TestDetectEncodingTrustsByteOrderMarksThenUTF8ValidityElseWindows1252(t *testing.T) {
	for head, want := range map[string]string{
		"\xEF\xBB\xBFa,b": "utf-8",
		"\xFF\xFEa\x00":   "utf-16le",
		"\xFE\xFF\x00a":   "utf-16be",
		"Zoë,Zürich":      "utf-8",
		"Zo\xeb":          "windows-1252",
		"abc\xE2\x82":     "windows-1252", // the end of the file: nothing was cut
		"":                "utf-8",
	} {
		if got := detectEncoding([]byte(head)); got != want {
			t.Errorf("detectEncoding(%q) = %q, want %q", head, got, want)
		}
	}
	// A euro sign cut by the end of the sample is still UTF-8.
	cut := append(bytes.Repeat([]byte("a"), sniffSize-2), 0xE2, 0x82)
	if got := detectEncoding(cut); got != "utf-8" {
		t.Errorf("a sample ending in a cut character: %q", got)
	}
}

func TestCSVInferenceKeepsCodesWithLeadingZerosAsText(t *testing.T) {
	for _, c := range []struct {
		cells []string
		want  Kind
	}{
		{[]string{"1", "-2", "+3", ""}, KindInteger},
		{[]string{"1", "2.50", "-0.5"}, KindDecimal},
		{[]string{"0.5", "0"}, KindDecimal},
		{[]string{"01234", "12345"}, KindText},
		{[]string{"007.5"}, KindText},
		{[]string{"1e5"}, KindText},
		{[]string{"9223372036854775808"}, KindDecimal}, // past int64: exact, as a decimal
		{[]string{"true", "No", "YES"}, KindBoolean},
		{[]string{"0", "1"}, KindInteger},
		{[]string{"2024-02-29", "1999-12-31"}, KindDate},
		{[]string{"2024-02-30"}, KindText},
		{[]string{"2024-02-29", "2024-03-01 10:00"}, KindTimestamp},
		{[]string{"2024-03-01T10:00:00.123+0100"}, KindTimestamp},
		{[]string{"03/01/2024"}, KindText}, // ambiguous between countries: left as written
		{[]string{"", " "}, KindText},
	} {
		var g kindGuess
		for _, cell := range c.cells {
			g.see(cell)
		}
		if got := g.kind(); got != c.want {
			t.Errorf("%q: %s, want %s", c.cells, got, c.want)
		}
	}
}

func TestTimestampsWithoutAZoneAreUTC(t *testing.T) {
	got, ok := parseTimestamp("2024-03-01 12:34:56.5")
	if want := time.Date(2024, 3, 1, 12, 34, 56, 5e8, time.UTC); !ok || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%v %v, want %v", got, ok, want)
	}
}
