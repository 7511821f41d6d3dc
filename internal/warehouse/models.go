package warehouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// ModelInput is what a user gives to add a model: a source and either a query or a table, and the
// primary-key column.
type ModelInput struct {
	Name       string
	SourceID   int64
	Query      string
	Table      string
	PrimaryKey string
}

// AddModel saves a model after reading its columns from the source: the query must run and the
// primary key must be one of its columns.
func (e *Engine) AddModel(ctx context.Context, in ModelInput) (*store.Model, error) {
	m := &store.Model{Name: strings.TrimSpace(in.Name), SourceID: in.SourceID, Query: strings.TrimSpace(in.Query),
		Table: strings.TrimSpace(in.Table), PrimaryKey: strings.TrimSpace(in.PrimaryKey)}
	switch {
	case m.Name == "":
		return nil, &InputError{"name", "give the model a name"}
	case (m.Query == "") == (m.Table == ""):
		return nil, &InputError{"query", "give the model a SQL query or a table, one of the two"}
	case m.PrimaryKey == "":
		return nil, &InputError{"primary_key", "name the model's primary-key column: it identifies each row from one run to the next"}
	}
	cols, err := e.columns(ctx, m)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cols, func(c source.Column) bool { return c.Name == m.PrimaryKey }) {
		return nil, &InputError{"primary_key", fmt.Sprintf("the model has no column %q (its columns: %s)", m.PrimaryKey, columnNames(cols))}
	}
	if err := e.store.CreateModel(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

func columnNames(cols []source.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// columns runs a model's query and returns its columns, reading no row.
func (e *Engine) columns(ctx context.Context, m *store.Model) ([]source.Column, error) {
	src, err := e.open(ctx, m.SourceID)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	rows, err := src.Query(ctx, source.Query{SQL: m.Query, Table: m.Table, Timeout: e.opts.QueryTimeout})
	if err != nil {
		return nil, &InputError{"query", err.Error()}
	}
	defer rows.Close()
	return rows.Columns(), nil
}

// Preview is a model's first rows with its columns as the source reports them, and, when checked,
// what a full read found wrong with its primary key.
type Preview struct {
	Columns []source.Column
	Rows    [][]any
	// Checked says the whole model was read: Total rows, of which NullKeys had no key and DuplicateKeys
	// shared theirs with another row (every copy counted), with a few examples.
	Checked       bool
	Total         int64
	NullKeys      int64
	DuplicateKeys int64
	Examples      []string
}

// PreviewModel reads a model's first n rows; with check it reads the whole model too and counts the
// rows a sync would refuse for their primary key alone.
func (e *Engine) PreviewModel(ctx context.Context, id int64, n int, check bool) (*Preview, error) {
	m, err := e.store.Model(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.preview(ctx, m, n, check)
}

// PreviewDraft previews a model that is not saved, as PreviewModel does a saved one: a person writing
// a query sees its rows and their types before keeping it. Without a primary key nothing is checked.
func (e *Engine) PreviewDraft(ctx context.Context, in ModelInput, n int, check bool) (*Preview, error) {
	m := &store.Model{SourceID: in.SourceID, Query: strings.TrimSpace(in.Query), Table: strings.TrimSpace(in.Table),
		PrimaryKey: strings.TrimSpace(in.PrimaryKey)}
	if (m.Query == "") == (m.Table == "") {
		return nil, &InputError{"query", "give the model a SQL query or a table, one of the two"}
	}
	if _, err := e.store.Source(ctx, m.SourceID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &InputError{"source", fmt.Sprintf("there is no source %d", m.SourceID)}
		}
		return nil, err
	}
	return e.preview(ctx, m, n, check && m.PrimaryKey != "")
}

// Columns runs a saved model's query and returns its columns, reading no row: what a mapping can
// write from.
func (e *Engine) Columns(ctx context.Context, modelID int64) ([]source.Column, error) {
	m, err := e.store.Model(ctx, modelID)
	if err != nil {
		return nil, err
	}
	return e.columns(ctx, m)
}

func (e *Engine) preview(ctx context.Context, m *store.Model, n int, check bool) (*Preview, error) {
	src, err := e.open(ctx, m.SourceID)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	rows, err := src.Query(ctx, source.Query{SQL: m.Query, Table: m.Table, Timeout: e.opts.QueryTimeout})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := &Preview{Columns: rows.Columns(), Rows: [][]any{}}
	key := slices.IndexFunc(p.Columns, func(c source.Column) bool { return c.Name == m.PrimaryKey })
	var keys []uint64
	dupExamples := map[uint64]string{}
	for rows.Next() {
		if len(p.Rows) < n {
			if err := rows.RowErr(); err != nil {
				p.Rows = append(p.Rows, []any{err.Error()})
			} else {
				p.Rows = append(p.Rows, rows.Values())
			}
		}
		if !check {
			if len(p.Rows) >= n {
				break
			}
			continue
		}
		p.Total++
		if rows.RowErr() != nil || key < 0 {
			p.NullKeys++
			continue
		}
		k, err := keyOf(rows.Values()[key])
		if err != nil {
			p.NullKeys++
			if len(p.Examples) < 5 {
				p.Examples = append(p.Examples, fmt.Sprintf("row %d: %s", p.Total, err))
			}
			continue
		}
		h := hash64(k)
		keys = append(keys, h)
		if len(dupExamples) < 100 {
			dupExamples[h] = k
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p.Checked = check
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		if j-i > 1 {
			p.DuplicateKeys += int64(j - i)
			if k, ok := dupExamples[keys[i]]; ok && len(p.Examples) < 10 {
				p.Examples = append(p.Examples, fmt.Sprintf("%d rows have the primary key %q", j-i, k))
			}
		}
		i = j
	}
	return p, nil
}

// RemoveModel removes a model no sync uses (a *store.InUseError names the ones that do).
func (e *Engine) RemoveModel(ctx context.Context, id int64) error {
	return e.store.DeleteModel(ctx, id)
}
