package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/money"
)

// Values are the field values of one row, sorted by field key. Each value's Go type follows its
// field's Type:
//
//	text, email  string
//	integer      int64
//	decimal      money.Amount (exact)
//	money        money.Amount (exact, not negative)
//	boolean      bool
//	date         time.Time at midnight UTC
//	datetime     time.Time in UTC
//	status       int: the id of one of the store's order statuses
//	products     []bigcommerce.OrderProductInput
//
// and nil is NULL: the field is cleared on update, left out on create. A field whose mapping skips
// NULLs is absent when its value is NULL. The zero Values holds nothing.
type Values struct {
	object Object
	items  []Value
	key    Key
	hasKey bool
}

// Value is one field's value of a row.
type Value struct {
	Field *Field // the catalogue's field (not to be changed)
	V     any    // see Values; nil is NULL
	// From names where the value came from, for messages: "column points", "the constant", "the
	// template".
	From string
	// Column is the column of a column mapping ("" for a constant or template).
	Column string
	// NullFrom says, for a NULL, which column was NULL ("column points", "the template's column tier").
	NullFrom string

	skipped   bool // NULL, and its mapping skips NULLs: kept only to report a required field
	fromMatch bool // the match's email
}

// Key returns the row's match value; false when the row has none: in insert mode (unless matched on
// the email), and in upsert mode matched on the id when the id is NULL (the row creates its customer).
func (v Values) Key() (Key, bool) { return v.key, v.hasKey }

// Get returns the value of a field.
func (v Values) Get(key string) (Value, bool) {
	for _, x := range v.items {
		if x.Field.Key == key && !x.skipped {
			return x, true
		}
	}
	return Value{}, false
}

// All returns the values, sorted by field key (NULLs skipped left out).
func (v Values) All() []Value {
	out := make([]Value, 0, len(v.items))
	for _, x := range v.items {
		if !x.skipped {
			out = append(out, x)
		}
	}
	return out
}

// Len is the number of values.
func (v Values) Len() int {
	n := 0
	for i := range v.items {
		if !v.items[i].skipped {
			n++
		}
	}
	return n
}

// each calls f with each value, in key order, NULLs skipped left out, without copying them.
func (v Values) each(f func(x *Value)) {
	for i := range v.items {
		if !v.items[i].skipped {
			f(&v.items[i])
		}
	}
}

// Null is how Display shows a NULL.
const Null = "NULL"

// FormatValue renders a value of a field of type t as Display does: text as is, numbers in their
// shortest exact form (12.5), true/false, dates 2006-01-02, dates and times in RFC 3339 (UTC), a status
// by its id, product lines as compact JSON, NULL as Null. The engine renders the store's current values
// with it too, so that "before → after" compares like with like.
func FormatValue(t Type, v any) string {
	switch x := v.(type) {
	case nil:
		return Null
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case money.Amount:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if t == TypeDate {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []bigcommerce.OrderProductInput:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// Display renders the values for people, field key → FormatValue: what a plan shows ("before → after").
// NULLs show as Null; a NULL skipped is not shown (the field is left as it is).
func (v Values) Display() map[string]string {
	out := make(map[string]string, len(v.items))
	v.each(func(x *Value) { out[x.Field.Key] = FormatValue(x.Field.Type, x.V) })
	return out
}

// Fingerprint is a digest of the values (field keys, NULLs and values, in key order; not the match
// key): equal for two rows that write the same, different otherwise. It is stable across releases as
// long as FormatValue is.
func (v Values) Fingerprint() string {
	h := sha256.New()
	buf := make([]byte, 0, 256)
	v.each(func(x *Value) {
		buf = append(buf[:0], x.Field.Key...)
		if x.V == nil {
			buf = append(buf, 0, 'n', 0)
		} else {
			buf = append(buf, 0, 'v')
			buf = append(buf, FormatValue(x.Field.Type, x.V)...)
			buf = append(buf, 0)
		}
		h.Write(buf)
	})
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// FingerprintOf is a short digest (16 hex digits) of the values of the given origins only, in the
// manner of Fingerprint: it tells which parts of a record a change touches.
func (v Values) FingerprintOf(origins ...Origin) string {
	h := sha256.New()
	buf := make([]byte, 0, 256)
	v.each(func(x *Value) {
		if !slices.Contains(origins, x.Field.Origin) {
			return
		}
		buf = append(buf[:0], x.Field.Key...)
		if x.V == nil {
			buf = append(buf, 0, 'n', 0)
		} else {
			buf = append(buf, 0, 'v')
			buf = append(buf, FormatValue(x.Field.Type, x.V)...)
			buf = append(buf, 0)
		}
		h.Write(buf)
	})
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:8])
}

// createProblems are the values that keep a record from being created: a required field NULL (or
// skipped), and an address that lacks a part it needs.
func (v Values) createProblems() []ValueProblem {
	var out []ValueProblem
	var given []string // the groups of optional fields with a part given (a customer's address)
	for i := range v.items {
		x := &v.items[i]
		if x.V != nil && !x.skipped {
			for _, g := range requiredGroups {
				if strings.HasPrefix(x.Field.Key, g) && !slices.Contains(given, g) {
					given = append(given, g)
				}
			}
		}
	}
	for i := range v.items {
		x := &v.items[i]
		if x.V != nil && !x.skipped {
			continue
		}
		switch {
		case x.Field.Required:
			out = append(out, ValueProblem{Field: x.Field.Key, Column: x.Column,
				Message: fmt.Sprintf("%s: %s is NULL, and %s cannot be created without it", x.Field.Key, x.NullFrom, article(v.object))})
		case x.Field.RequiredWith != "" && slices.Contains(given, x.Field.RequiredWith):
			out = append(out, ValueProblem{Field: x.Field.Key, Column: x.Column,
				Message: fmt.Sprintf("%s: %s is NULL, and an address needs it once any part is given", x.Field.Key, x.NullFrom)})
		}
	}
	return out
}

// updateProblems are the NULLs that cannot clear their field (create-only fields are not written on
// update).
func (v Values) updateProblems() []ValueProblem {
	var out []ValueProblem
	for i := range v.items {
		x := &v.items[i]
		if x.V == nil && !x.skipped && !x.Field.Clearable && !x.Field.CreateOnly {
			out = append(out, ValueProblem{Field: x.Field.Key, Column: x.Column,
				Message: fmt.Sprintf("%s: %s is NULL, and %s cannot be cleared: skip NULLs to leave it as it is", x.Field.Key, x.NullFrom, x.Field.Key)})
		}
	}
	return out
}
