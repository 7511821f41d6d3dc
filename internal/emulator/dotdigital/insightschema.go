package dotdigital

import (
	"errors"
	"fmt"
	"regexp"
)

// collectionName is Dotdigital's pattern for Insight collection names (I3 collectionName).
var collectionName = regexp.MustCompile(`^[-A-Za-z_][-A-Za-z0-9_]{1,255}$`)

func validCollectionName(n string) bool { return len(n) <= 255 && collectionName.MatchString(n) }

var collectionTypes = []string{"cartInsight", "catalog", "consentInsight", "custom", "easyEditorExtensions",
	"nostoEmailCampaigns", "orders", "productCategories", "webInsight", "wishList"}

// Insight record failure reasons (I3 failureReason).
const (
	reasonInvalidClientKey         = "InvalidClientKey"
	reasonInvalidContactIdentifier = "InvalidContactIdentifier"
	reasonInvalidJSON              = "InvalidJson"
	reasonDuplicateKey             = "DuplicateKey"
	reasonContactIDDoesNotExist    = "ContactIdDoesNotExist"
	reasonContactEmailDoesNotExist = "ContactEmailDoesNotExist"
	reasonNestedArray              = "JsonContainsNestedArray"
	// reasonKeyOtherContact: a contact-scoped key belongs to one contact; writing it for another is
	// refused (V2S ApiTransactionalDataImportFaultReason), not a move.
	reasonKeyOtherContact = "KeyExistingForDifferentContact"
	// reasonIncompatible is I3's name for a value whose type differs from the collection's schema; the v2
	// import called it InconsistentTypes.
	reasonIncompatible = "JsonValueIncompatibleWithSchema"
)

// schemaError is a record that does not fit its collection.
type schemaError struct {
	reason string
	detail string
}

func (e *schemaError) Error() string { return e.reason + ": " + e.detail }

var errBadJSON = &schemaError{reasonInvalidJSON, "the record's json is not valid JSON"}

// checkRecord walks a record's JSON and checks it against the collection's inferred schema: every field
// keeps the JSON type it first had, and an array may not hold arrays. It returns the field paths the
// record adds to the schema, without changing the schema. It scans the bytes once, without decoding
// them, because imports hand it hundreds of thousands of records.
func checkRecord(schema map[string]byte, raw []byte) (map[string]byte, error) {
	w := walker{in: raw, schema: schema}
	w.space()
	if w.i >= len(w.in) || w.in[w.i] != '{' {
		return nil, &schemaError{reasonInvalidJSON, "the record's json must be a JSON object"}
	}
	if err := w.value(false); err != nil {
		return nil, err
	}
	w.space()
	if w.i != len(w.in) {
		return nil, errBadJSON
	}
	return w.added, nil
}

type walker struct {
	in     []byte
	i      int
	path   []byte // the current field path: "products[].price"
	schema map[string]byte
	added  map[string]byte
}

func (w *walker) space() {
	for w.i < len(w.in) {
		switch w.in[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

// value reads one value at the current path.
func (w *walker) value(inArray bool) error {
	w.space()
	if w.i >= len(w.in) {
		return errBadJSON
	}
	switch c := w.in[w.i]; {
	case c == '{':
		if err := w.note('o'); err != nil {
			return err
		}
		return w.object()
	case c == '[':
		if inArray {
			return &schemaError{reasonNestedArray, fmt.Sprintf("'%s' holds an array inside an array", trimArray(w.path))}
		}
		if err := w.note('a'); err != nil {
			return err
		}
		return w.array()
	case c == '"':
		if _, err := w.str(); err != nil {
			return err
		}
		return w.note('s')
	case c == 't':
		return w.literal("true", 'b')
	case c == 'f':
		return w.literal("false", 'b')
	case c == 'n':
		return w.literal("null", 0) // null fits any type
	case c == '-' || (c >= '0' && c <= '9'):
		w.number()
		return w.note('n')
	}
	return errBadJSON
}

func (w *walker) object() error {
	w.i++ // {
	w.space()
	if w.i < len(w.in) && w.in[w.i] == '}' {
		w.i++
		return nil
	}
	base := len(w.path)
	for {
		w.space()
		key, err := w.str()
		if err != nil {
			return err
		}
		if base > 0 {
			w.path = append(w.path, '.')
		}
		w.path = append(w.path, key...)
		w.space()
		if w.i >= len(w.in) || w.in[w.i] != ':' {
			return errBadJSON
		}
		w.i++
		if err := w.value(false); err != nil {
			return err
		}
		w.path = w.path[:base]
		w.space()
		if w.i >= len(w.in) {
			return errBadJSON
		}
		switch w.in[w.i] {
		case ',':
			w.i++
		case '}':
			w.i++
			return nil
		default:
			return errBadJSON
		}
	}
}

func (w *walker) array() error {
	w.i++ // [
	w.space()
	if w.i < len(w.in) && w.in[w.i] == ']' {
		w.i++
		return nil
	}
	base := len(w.path)
	w.path = append(w.path, "[]"...)
	defer func() { w.path = w.path[:base] }()
	for {
		if err := w.value(true); err != nil {
			return err
		}
		w.space()
		if w.i >= len(w.in) {
			return errBadJSON
		}
		switch w.in[w.i] {
		case ',':
			w.i++
		case ']':
			w.i++
			return nil
		default:
			return errBadJSON
		}
	}
}

// str reads a string and returns its raw (still escaped) content.
func (w *walker) str() ([]byte, error) {
	if w.i >= len(w.in) || w.in[w.i] != '"' {
		return nil, errBadJSON
	}
	start := w.i + 1
	for j := start; j < len(w.in); j++ {
		switch c := w.in[j]; {
		case c == '\\':
			j++
		case c == '"':
			w.i = j + 1
			return w.in[start:j], nil
		case c < 0x20:
			return nil, errBadJSON
		}
	}
	return nil, errBadJSON
}

func (w *walker) number() {
	for w.i < len(w.in) {
		switch c := w.in[w.i]; {
		case c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9'):
			w.i++
		default:
			return
		}
	}
}

func (w *walker) literal(lit string, typ byte) error {
	if len(w.in)-w.i < len(lit) || string(w.in[w.i:w.i+len(lit)]) != lit {
		return errBadJSON
	}
	w.i += len(lit)
	if typ == 0 {
		return nil
	}
	return w.note(typ)
}

var typeNames = map[byte]string{'s': "a string", 'n': "a number", 'b': "a boolean", 'o': "an object", 'a': "an array"}

// note records the type of the value at the current path, or refuses it if the path has another type.
func (w *walker) note(typ byte) error {
	have, ok := w.schema[string(w.path)]
	if !ok {
		have, ok = w.added[string(w.path)]
	}
	if ok && have != typ {
		return &schemaError{reasonIncompatible, fmt.Sprintf("'%s' is %s in this collection, not %s", trimArray(w.path), typeNames[have], typeNames[typ])}
	}
	if !ok {
		if w.added == nil {
			w.added = map[string]byte{}
		}
		w.added[string(w.path)] = typ
	}
	return nil
}

func trimArray(p []byte) string {
	s := string(p)
	for len(s) >= 2 && s[len(s)-2:] == "[]" {
		s = s[:len(s)-2]
	}
	return s
}

func asSchemaError(err error) *schemaError {
	var se *schemaError
	if errors.As(err, &se) {
		return se
	}
	return &schemaError{"Unknown", err.Error()}
}
