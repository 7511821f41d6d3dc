package mapping

import (
	"errors"
	"fmt"
	"strings"
)

// Mapping says where one field's value comes from: exactly one of a model column, a constant or a
// template. It is stored as JSON with a sync.
type Mapping struct {
	Field string `json:"field"` // a field key of the catalogue
	// Column is the model's column whose value is written.
	Column string `json:"column,omitempty"`
	// Constant is written to every record (converted to the field's type when the mapping is saved).
	Constant *string `json:"constant,omitempty"`
	// Template is text with {column} placeholders; {{ and }} stand for { and }. A NULL in any of its
	// columns makes its value NULL.
	Template string `json:"template,omitempty"`
	// SkipNulls leaves the field as it is when the value is NULL, instead of clearing it (or refusing the
	// row, for a field that cannot be cleared). Constants are never NULL and take no SkipNulls.
	SkipNulls bool `json:"skip_nulls,omitempty"`
}

// sources counts the mapping's sources: 1 for a well-formed mapping.
func (m Mapping) sources() int {
	n := 0
	if m.Column != "" {
		n++
	}
	if m.Constant != nil {
		n++
	}
	if m.Template != "" {
		n++
	}
	return n
}

// from names the mapping's source in messages: "column points", "the constant", "the template".
func (m Mapping) from() string {
	switch {
	case m.Constant != nil:
		return "the constant"
	case m.Template != "":
		return "the template"
	}
	return "column " + m.Column
}

// String shows a mapping as its command-line flag would give it (see Args).
func (m Mapping) String() string { return strings.Join(m.Args(), " ") }

// Args returns the command-line flags that give this mapping: --map COLUMN=FIELD,
// --map-constant FIELD=VALUE or --map-template FIELD=TEMPLATE, then --skip-nulls FIELD when set.
func (m Mapping) Args() []string {
	var args []string
	switch {
	case m.Constant != nil:
		args = []string{"--map-constant", m.Field + "=" + *m.Constant}
	case m.Template != "":
		args = []string{"--map-template", m.Field + "=" + m.Template}
	default:
		args = []string{"--map", m.Column + "=" + m.Field}
	}
	if m.SkipNulls {
		args = append(args, "--skip-nulls", m.Field)
	}
	return args
}

// Spec is what a sync writes, and how: everything Check and Compile look at.
type Spec struct {
	Object   Object    `json:"object"`
	Mode     Mode      `json:"mode"`
	Match    Match     `json:"match"`
	Mappings []Mapping `json:"mappings"`
}

// The command line: each flag may be repeated, and its value is split at its FIRST "=" (so a column
// may not hold "=" in --map, while a constant or a template may hold any):
//
//	--match COLUMN=FIELD           the match: --match customer_email=email
//	--map COLUMN=FIELD             a column: --map points=store_credit, --map 'tier=attribute:Loyalty tier'
//	--map-constant FIELD=VALUE     a constant (may be empty): --map-constant external_source=M-MIG
//	--map-template FIELD=TEMPLATE  a template: --map-template 'notes=Tier {tier}, since {joined}'
//	--skip-nulls FIELD             the field's mapping skips NULLs (leaves the field as it is)
//
// A column maps from left to right, as data flows; a constant and a template are assignments, field
// first, so that their value can be anything. Single quotes are enough in any POSIX shell: {column}
// is not expanded (only {a,b} and {1..3} are). Flags whose values may hold commas must not be split
// on them by the CLI parser (kong: sep:"none").

// ParseMatch reads --match COLUMN=FIELD.
func ParseMatch(s string) (Match, error) {
	column, field, ok := strings.Cut(s, "=")
	column, field = strings.TrimSpace(column), strings.TrimSpace(field)
	if !ok || column == "" || field == "" {
		return Match{}, fmt.Errorf("--match takes COLUMN=FIELD (e.g. customer_email=email), not %q", s)
	}
	return Match{Column: column, Field: field}, nil
}

// ParseMap reads --map COLUMN=FIELD. Surrounding spaces are trimmed from both.
func ParseMap(s string) (Mapping, error) {
	column, field, ok := strings.Cut(s, "=")
	column, field = strings.TrimSpace(column), strings.TrimSpace(field)
	if !ok || column == "" || field == "" {
		return Mapping{}, fmt.Errorf("--map takes COLUMN=FIELD (e.g. points=store_credit), not %q", s)
	}
	return Mapping{Field: field, Column: column}, nil
}

// ParseConstant reads --map-constant FIELD=VALUE. The value is everything after the first "=", as
// given (spaces included); it may be empty.
func ParseConstant(s string) (Mapping, error) {
	field, value, ok := strings.Cut(s, "=")
	field = strings.TrimSpace(field)
	if !ok || field == "" {
		return Mapping{}, fmt.Errorf("--map-constant takes FIELD=VALUE (e.g. external_source=M-MIG), not %q", s)
	}
	return Mapping{Field: field, Constant: &value}, nil
}

// ParseTemplate reads --map-template FIELD=TEMPLATE. The template is everything after the first "=",
// as given; it is checked with the model's columns by Check.
func ParseTemplate(s string) (Mapping, error) {
	field, tmpl, ok := strings.Cut(s, "=")
	field = strings.TrimSpace(field)
	if !ok || field == "" || tmpl == "" {
		return Mapping{}, fmt.Errorf("--map-template takes FIELD=TEMPLATE (e.g. 'notes=Tier {tier}'), not %q", s)
	}
	if _, err := parseTemplate(tmpl); err != nil {
		return Mapping{}, fmt.Errorf("--map-template %s: %w", field, err)
	}
	return Mapping{Field: field, Template: tmpl}, nil
}

// Flags are the mapping flags of the command line, as given.
type Flags struct {
	Match     string   // --match, "" for none
	Map       []string // --map
	Constant  []string // --map-constant
	Template  []string // --map-template
	SkipNulls []string // --skip-nulls
}

// Parse reads the flags into a match and mappings: columns first, then constants, then templates, each
// in the order given. Every flag in error is reported, joined.
func (f Flags) Parse() (Match, []Mapping, error) {
	var errs []error
	var match Match
	if f.Match != "" {
		var err error
		if match, err = ParseMatch(f.Match); err != nil {
			errs = append(errs, err)
		}
	}
	var mappings []Mapping
	for _, group := range []struct {
		values []string
		parse  func(string) (Mapping, error)
	}{{f.Map, ParseMap}, {f.Constant, ParseConstant}, {f.Template, ParseTemplate}} {
		for _, s := range group.values {
			m, err := group.parse(s)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			mappings = append(mappings, m)
		}
	}
	for _, field := range f.SkipNulls {
		if err := SkipNulls(mappings, strings.TrimSpace(field)); err != nil {
			errs = append(errs, err)
		}
	}
	return match, mappings, errors.Join(errs...)
}

// SkipNulls sets SkipNulls on the mapping of field (--skip-nulls FIELD).
func SkipNulls(mappings []Mapping, field string) error {
	found := false
	for i := range mappings {
		if mappings[i].Field == field {
			mappings[i].SkipNulls, found = true, true
		}
	}
	if !found {
		return fmt.Errorf("--skip-nulls %s: no --map or --map-template writes %s", field, field)
	}
	return nil
}

// part is a piece of a template: literal text, or a column.
type part struct {
	text   string
	column bool
}

// parseTemplate splits a template into text and {column} placeholders. {{ and }} stand for { and };
// a lone }, an unclosed { and an empty {} are errors.
func parseTemplate(s string) ([]part, error) {
	var parts []part
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return nil, errors.New("the template has a } that closes nothing: write }} for a literal }")
		case c == '{':
			end := strings.IndexAny(s[i+1:], "{}")
			if end < 0 || s[i+1+end] == '{' {
				return nil, errors.New("the template has a { that is not closed: write {{ for a literal {")
			}
			name := s[i+1 : i+1+end]
			if name == "" {
				return nil, errors.New("the template has {}, which names no column")
			}
			if lit.Len() > 0 {
				parts = append(parts, part{text: lit.String()})
				lit.Reset()
			}
			parts = append(parts, part{text: name, column: true})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		parts = append(parts, part{text: lit.String()})
	}
	return parts, nil
}
