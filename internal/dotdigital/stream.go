package dotdigital

import (
	"encoding/json"
	"fmt"
	"io"
)

// Import reports can be large: a 50 MB import of records Dotdigital refused lists each of them, with its
// JSON. They are read here member by member and element by element, so that no report is ever held whole:
// json.Decoder.Decode alone would buffer the entire object first.

// walkObject reads one JSON object from dec, calling member for each of its members; member must consume
// the member's value (decode it, walk it or skip it).
func walkObject(dec *json.Decoder, member func(name string, dec *json.Decoder) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := t.(string)
		if !ok {
			return fmt.Errorf("want a member name, got %v", t)
		}
		if err := member(name, dec); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return expectDelim(dec, '}')
}

// eachElement reads a JSON array (or null) from dec, calling elem for each element.
func eachElement(dec *json.Decoder, elem func(dec *json.Decoder) error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want an array, got %v", t)
	}
	for dec.More() {
		if err := elem(dec); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

// skip consumes one value.
func skip(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, t)
	}
	return nil
}

// decodeContactStatus reads a contact import's status body. Created and updated contacts go into rep, or
// to onContacts a chunk at a time when it is set.
func decodeContactStatus(r io.Reader, st *contactImportStatus, rep *ContactImportReport, onContacts func([]ContactRef) error) error {
	contacts := chunker[ContactRef]{to: onContacts}
	err := walkObject(json.NewDecoder(r), func(name string, dec *json.Decoder) error {
		switch name {
		case "importId":
			return dec.Decode(&st.ImportID)
		case "status":
			return dec.Decode(&st.Status)
		case "summary":
			return dec.Decode(&st.Summary)
		case "created", "updated":
			return eachElement(dec, func(dec *json.Decoder) error {
				var ref contactRefJSON
				if err := dec.Decode(&ref); err != nil {
					return err
				}
				c := ContactRef{ref.ContactID, ref.Identifiers.Email}
				switch {
				case onContacts != nil:
					return contacts.add(c)
				case name == "created":
					rep.Created = append(rep.Created, c)
				default:
					rep.Updated = append(rep.Updated, c)
				}
				return nil
			})
		case "failures":
			return eachElement(dec, func(dec *json.Decoder) error {
				var f contactFailureJSON
				if err := dec.Decode(&f); err != nil {
					return err
				}
				st.Failures = append(st.Failures, f)
				return nil
			})
		}
		return skip(dec)
	})
	if err != nil {
		return err
	}
	return contacts.flush()
}

// decodeInsightStatus reads an Insight import's status body; the refused records' own JSON is skipped.
// Refused records go into st, or to onFailures a chunk at a time when it is set.
func decodeInsightStatus(r io.Reader, st *insightImportStatus, onFailures func([]InsightFailure) error) error {
	failures := chunker[InsightFailure]{to: onFailures}
	err := walkObject(json.NewDecoder(r), func(name string, dec *json.Decoder) error {
		switch name {
		case "importId":
			return dec.Decode(&st.ImportID)
		case "status":
			return dec.Decode(&st.Status)
		case "collectionName":
			return dec.Decode(&st.CollectionName)
		case "summary":
			return dec.Decode(&st.Summary)
		case "failures":
			return eachElement(dec, func(dec *json.Decoder) error {
				var f insightFailureJSON
				if err := dec.Decode(&f); err != nil {
					return err
				}
				if onFailures == nil {
					st.Failures = append(st.Failures, f.failure())
					return nil
				}
				return failures.add(f.failure())
			})
		}
		return skip(dec)
	})
	if err != nil {
		return err
	}
	return failures.flush()
}

// chunker hands items to its function 1000 at a time, so that a long report is never held whole.
type chunker[T any] struct {
	buf []T
	to  func([]T) error
}

func (c *chunker[T]) add(v T) error {
	if c.buf = append(c.buf, v); len(c.buf) == 1000 {
		return c.flush()
	}
	return nil
}

// flush hands over what is left.
func (c *chunker[T]) flush() error {
	if len(c.buf) == 0 || c.to == nil {
		return nil
	}
	err := c.to(c.buf)
	c.buf = c.buf[:0]
	return err
}
