package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// previewRows is how many rows a preview shows.
const previewRows = 50

// previewView is a model's first rows under its columns with their types, as the API gives them
// (resource.Preview), and what a check of the whole model found.
type previewView struct {
	Columns  []resource.Column
	Rows     [][]previewCell
	Checked  bool
	Total    int64
	NullKeys int64
	DupKeys  int64
	Examples []string
	// KeyMissing says the primary key named is not a column of the model.
	KeyMissing bool
	Key        string
}

// previewCell is one value: NULL is shown as such, apart from the text "NULL".
type previewCell struct {
	Text string
	Null bool
}

func newPreviewView(p *warehouse.Preview, key string) *previewView {
	rp := resource.NewPreview(p)
	v := &previewView{Columns: rp.Columns, Checked: rp.Checked, Examples: rp.Examples, Key: key}
	if rp.Checked {
		v.Total, v.NullKeys, v.DupKeys = *rp.Total, *rp.NullKeys, *rp.DuplicateKeys
	}
	v.KeyMissing = key != "" && !slices.ContainsFunc(rp.Columns, func(c resource.Column) bool { return c.Name == key })
	for _, raw := range rp.Rows {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // big integers stay exact
		var cells []any
		if err := dec.Decode(&cells); err != nil {
			cells = []any{"(this row cannot be shown)"}
		}
		row := make([]previewCell, len(cells))
		for i, c := range cells {
			switch x := c.(type) {
			case nil:
				row[i] = previewCell{Text: "NULL", Null: true}
			case string:
				row[i] = previewCell{Text: x}
			case json.Number:
				row[i] = previewCell{Text: x.String()}
			default:
				b, _ := json.Marshal(x)
				row[i] = previewCell{Text: string(b)}
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// modelProblemField says which of a model's fields a problem of its preview or save stands beside:
// the source's own failures (its host, its password) are the source's; the query's are the query's.
func modelProblemField(p *resource.Problem) string {
	switch {
	case p.Field != "":
		return p.Field
	case p.Code == "source_query", p.Code == "source_timeout", p.Code == "source_read_only":
		return "query"
	case strings.HasPrefix(p.Code, "source_"):
		return "source"
	}
	return ""
}

// previewSummary says what a check found, in a sentence.
func (v *previewView) Summary() string {
	if !v.Checked {
		return ""
	}
	bad := v.NullKeys + v.DupKeys
	if bad == 0 {
		return fmt.Sprintf("%s rows, every one with a primary key of its own.", num(v.Total))
	}
	return fmt.Sprintf("%s rows: %s without a primary key, %s sharing theirs with another row. A sync never sends these %s rows.",
		num(v.Total), num(v.NullKeys), num(v.DupKeys), num(bad))
}
