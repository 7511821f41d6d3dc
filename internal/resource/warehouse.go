package resource

import (
	"encoding/json"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Source is a warehouse source, its URL shown with its secrets hidden.
type Source struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Engine        string     `json:"engine"`
	URL           string     `json:"url"`
	Status        string     `json:"status"` // untested, ok, failing
	StatusMessage string     `json:"status_message,omitempty"`
	TestedAt      *time.Time `json:"tested_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// NewSource converts a source.
func NewSource(s *store.Source) Source {
	out := Source{ID: s.ID, Name: s.Name, Engine: s.Engine, URL: s.DisplayURL, Status: s.Status, StatusMessage: s.StatusMessage, CreatedAt: s.CreatedAt}
	if !s.TestedAt.IsZero() {
		t := s.TestedAt
		out.TestedAt = &t
	}
	return out
}

// Model is a warehouse model.
type Model struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	SourceID   int64     `json:"source_id"`
	Query      string    `json:"query,omitempty"`
	Table      string    `json:"table,omitempty"`
	PrimaryKey string    `json:"primary_key"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewModel converts a model.
func NewModel(m *store.Model) Model {
	return Model{ID: m.ID, Name: m.Name, SourceID: m.SourceID, Query: m.Query, Table: m.Table, PrimaryKey: m.PrimaryKey, CreatedAt: m.CreatedAt}
}

// Column is a model's column as the source reports it.
type Column struct {
	Name         string `json:"name"`
	DatabaseType string `json:"database_type"`
	Kind         string `json:"kind"`
	Nullable     string `json:"nullable"`
}

// Preview is a model's first rows, and what a full read found wrong with its primary key.
type Preview struct {
	Columns       []Column          `json:"columns"`
	Rows          []json.RawMessage `json:"rows"`
	Checked       bool              `json:"checked"`
	Total         *int64            `json:"total,omitempty"`
	NullKeys      *int64            `json:"null_keys,omitempty"`
	DuplicateKeys *int64            `json:"duplicate_keys,omitempty"`
	Examples      []string          `json:"examples,omitempty"`
}

// NewColumns converts a model's columns.
func NewColumns(cols []source.Column) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.Name, DatabaseType: c.DatabaseType, Kind: string(c.Kind), Nullable: c.Nullable.String()}
	}
	return out
}

// WarehouseSync is a sync from a model into a store's customers or orders.
type WarehouseSync struct {
	Sync
	StoreID          int64           `json:"store_id"`
	StoreName        string          `json:"store_name"`
	ModelID          int64           `json:"model_id"`
	Object           string          `json:"object"`
	Mode             string          `json:"mode"`
	Match            Match           `json:"match"`
	Mappings         json.RawMessage `json:"mappings"`
	Delete           string          `json:"delete"`
	GuardRemoveShare float64         `json:"guard_remove_share"`
	GuardCountShare  float64         `json:"guard_count_share"`
	// Plan is the sync's latest plan with its state (planned, blocked, approved, discarded, running,
	// done), when it has one.
	Plan *PlanState `json:"plan,omitempty"`
}

// Match is how a sync's rows find their records.
type Match struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

// PlanState is a sync's latest plan and where it is.
type PlanState struct {
	State string `json:"state"`
	Plan  any    `json:"plan"`
}

// NewWarehouseSync converts a warehouse sync.
func NewWarehouseSync(sh *store.Shop, w *store.WarehouseSync, ss SyncState, now time.Time) WarehouseSync {
	return WarehouseSync{Sync: NewSync(sh, ss, now), StoreID: w.StoreID, StoreName: sh.Name, ModelID: w.ModelID, Object: w.Object,
		Mode: w.Mode, Match: Match{Column: w.MatchColumn, Field: w.MatchField}, Mappings: json.RawMessage(w.Mappings),
		Delete: w.Delete, GuardRemoveShare: w.GuardRemoveShare, GuardCountShare: w.GuardCountShare}
}

// NewPreview converts a model's preview; values are shown as JSON (NULL as null).
func NewPreview(p *warehouse.Preview) Preview {
	out := Preview{Columns: NewColumns(p.Columns), Rows: make([]json.RawMessage, len(p.Rows)), Checked: p.Checked, Examples: p.Examples}
	for i, r := range p.Rows {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = cell(v)
		}
		b, err := json.Marshal(cells)
		if err != nil {
			b = []byte(`["(this row cannot be shown)"]`)
		}
		out.Rows[i] = b
	}
	if p.Checked {
		out.Total, out.NullKeys, out.DuplicateKeys = &p.Total, &p.NullKeys, &p.DuplicateKeys
	}
	return out
}

// cell is a value as JSON shows it: exact decimals and unparsed text as strings, binary data as text.
func cell(v any) any {
	switch x := v.(type) {
	case source.Decimal:
		return string(x)
	case source.Unparsed:
		return string(x)
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// TestRow is what became of one row sent on its own, with the calls it made.
type TestRow struct {
	*warehouse.TestResult
	Calls []APICall `json:"calls"`
}

// NewTestRow converts a row test and its calls.
func NewTestRow(res *warehouse.TestResult, calls []store.APICall) *TestRow {
	out := &TestRow{TestResult: res, Calls: make([]APICall, len(calls))}
	for i, c := range calls {
		out.Calls[len(calls)-1-i] = NewAPICall(c) // oldest first
	}
	return out
}
