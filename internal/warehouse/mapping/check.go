package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Where a Problem is, when it is not one mapping's.
const (
	InSync  = -1 // the sync as a whole: its object, mode, or a required field no mapping gives
	InMatch = -2 // the match
)

// Problem is one thing wrong with a sync's configuration.
type Problem struct {
	// Mapping is the index of the mapping at fault in Spec.Mappings, or InSync, or InMatch.
	Mapping int    `json:"mapping"`
	Field   string `json:"field,omitempty"` // the field concerned, if any
	Message string `json:"message"`         // one sentence
}

// CheckError lists every problem of a sync's configuration, in order: the sync's, the match's, each
// mapping's, then the required fields missing.
type CheckError struct {
	Problems []Problem `json:"problems"`
}

func (e *CheckError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return fmt.Sprintf("%d problems: %s", len(msgs), strings.Join(msgs, "; "))
}

// ForMapping returns the problems of mapping i.
func (e *CheckError) ForMapping(i int) []Problem {
	var out []Problem
	for _, p := range e.Problems {
		if p.Mapping == i {
			out = append(out, p)
		}
	}
	return out
}

// Check checks a sync's configuration against the model's columns and the store's fields, as when it
// is saved, and returns a *CheckError listing every problem, or nil:
//
//   - the object, the mode for the object, the match (its field for the object; its column in the
//     model, of a kind its field takes);
//   - each mapping: a known field, written in this mode (not a create-only field in update mode),
//     mapped once, not the field the match already gives (the email of an email match); exactly one of
//     a column, a constant or a template; a column of the model whose kind the field takes (see
//     Accepts); a constant that converts to the field's type (an order status by name is checked only
//     when store.OrderStatuses is given); a template that parses, names columns of the model and feeds
//     a field that takes text; no SkipNulls on a constant;
//   - the fields a record cannot be created without, in the modes that create (insert, upsert), and the
//     parts of an address once any part is mapped.
func Check(spec Spec, columns []source.Column, store Store) error {
	c := checker{spec: spec, store: store, cols: map[string]source.Column{}, count: map[string]int{}}
	for _, col := range columns {
		if c.count[col.Name] == 0 {
			c.cols[col.Name] = col
			c.colNames = append(c.colNames, col.Name)
		}
		c.count[col.Name]++
	}
	c.check()
	if len(c.problems) == 0 {
		return nil
	}
	return &CheckError{Problems: c.problems}
}

type checker struct {
	spec     Spec
	store    Store
	cols     map[string]source.Column
	count    map[string]int // columns by name: a model may name two alike (SELECT a.id, b.id)
	colNames []string
	problems []Problem
	fields   []*Field // per mapping, nil when unknown
}

func (c *checker) add(mapping int, field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Mapping: mapping, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) check() {
	s := c.spec
	if err := s.Object.Validate(); err != nil {
		c.add(InSync, "", "%s", err)
		return
	}
	modeOK := true
	if err := ValidateMode(s.Object, s.Mode); err != nil {
		c.add(InSync, "", "%s", err)
		modeOK = false
	}
	if modeOK {
		c.checkMatch()
	}
	c.fields = make([]*Field, len(s.Mappings))
	seen := map[string]int{} // field key → first mapping
	for i, m := range s.Mappings {
		c.checkMapping(i, m, modeOK, seen)
	}
	if modeOK && s.Mode.creates() {
		c.checkRequired()
	}
}

func (c *checker) checkMatch() {
	s := c.spec
	if err := ValidateMatch(s.Object, s.Mode, s.Match); err != nil {
		c.add(InMatch, s.Match.Field, "%s", err)
		return
	}
	if !s.Match.used(s.Mode) {
		return
	}
	col, ok := c.column(InMatch, s.Match.Field, s.Match.Column)
	if !ok {
		return
	}
	t := TypeInteger
	if s.Match.Field == MatchEmail {
		t = TypeEmail
	}
	if !Accepts(t, col.Kind) {
		c.add(InMatch, s.Match.Field, "the column %q (%s) cannot match the %s %s (%s): cast it in the model's SQL",
			col.Name, col.Kind, strings.TrimSuffix(string(s.Object), "s"), s.Match.Field, t.noun())
	}
}

// column finds a model column, or adds a problem naming close names, or saying that the model has
// several columns of that name.
func (c *checker) column(mapping int, field, name string) (source.Column, bool) {
	if n := c.count[name]; n > 1 {
		c.add(mapping, field, "the model has %d columns named %q: give them different names in the model's SQL", n, name)
		return source.Column{}, false
	}
	if col, ok := c.cols[name]; ok {
		return col, true
	}
	msg := fmt.Sprintf("the model has no column %q", name)
	if near := suggest(name, c.colNames); len(near) > 0 {
		msg += ": did you mean " + orList(near) + "?"
	}
	c.add(mapping, field, "%s", msg)
	return source.Column{}, false
}

func (c *checker) checkMapping(i int, m Mapping, modeOK bool, seen map[string]int) {
	s := c.spec
	if strings.TrimSpace(m.Field) == "" {
		c.add(i, "", "choose the field this mapping writes")
		return
	}
	f, err := Lookup(s.Object, m.Field, c.store)
	if err != nil {
		c.add(i, m.Field, "%s", err)
		return
	}
	c.fields[i] = &f
	if first, dup := seen[f.Key]; dup {
		c.add(i, f.Key, "%s is mapped twice: from %s and from %s", f.Key, s.Mappings[first].from(), m.from())
		return
	}
	seen[f.Key] = i
	if modeOK && s.Match.used(s.Mode) && s.Match.Field == MatchEmail && f.Key == "email" {
		c.add(i, f.Key, "the email comes from the match column %s: remove this mapping, or match on the id", s.Match.Column)
		return
	}
	if modeOK && s.Mode == Update && f.CreateOnly {
		c.add(i, f.Key, "%s is written only when %s is created, which update mode never does", f.Key, article(s.Object))
	}
	switch m.sources() {
	case 0:
		c.add(i, f.Key, "map a column, a constant or a template to %s", f.Key)
		return
	case 1:
	default:
		c.add(i, f.Key, "%s is given more than one of a column, a constant and a template: keep one", f.Key)
		return
	}
	switch {
	case m.Column != "":
		col, ok := c.column(i, f.Key, m.Column)
		if ok && !Accepts(f.Type, col.Kind) {
			c.add(i, f.Key, "the column %q (%s) cannot be written to %s (%s): cast it in the model's SQL", col.Name, col.Kind, f.Key, f.Type.noun())
		}
	case m.Constant != nil:
		if m.SkipNulls {
			c.add(i, f.Key, "a constant is never NULL: skip NULLs applies to columns and templates")
		}
		if f.Type == TypeStatus && len(c.store.OrderStatuses) == 0 {
			if strings.TrimSpace(*m.Constant) == "" {
				c.add(i, f.Key, "%s: the constant is empty, not an order status", f.Key)
			}
			return // checked against the store's statuses by Compile
		}
		conv := converter{statuses: c.store.OrderStatuses, create: s.Mode != Update}
		if _, p := conv.convert(&f, *m.Constant, source.KindText); p != nil {
			c.add(i, f.Key, "%s", valueMessage(f.Key, "the constant", *m.Constant, p))
		}
	default:
		parts, err := parseTemplate(m.Template)
		if err != nil {
			c.add(i, f.Key, "%s: %s", f.Key, err)
			return
		}
		if !f.Type.takesText() {
			c.add(i, f.Key, "a template gives text, and %s takes %s: compute it in the model's SQL", f.Key, f.Type.noun())
			return
		}
		named := false
		for _, p := range parts {
			if p.column {
				named = true
				c.column(i, f.Key, p.text)
			}
		}
		if !named {
			c.add(i, f.Key, "the template of %s names no column: use a constant", f.Key)
		}
	}
}

// checkRequired adds a problem for each field needed to create a record that no mapping (nor the
// match) gives.
func (c *checker) checkRequired() {
	s := c.spec
	mapped := map[string]bool{}
	for i, f := range c.fields {
		if f != nil {
			mapped[f.Key] = true
		} else if s.Mappings[i].Field != "" {
			mapped[s.Mappings[i].Field] = true // unknown: already reported, not reported missing too
		}
	}
	if s.Match.used(s.Mode) && s.Match.Field == MatchEmail {
		mapped["email"] = true
	}
	why := "insert mode creates a record for every new row"
	if s.Mode == Upsert {
		why = "upsert mode creates one for each row that matches none"
	}
	groups := map[string]bool{}
	for key := range mapped {
		for _, g := range requiredGroups {
			if strings.HasPrefix(key, g) {
				groups[g] = true
			}
		}
	}
	for _, f := range nativeFields(s.Object) {
		switch {
		case mapped[f.Key]:
		case f.Required:
			c.add(InSync, f.Key, "%s cannot be created without %s, and %s: map it", article(s.Object), f.Key, why)
		case f.RequiredWith != "" && groups[f.RequiredWith]:
			c.add(InSync, f.Key, "an address needs %s too: map it, or map no %s field", f.Key, strings.TrimSuffix(f.RequiredWith, "."))
		}
	}
}

// article names one record of the object: "a customer", "an order".
func article(o Object) string {
	if o == Orders {
		return "an order"
	}
	return "a customer"
}

// valueMessage says why a value cannot be written: `store_credit: "12,5" in column points is not a
// number`, or, for product lines, `products: in column lines, line 2 has no quantity`.
func valueMessage(field, from string, value any, p *problem) string {
	if !p.quote {
		return fmt.Sprintf("%s: in %s, %s", field, from, p.says)
	}
	shown, _ := asText(value, source.KindUnknown)
	if f, ok := value.(float64); ok {
		shown = strconv.FormatFloat(f, 'g', -1, 64) // NaN, +Inf
	}
	if from == "the constant" {
		return fmt.Sprintf("%s: the constant %q %s", field, truncate(shown), p.says)
	}
	if from == "the template" {
		return fmt.Sprintf("%s: the template's text %q %s", field, truncate(shown), p.says)
	}
	return fmt.Sprintf("%s: %q in %s %s", field, truncate(shown), from, p.says)
}
