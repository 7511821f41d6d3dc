package bigcommerce

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/money"
)

func TestParseV2Time(t *testing.T) {
	want := time.Date(2012, 11, 20, 14, 5, 9, 0, time.UTC)
	for _, in := range []string{
		"Tue, 20 Nov 2012 14:05:09 +0000",
		"Tue, 20 Nov 2012 15:05:09 +0100",
		"Tue, 20 Nov 2012 14:05:09 GMT",
		"2012-11-20T14:05:09Z",
		"2012-11-20T09:05:09-05:00",
	} {
		got, err := ParseV2Time(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseV2Time(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := ParseV2Time("Fri, 1 Mar 2024 00:00:00 +0000"); err != nil || got.Day() != 1 {
		t.Errorf("single-digit day: %v %v", got, err)
	}
	if got, err := ParseV2Time(""); err != nil || !got.IsZero() {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"yesterday", "20/11/2012", "Tue, 20 Nov 2012"} {
		if _, err := ParseV2Time(bad); err == nil {
			t.Errorf("ParseV2Time(%q) accepted", bad)
		}
	}
}

func TestParseV3Time(t *testing.T) {
	want := time.Date(2021, 7, 28, 19, 0, 38, 0, time.UTC)
	for _, in := range []string{"2021-07-28T19:00:38Z", "2021-07-28T19:00:38+00:00", "2021-07-28T21:00:38+02:00", "2021-07-28T19:00:38", "2021-07-28T19:00:38.000Z"} {
		got, err := ParseV3Time(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseV3Time(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseV3Time("Tue, 20 Nov 2012 14:05:09 +0000"); err == nil {
		t.Error("v3 accepted an RFC-2822 date")
	}
	if got := FilterTime(time.Date(2024, 5, 14, 11, 34, 0, 0, time.FixedZone("CEST", 7200))); got != "2024-05-14T09:34:00Z" {
		t.Errorf("FilterTime = %s", got)
	}
}

// Whatever v2 sends, parsing never panics, and what parses survives a round trip in BigCommerce's format.
func FuzzParseV2Time(f *testing.F) {
	for _, s := range []string{"Tue, 20 Nov 2012 00:00:00 +0000", "Mon, 2 Jan 2006 15:04:05 -0700", "", "2012-11-20T14:05:09Z", "Thu, 29 Feb 2024 23:59:59 +1400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseV2Time(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed into %v", s, got.Location())
		}
		if got.IsZero() {
			return
		}
		again, err := ParseV2Time(got.Format(time.RFC1123Z))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q → %v → %v, %v", s, got, again, err)
		}
	})
}

func FuzzParseV3Time(f *testing.F) {
	for _, s := range []string{"2021-07-28T19:00:38Z", "2018-08-24T14:41:00+00:00", "2024-05-14T09:34:00", "", "2021-07-28T19:00:38.123456789-11:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseV3Time(s)
		if err != nil || got.IsZero() {
			return
		}
		again, err := ParseV3Time(got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q → %v → %v, %v", s, got, again, err)
		}
		if filter := FilterTime(got); !strings.HasSuffix(filter, "Z") || len(filter) != len("2006-01-02T15:04:05Z") {
			t.Fatalf("filter %q", filter)
		}
	})
}

// Money fields of an order, whatever their text, decode exactly or not at all, and never through float64.
func FuzzOrderMoney(f *testing.F) {
	for _, s := range []string{`"12.3400"`, `"0.0000"`, `""`, `null`, `12.5`, `"-3.10"`, `"1e3"`, `"abc"`, `"99999999999999999999.9999"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, field string) {
		body := `{"id":1,"total_inc_tax":` + field + `,"date_modified":"Tue, 20 Nov 2012 00:00:00 +0000"}`
		var w orderWire
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			return
		}
		o, _ := w.model()
		var text string
		if json.Unmarshal([]byte(field), &text) == nil && strings.TrimSpace(text) != "" {
			want, err := money.Parse(strings.TrimSpace(text))
			if err != nil || !want.Equal(o.TotalIncTax) {
				t.Fatalf("%s decoded to %s, want %v (%v)", field, o.TotalIncTax, want, err)
			}
		}
		again, err := money.Parse(o.TotalIncTax.String())
		if err != nil || !again.Equal(o.TotalIncTax) {
			t.Fatalf("%s → %s does not round-trip", field, o.TotalIncTax)
		}
	})
}
