package source

import (
	"strconv"
	"strings"
)

// inferRows is how many data rows a CSV column's kind is inferred from.
const inferRows = 1000

// csvKinds are the kinds a CSV column may be inferred as, in order of preference: a column of whole
// numbers is integer although every value is also a decimal, a column of dates is date although every
// value is also a timestamp at midnight.
var csvKinds = []Kind{KindInteger, KindDecimal, KindBoolean, KindDate, KindTimestamp}

// csvParsers read one trimmed, non-empty cell as a kind.
var csvParsers = map[Kind]func(string) (any, bool){
	KindInteger: func(s string) (any, bool) {
		if !plainNumber(s) {
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	},
	KindDecimal: func(s string) (any, bool) {
		if !isDecimal(s) || !plainNumber(strings.SplitN(s, ".", 2)[0]) {
			return nil, false
		}
		return Decimal(s), true
	},
	KindBoolean: func(s string) (any, bool) {
		switch strings.ToLower(s) {
		case "true", "yes":
			return true, true
		case "false", "no":
			return false, true
		}
		return nil, false
	},
	KindDate: func(s string) (any, bool) {
		t, ok := parseDate(s)
		return t, ok
	},
	KindTimestamp: func(s string) (any, bool) {
		if t, ok := parseTimestamp(s); ok {
			return t, true
		}
		t, ok := parseDate(s)
		return t, ok
	},
}

// plainNumber reports whether the whole-number part of s is written as a number would be: no leading
// zero. "00123" is a code (a zip code, an account number) whose zeros matter, so its column is text.
func plainNumber(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	return !(len(s) > 1 && s[0] == '0')
}

// kindGuess narrows one column's kind as cells are seen.
type kindGuess struct {
	out  map[Kind]bool // kinds some cell did not parse as
	seen bool          // whether any cell was non-empty
}

func (g *kindGuess) see(cell string) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return
	}
	g.seen = true
	for _, k := range csvKinds {
		if !g.out[k] {
			if _, ok := csvParsers[k](cell); !ok {
				if g.out == nil {
					g.out = make(map[Kind]bool, len(csvKinds))
				}
				g.out[k] = true
			}
		}
	}
}

// kind is the first kind every cell parsed as; text when none did, or when there was no cell.
func (g *kindGuess) kind() Kind {
	if g.seen {
		for _, k := range csvKinds {
			if !g.out[k] {
				return k
			}
		}
	}
	return KindText
}

// csvColumn describes a CSV column: its type is text, and the kind inferred from it is said so.
func csvColumn(name string, kind Kind) Column {
	typ := "text"
	if kind != KindText {
		typ = "text (inferred " + string(kind) + ")"
	}
	return Column{Name: name, DatabaseType: typ, Kind: kind, Nullable: NullableUnknown}
}

// csvConverter converts a cell to kind: an empty cell is NULL, a cell that does not parse is Unparsed.
func csvConverter(kind Kind) func(string) any {
	if kind == KindText {
		return func(s string) any {
			if s == "" {
				return nil
			}
			return s
		}
	}
	parse := csvParsers[kind]
	return func(s string) any {
		t := strings.TrimSpace(s)
		if t == "" {
			return nil
		}
		if v, ok := parse(t); ok {
			return v
		}
		return Unparsed(s)
	}
}
