package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Compiled is a sync's configuration checked and bound to the model's column order, ready to map rows.
// It is safe for concurrent use.
type Compiled struct {
	spec  Spec
	store Store
	conv  converter
	ncols int
	match *source.Column // the match column, when the mode uses the match
	mcol  int
	maps  []compiled // sorted by field key
}

// compiled is one mapping bound to the model: or the match's email, which new customers are given.
type compiled struct {
	field     Field
	m         Mapping
	col       int // of a column mapping, or -1
	kind      source.Kind
	constant  any // converted, for a constant
	parts     []compiledPart
	fromMatch bool
	from      string // Mapping.from, once
}

type compiledPart struct {
	text string
	col  int // -1 for literal text
	kind source.Kind
}

// Compile checks a sync's configuration (see Check) and binds it to the model's columns, in the order
// rows give their values. Writing status needs store.OrderStatuses: constants are resolved here, column
// values per row. The error is a *CheckError.
func Compile(spec Spec, columns []source.Column, store Store) (*Compiled, error) {
	if err := Check(spec, columns, store); err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, col := range columns {
		if _, dup := index[col.Name]; !dup {
			index[col.Name] = i
		}
	}
	c := &Compiled{spec: spec, store: store, ncols: len(columns), mcol: -1,
		conv: converter{statuses: store.OrderStatuses, create: spec.Mode != Update}}
	var problems []Problem
	if spec.Match.used(spec.Mode) {
		c.mcol = index[spec.Match.Column]
		c.match = &columns[c.mcol]
		if spec.Match.Field == MatchEmail {
			f, _ := Lookup(spec.Object, "email", store)
			c.maps = append(c.maps, compiled{field: f, m: Mapping{Field: "email", Column: spec.Match.Column},
				col: c.mcol, kind: c.match.Kind, fromMatch: true, from: "column " + spec.Match.Column})
		}
	}
	for i, m := range spec.Mappings {
		f, _ := Lookup(spec.Object, m.Field, store)
		cm := compiled{field: f, m: m, col: -1, from: m.from()}
		switch {
		case m.Column != "":
			cm.col = index[m.Column]
			cm.kind = columns[cm.col].Kind
		case m.Constant != nil:
			if f.Type == TypeStatus && len(store.OrderStatuses) == 0 {
				break // reported below
			}
			v, p := c.conv.convert(&f, *m.Constant, source.KindText)
			if p != nil {
				problems = append(problems, Problem{Mapping: i, Field: f.Key, Message: valueMessage(f.Key, "the constant", *m.Constant, p)})
			}
			cm.constant = v
		default:
			parts, _ := parseTemplate(m.Template)
			for _, p := range parts {
				cp := compiledPart{text: p.text, col: -1}
				if p.column {
					cp.col = index[p.text]
					cp.kind = columns[cp.col].Kind
				}
				cm.parts = append(cm.parts, cp)
			}
		}
		if f.Type == TypeStatus && len(store.OrderStatuses) == 0 {
			problems = append(problems, Problem{Mapping: i, Field: f.Key,
				Message: "the store's order statuses are needed to write " + f.Key + ": they could not be read"})
		}
		c.maps = append(c.maps, cm)
	}
	if len(problems) > 0 {
		return nil, &CheckError{Problems: problems}
	}
	slices.SortStableFunc(c.maps, func(a, b compiled) int { return strings.Compare(a.field.Key, b.field.Key) })
	return c, nil
}

// Spec returns the configuration compiled.
func (c *Compiled) Spec() Spec { return c.spec }

// Fields lists the fields the sync writes, sorted by key; the email of an email match is among them.
func (c *Compiled) Fields() []Field {
	out := make([]Field, len(c.maps))
	for i, cm := range c.maps {
		out[i] = cm.field
	}
	return out
}

// Uses reports whether the sync writes a field of the origin: attributes, form fields and metafields
// each cost their own requests.
func (c *Compiled) Uses(o Origin) bool {
	return slices.ContainsFunc(c.maps, func(cm compiled) bool { return cm.field.Origin == o })
}

// ValueProblem is why one value of a row cannot be written.
type ValueProblem struct {
	Field   string `json:"field"`            // the field key; "match" for the match
	Column  string `json:"column,omitempty"` // the column the value came from, if any
	Message string `json:"message"`          // `store_credit: "12,5" in column points is not a number`
}

// RowError is why a row cannot be written: every value at fault. The row is invalid and never sent.
type RowError struct {
	Problems []ValueProblem `json:"problems"`
}

func (e *RowError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

func rowError(problems []ValueProblem) error {
	if len(problems) == 0 {
		return nil
	}
	return &RowError{Problems: problems}
}

// ErrNullMatch is the error of a row whose match column is NULL: in upsert mode matched on the id, such
// a row creates its customer (Apply gives it no key).
var ErrNullMatch = errors.New("the match column is NULL")

// Key is the value a row matches its record on.
type Key struct {
	Field string `json:"field"`           // MatchID or MatchEmail
	ID    int    `json:"id,omitempty"`    // a positive BigCommerce id
	Email string `json:"email,omitempty"` // trimmed and lower-cased: BigCommerce emails ignore case
}

func (k Key) String() string {
	if k.Field == MatchEmail {
		return k.Email
	}
	return fmt.Sprint(k.ID)
}

// Key returns the row's match value: an id as a positive whole number (at most 2³¹-1, BigCommerce's
// ids), an email trimmed and lower-cased. A NULL is ErrNullMatch; a value that is no id or email a
// *RowError. In insert mode there is no match to read, unless an email.
func (c *Compiled) Key(row []any) (Key, error) {
	if c.match == nil {
		return Key{}, errors.New("insert mode matches no record")
	}
	if len(row) != c.ncols {
		return Key{}, c.widthError(row)
	}
	raw := row[c.mcol]
	if isNull(raw) {
		return Key{}, fmt.Errorf("%w: column %s", ErrNullMatch, c.match.Name)
	}
	k, p := keyOf(c.spec.Match.Field, raw)
	if p != nil {
		return Key{}, &RowError{Problems: []ValueProblem{{Field: "match", Column: c.match.Name,
			Message: valueMessage("match", "column "+c.match.Name, raw, p)}}}
	}
	return k, nil
}

func keyOf(field string, raw any) (Key, *problem) {
	if field == MatchEmail {
		e, p := asEmail(raw)
		if p != nil {
			return Key{}, p
		}
		return Key{Field: MatchEmail, Email: strings.ToLower(e)}, nil
	}
	n, p := asInteger(raw)
	if p != nil || n < 1 || n > math.MaxInt32 {
		return Key{}, bad("is not a BigCommerce id (a whole number from 1)")
	}
	return Key{Field: MatchID, ID: int(n)}, nil
}

func (c *Compiled) widthError(row []any) error {
	return fmt.Errorf("mapping: the row has %d values, the model %d columns", len(row), c.ncols)
}

// isNull reports whether a value is NULL: nil, or a JSON column's null.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	raw, ok := v.(json.RawMessage)
	return ok && strings.TrimSpace(string(raw)) == "null"
}

// Apply maps one row (its values in the model's column order) to the values of the fields, converted
// to their types (see Values), and checks them: every value that cannot be written is a problem of the
// *RowError returned, and the row must not be sent. A NULL is a nil value — cleared on update, left out
// on create — unless its mapping skips NULLs, which leaves the field out of Values. What the mode
// decides is checked here: a field needed to create a record that is NULL (insert, upsert), a field
// that cannot be cleared that is NULL (update); what only the record's existence decides (an upsert) is
// checked by the builders (CustomerCreate, CustomerUpdate…).
//
// The match value is checked too (Values.Key): a NULL is a problem, except in upsert mode matched on
// the id, where the row has no key and creates its customer.
func (c *Compiled) Apply(row []any) (Values, error) {
	if len(row) != c.ncols {
		return Values{}, c.widthError(row)
	}
	v := Values{object: c.spec.Object, items: make([]Value, 0, len(c.maps))}
	var problems []ValueProblem
	if c.match != nil {
		raw := row[c.mcol]
		switch {
		case !isNull(raw):
			k, p := keyOf(c.spec.Match.Field, raw)
			if p != nil {
				problems = append(problems, ValueProblem{Field: "match", Column: c.match.Name,
					Message: valueMessage("match", "column "+c.match.Name, raw, p)})
			} else {
				v.key, v.hasKey = k, true
			}
		case c.spec.Match.Field == MatchID && c.spec.Mode == Upsert:
			// no key: the row creates its customer
		default:
			problems = append(problems, ValueProblem{Field: "match", Column: c.match.Name,
				Message: fmt.Sprintf("match: the match column %s is NULL: %s", c.match.Name, c.nullMatchWhy())})
		}
	}
	for i := range c.maps {
		cm := &c.maps[i]
		if cm.fromMatch && !v.hasKey {
			continue // the problem is the match's
		}
		val, p := c.value(cm, row)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		if !val.skipped || val.Field.Required || val.Field.RequiredWith != "" {
			v.items = append(v.items, val) // a skipped required field is kept, to be reported on create
		}
	}
	switch c.spec.Mode {
	case Insert:
		problems = append(problems, v.createProblems()...)
	case Update:
		problems = append(problems, v.updateProblems()...)
	case Upsert:
		// What fails whichever way the row goes: a field needed to create that cannot be cleared either.
		upd := v.updateProblems()
		for _, p := range v.createProblems() {
			if slices.ContainsFunc(upd, func(u ValueProblem) bool { return u.Field == p.Field }) {
				problems = append(problems, p)
			}
		}
	}
	if len(problems) > 0 {
		return Values{}, &RowError{Problems: problems}
	}
	return v, nil
}

func (c *Compiled) nullMatchWhy() string {
	if c.spec.Match.Field == MatchEmail {
		if c.spec.Mode == Insert {
			return "a customer cannot be created without an email"
		}
		return "the customer cannot be found without its email"
	}
	return fmt.Sprintf("%s mode needs the id of the %s to change", c.spec.Mode, strings.TrimSuffix(string(c.spec.Object), "s"))
}

// value is one field's value of a row.
func (c *Compiled) value(cm *compiled, row []any) (Value, *ValueProblem) {
	val := Value{Field: &cm.field, From: cm.from, fromMatch: cm.fromMatch}
	var raw any
	kind := cm.kind
	switch {
	case cm.col >= 0:
		val.Column = cm.m.Column
		raw = row[cm.col]
		if isNull(raw) {
			val.NullFrom = val.From
			return c.null(cm, val), nil
		}
	case cm.m.Constant != nil:
		val.V = cm.constant
		return val, nil
	default:
		var b strings.Builder
		for _, part := range cm.parts {
			if part.col < 0 {
				b.WriteString(part.text)
				continue
			}
			x := row[part.col]
			if isNull(x) {
				val.NullFrom = "the template's column " + part.text
				return c.null(cm, val), nil
			}
			s, p := asText(x, part.kind)
			if p != nil {
				return val, &ValueProblem{Field: cm.field.Key, Column: part.text,
					Message: valueMessage(cm.field.Key, "column "+part.text, x, p)}
			}
			b.WriteString(s)
		}
		raw, kind = b.String(), source.KindText
	}
	out, p := c.conv.convert(&cm.field, raw, kind)
	if p != nil {
		return val, &ValueProblem{Field: cm.field.Key, Column: val.Column, Message: valueMessage(cm.field.Key, val.From, raw, p)}
	}
	if cm.field.Origin == Metafield && out == "" {
		val.NullFrom = val.From + " (empty)"
		return c.null(cm, val), nil // a metafield cannot hold an empty value: empty is NULL
	}
	val.V = out
	return val, nil
}

func (c *Compiled) null(cm *compiled, val Value) Value {
	val.V = nil
	val.skipped = cm.m.SkipNulls
	return val
}
