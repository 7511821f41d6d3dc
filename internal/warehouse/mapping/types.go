package mapping

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Type is the type of a field, and so of its value in Values.
type Type string

const (
	TypeText     Type = "text"     // string
	TypeEmail    Type = "email"    // string: an email address, trimmed
	TypeInteger  Type = "integer"  // int64
	TypeDecimal  Type = "decimal"  // money.Amount (an exact decimal, not only money)
	TypeMoney    Type = "money"    // money.Amount, never negative
	TypeBoolean  Type = "boolean"  // bool
	TypeDate     Type = "date"     // time.Time at midnight UTC
	TypeDateTime Type = "datetime" // time.Time in UTC
	TypeStatus   Type = "status"   // int: the id of one of the store's order statuses
	TypeProducts Type = "products" // []bigcommerce.OrderProductInput
)

// noun is how messages name a field of the type: "store_credit (a decimal)".
func (t Type) noun() string {
	switch t {
	case TypeText:
		return "text"
	case TypeEmail:
		return "an email"
	case TypeInteger:
		return "a whole number"
	case TypeDecimal, TypeMoney:
		return "a decimal"
	case TypeBoolean:
		return "true or false"
	case TypeDate:
		return "a date"
	case TypeDateTime:
		return "a date and time"
	case TypeStatus:
		return "an order status"
	case TypeProducts:
		return "product lines"
	}
	return string(t)
}

// takesText reports whether a field of the type is given as text: a template (whose result is text)
// may feed it, and a value that did not fit its column's kind (source.Unparsed) is taken as its text.
func (t Type) takesText() bool {
	return t == TypeText || t == TypeEmail || t == TypeStatus || t == TypeProducts
}

// accepted lists, for each field type, the column kinds that may be written to it; source.KindUnknown
// (the driver could not say) is accepted everywhere and its values are converted row by row. See the
// package documentation for the reasons.
var accepted = map[Type][]source.Kind{
	TypeText: {source.KindText, source.KindInteger, source.KindDecimal, source.KindFloat, source.KindBoolean,
		source.KindDate, source.KindTimestamp, source.KindJSON, source.KindBytes},
	TypeEmail:    {source.KindText},
	TypeInteger:  {source.KindInteger},
	TypeDecimal:  {source.KindInteger, source.KindDecimal, source.KindFloat},
	TypeMoney:    {source.KindInteger, source.KindDecimal, source.KindFloat},
	TypeBoolean:  {source.KindBoolean, source.KindInteger},
	TypeDate:     {source.KindDate, source.KindTimestamp},
	TypeDateTime: {source.KindDate, source.KindTimestamp},
	TypeStatus:   {source.KindInteger, source.KindText},
	TypeProducts: {source.KindJSON, source.KindText},
}

// Accepts reports whether a column of kind k may be written to a field of type t.
func Accepts(t Type, k source.Kind) bool {
	if k == source.KindUnknown {
		return true
	}
	for _, a := range accepted[t] {
		if a == k {
			return true
		}
	}
	return false
}

// AcceptedKinds lists the column kinds a field of type t takes (source.KindUnknown aside).
func AcceptedKinds(t Type) []source.Kind { return append([]source.Kind(nil), accepted[t]...) }

// problem is why one value cannot be written: a predicate of the value ("is not a number"). quote says
// whether a message shows the value itself (not for product lines: the JSON is long).
type problem struct {
	says  string
	quote bool
}

func bad(format string, args ...any) *problem {
	return &problem{says: fmt.Sprintf(format, args...), quote: true}
}

// converter turns one value, of a column (of kind kind), a constant or a template, into the value of
// a field. Strings are parsed for every type: they come from constants, templates, and columns of
// unknown kind (other text columns only reach fields that take text, by Check).
type converter struct {
	statuses []bigcommerce.OrderStatus
	create   bool // the rows create records (products: lines without ids)
}

func (c *converter) convert(f *Field, v any, kind source.Kind) (any, *problem) {
	if _, ok := v.(source.Unparsed); ok && !f.Type.takesText() {
		return nil, bad("%s", unparsedSays(kind))
	}
	var out any
	var p *problem
	switch f.Type {
	case TypeText:
		out, p = asText(v, kind)
	case TypeEmail:
		out, p = asEmail(v)
	case TypeInteger:
		out, p = asInteger(v)
	case TypeDecimal, TypeMoney:
		out, p = asDecimal(v)
	case TypeBoolean:
		out, p = asBoolean(v)
	case TypeDate:
		out, p = asTime(v, true)
	case TypeDateTime:
		out, p = asTime(v, false)
	case TypeStatus:
		out, p = c.asStatus(v, kind)
	case TypeProducts:
		out, p = c.asProducts(v)
	default:
		return nil, bad("cannot be written: the field's type %q is unknown", f.Type)
	}
	if p != nil {
		return nil, p
	}
	return out, f.limits(out)
}

// limits checks a converted value against the field's bounds.
func (f *Field) limits(v any) *problem {
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		switch {
		case f.MinLen > 0 && n == 0:
			return bad("is empty")
		case f.MinLen > 0 && n < f.MinLen:
			return bad("is shorter than %d characters", f.MinLen)
		case f.MaxLen > 0 && n > f.MaxLen:
			return bad("is longer than %d characters", f.MaxLen)
		case len(f.Enum) > 0 && !contains(f.Enum, x):
			return bad("is not %s", orList(f.Enum))
		}
	case int64:
		if f.NonNegative && x < 0 {
			return bad("is negative")
		}
		if f.MaxInt > 0 && x > f.MaxInt {
			return bad("is larger than %d", f.MaxInt)
		}
	case money.Amount:
		if f.NonNegative && x.Sign() < 0 {
			return bad("is negative")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unparsedSays is what a value that did not fit its column's kind is not.
func unparsedSays(k source.Kind) string {
	switch k {
	case source.KindInteger, source.KindDecimal, source.KindFloat:
		return "is not a number"
	case source.KindBoolean:
		return "is not true or false"
	case source.KindDate:
		return "is not a date"
	case source.KindTimestamp:
		return "is not a date and time"
	case source.KindJSON:
		return "is not JSON"
	}
	return fmt.Sprintf("does not fit the column's type (%s)", k)
}

// asText is a value as text, as the database would print it: a date column's time as 2006-01-02,
// other times in RFC 3339 (UTC), numbers in their shortest exact form, JSON as written.
func asText(v any, kind source.Kind) (string, *problem) {
	switch x := v.(type) {
	case string:
		return x, nil
	case source.Unparsed:
		return string(x), nil
	case source.Decimal:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", bad("is not a finite number")
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		if kind == source.KindDate {
			return x.Format(time.DateOnly), nil
		}
		return x.UTC().Format(time.RFC3339Nano), nil
	case json.RawMessage:
		return string(x), nil
	case []byte:
		if !utf8.Valid(x) {
			return "", &problem{says: "the value is binary data, not text"}
		}
		return string(x), nil
	}
	return fmt.Sprint(v), nil
}

// asEmail is an email address, trimmed of surrounding space; its case is kept.
func asEmail(v any) (string, *problem) {
	s, p := asText(v, source.KindText)
	if p != nil {
		return "", p
	}
	s = strings.TrimSpace(s)
	if !validEmail(s) {
		return "", bad("is not an email address")
	}
	return s, nil
}

// validEmail accepts a bare address (no display name, no quoted part with spaces) whose domain has a dot.
func validEmail(s string) bool {
	if len(s) < 3 || strings.ContainsAny(s, " \t\r\n<>,;") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func asInteger(v any) (int64, *problem) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return 0, bad("is not a whole number")
	case bool:
		return 0, bad("is true or false, not a number")
	}
	s, p := asText(v, source.KindText)
	if p != nil {
		return 0, p
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, bad("is not a whole number")
	}
	return n, nil
}

func asDecimal(v any) (money.Amount, *problem) {
	switch x := v.(type) {
	case int64:
		return money.FromMinor(x, 0), nil
	case bool:
		return money.Amount{}, bad("is true or false, not a number")
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return money.Amount{}, bad("is not a finite number")
		}
		// The shortest text that reads back as the same double: the number as the database printed it.
		v = strconv.FormatFloat(x, 'f', -1, 64)
	}
	s, p := asText(v, source.KindText)
	if p != nil {
		return money.Amount{}, p
	}
	a, err := money.Parse(strings.TrimSpace(s))
	if err != nil {
		return money.Amount{}, bad("is not a number")
	}
	return a, nil
}

func asBoolean(v any) (bool, *problem) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
		return false, bad("is not true or false (1 or 0)")
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
		return false, bad("is not true or false (1 or 0)")
	}
	s, p := asText(v, source.KindText)
	if p != nil {
		return false, p
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, bad("is not true or false")
}

// asTime is a date (midnight UTC: a timestamp's UTC date) or a date and time (UTC). Text is read as
// 2006-01-02 or ISO 8601 with a T or a space, with or without fractions and a zone (UTC without one).
func asTime(v any, dateOnly bool) (time.Time, *problem) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.UTC()
	default:
		s, p := asText(v, source.KindText)
		if p != nil {
			return time.Time{}, p
		}
		var ok bool
		if t, ok = parseTime(strings.TrimSpace(s)); !ok {
			if dateOnly {
				return time.Time{}, bad("is not a date (YYYY-MM-DD)")
			}
			return time.Time{}, bad("is not a date and time (ISO 8601, e.g. 2024-05-14T09:30:00Z)")
		}
	}
	if dateOnly {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return t, nil
}

var timeLayouts = []string{
	time.DateOnly,
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// asStatus resolves an order status given by id or by name (the system name, the store's custom label or
// the system label, ignoring case) through bigcommerce.OrderStatusID.
func (c *converter) asStatus(v any, kind source.Kind) (int, *problem) {
	var s string
	switch x := v.(type) {
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		if x != math.Trunc(x) {
			return 0, bad("is not an order status id (a whole number) or name")
		}
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		var p *problem
		if s, p = asText(v, kind); p != nil {
			return 0, p
		}
	}
	if strings.TrimSpace(s) == "" {
		return 0, bad("is not an order status")
	}
	id, err := bigcommerce.OrderStatusID(c.statuses, s)
	if err != nil {
		return 0, bad("is not an order status of the store")
	}
	return id, nil
}

func (c *converter) asProducts(v any) ([]bigcommerce.OrderProductInput, *problem) {
	s, p := asText(v, source.KindJSON)
	if p != nil {
		return nil, p
	}
	lines, err := parseProducts(s, c.create)
	if err != nil {
		return nil, &problem{says: err.Error()}
	}
	return lines, nil
}
