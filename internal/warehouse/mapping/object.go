package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// Object is what a sync writes into the store.
type Object string

const (
	Customers Object = "customers"
	Orders    Object = "orders"
)

// Objects lists the objects a sync can write.
var Objects = []Object{Customers, Orders}

// Mode is how a sync writes: insert creates a record for each new row; update changes the records rows
// match and creates none; upsert changes the matched records and creates the others.
type Mode string

const (
	Insert Mode = "insert"
	Update Mode = "update"
	Upsert Mode = "upsert"
)

// Modes lists the modes an object can be written in: customers insert, update and upsert; orders insert
// and update (BigCommerce has no way to find an order but by its id, and an order without one is new).
func (o Object) Modes() []Mode {
	switch o {
	case Customers:
		return []Mode{Insert, Update, Upsert}
	case Orders:
		return []Mode{Insert, Update}
	}
	return nil
}

// MatchFields lists the fields an object's records are matched on: customers on their id or email,
// orders on their id.
func (o Object) MatchFields() []string {
	switch o {
	case Customers:
		return []string{MatchID, MatchEmail}
	case Orders:
		return []string{MatchID}
	}
	return nil
}

// Match fields.
const (
	MatchID    = "id"
	MatchEmail = "email"
)

// Validate says, in one sentence, why o is not an object a sync writes.
func (o Object) Validate() error {
	if slices.Contains(Objects, o) {
		return nil
	}
	return fmt.Errorf("a sync writes customers or orders, not %q", string(o))
}

// ValidateMode says, in one sentence, why m is not a mode o can be written in. o must be valid.
func ValidateMode(o Object, m Mode) error {
	modes := o.Modes()
	if slices.Contains(modes, m) {
		return nil
	}
	names := make([]string, len(modes))
	for i, x := range modes {
		names[i] = string(x)
	}
	return fmt.Errorf("%s are written in the mode %s, not %q", o, orList(names), string(m))
}

// creates reports whether a mode creates records (insert, and upsert for the rows that match none).
func (m Mode) creates() bool { return m == Insert || m == Upsert }

// Match is how rows find their records: the model's column holding the record's id or email.
type Match struct {
	Column string `json:"column"`
	Field  string `json:"field"` // MatchID or MatchEmail
}

// used reports whether the match is used in mode m. Insert mode finds no record: an id match is
// ignored, while an email match still gives the new customers' email.
func (m Match) used(mode Mode) bool {
	if mode == Insert {
		return m.Field == MatchEmail && m.Column != ""
	}
	return true
}

// ValidateMatch says, in one sentence, what is wrong with a match for object o in mode m (o and m
// valid), without the model: its column is checked by Check. Insert mode needs no match (BigCommerce
// gives new records their ids); one given there is accepted, and an email match gives the new
// customers' email.
func ValidateMatch(o Object, m Mode, match Match) error {
	if match.Field == "" && match.Column == "" {
		if m == Insert {
			return nil
		}
		return fmt.Errorf("%s mode needs the model's column that matches the BigCommerce %s: --match COLUMN=%s",
			m, orList(o.MatchFields()), o.MatchFields()[0])
	}
	if !slices.Contains(o.MatchFields(), match.Field) {
		return fmt.Errorf("%s are matched on their %s, not %q", o, orList(o.MatchFields()), match.Field)
	}
	if match.Column == "" {
		return fmt.Errorf("name the model's column that holds the BigCommerce %s: --match COLUMN=%s", match.Field, match.Field)
	}
	return nil
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
