package source

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The converters below turn what a database/sql driver returns ([]byte text, int64, float64, string,
// time.Time) into the normalised value of a column's Kind. A value that does not fit comes back as
// Unparsed with its text, never as a guess.

// converter returns the converter for kind.
func converter(kind Kind) func(any) any {
	switch kind {
	case KindInteger:
		return asInteger
	case KindDecimal:
		return asDecimal
	case KindFloat:
		return asFloat
	case KindBoolean:
		return asBoolean
	case KindDate:
		return asDate
	case KindTimestamp:
		return asTimestamp
	case KindJSON:
		return asJSON
	case KindBytes:
		return asBytes
	case KindText:
		return asText
	}
	return asIs
}

func asInteger(v any) any {
	switch v := v.(type) {
	case int64:
		return v
	case uint64: // an UNSIGNED BIGINT: above int64's range it is kept as text, not wrapped around
		if v <= math.MaxInt64 {
			return int64(v)
		}
	case []byte, string:
		s := text(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		return Unparsed(s)
	}
	return Unparsed(text(v))
}

func asDecimal(v any) any {
	switch v := v.(type) {
	case []byte, string:
		s := text(v)
		if isDecimal(s) {
			return Decimal(s)
		}
		return Unparsed(s)
	case int64:
		return Decimal(strconv.FormatInt(v, 10))
	case float64:
		// SQLite keeps a NUMERIC(12,2) value it can as a double: the shortest text that reads back as
		// the same double is the number as it was written.
		return Decimal(strconv.FormatFloat(v, 'f', -1, 64))
	}
	return Unparsed(text(v))
}

func asFloat(v any) any {
	switch v := v.(type) {
	case float64:
		return v
	case float32:
		return widen(v)
	case int64:
		return float64(v)
	case []byte, string:
		s := text(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return Unparsed(s)
	}
	return Unparsed(text(v))
}

func asBoolean(v any) any {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		if v == 0 || v == 1 {
			return v == 1
		}
	case []byte, string:
		if b, ok := parseBool(text(v)); ok {
			return b
		}
	}
	return Unparsed(text(v))
}

func asDate(v any) any {
	switch v := v.(type) {
	case time.Time:
		y, m, d := v.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case []byte, string:
		if t, ok := parseDate(text(v)); ok {
			return t
		}
	}
	return Unparsed(text(v))
}

func asTimestamp(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC()
	case []byte, string:
		if t, ok := parseTimestamp(text(v)); ok {
			return t
		}
	}
	return Unparsed(text(v))
}

func asJSON(v any) any {
	s := text(v)
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return Unparsed(s)
}

func asBytes(v any) any {
	switch v := v.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return Unparsed(text(v))
}

func asText(v any) any { return text(v) }

// asIs normalises a value of a column whose type says nothing (an expression in SQLite, an unusual
// MySQL type): text that is valid UTF-8 becomes a string, other bytes stay bytes.
func asIs(v any) any {
	switch v := v.(type) {
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return v
	case time.Time:
		return v.UTC()
	case float32:
		return widen(v)
	case uint64:
		return asInteger(v)
	case int64, float64, bool, string:
		return v
	}
	return text(v)
}

// widen turns a float32 (MySQL's FLOAT) into the float64 of its shortest text: 0.1 stays 0.1 instead
// of becoming 0.10000000149011612.
func widen(f float32) float64 {
	w, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return w
}

// text is a value's text, as the database would print it.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// isDecimal reports whether s is a plain decimal number: an optional sign, digits, an optional
// fraction. Exponents are not decimals a person writes for money.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, hasPoint := strings.Cut(s, ".")
	return (whole != "" || frac != "") && digits(whole) && digits(frac) && (!hasPoint || frac != "")
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "1":
		return true, true
	case "false", "f", "no", "0":
		return false, true
	}
	return false, false
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// timestampLayouts are the ISO 8601 forms databases and spreadsheets write, with a T or a space, with
// or without fractions and a zone. A timestamp without a zone is taken as UTC.
var timestampLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02 15:04") || s[4] != '-' {
		return time.Time{}, false // not worth ten failed parses
	}
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
