package source

// Kind is a column's type reduced to what a field mapping needs to know, the same for every engine.
type Kind string

const (
	KindText      Kind = "text"      // string
	KindInteger   Kind = "integer"   // int64
	KindDecimal   Kind = "decimal"   // Decimal: exact, never a float
	KindFloat     Kind = "float"     // float64
	KindBoolean   Kind = "boolean"   // bool
	KindDate      Kind = "date"      // time.Time at midnight UTC
	KindTimestamp Kind = "timestamp" // time.Time (UTC when the database keeps no zone)
	KindJSON      Kind = "json"      // json.RawMessage
	KindBytes     Kind = "bytes"     // []byte
	KindUnknown   Kind = "unknown"   // whatever the driver gives, normalised as far as possible
)

// Nullability says whether a column may hold NULL, when the engine tells.
type Nullability uint8

const (
	NullableUnknown Nullability = iota // the engine does not say (an expression, a CSV column)
	Nullable                           // the column may hold NULL
	NotNullable                        // the column is declared NOT NULL
)

func (n Nullability) String() string {
	switch n {
	case Nullable:
		return "nullable"
	case NotNullable:
		return "not null"
	}
	return "unknown"
}

// Column describes one column of a result.
type Column struct {
	Name string
	// DatabaseType is the type as the driver reports it ("int8", "DECIMAL", "TEXT"), or, for CSV, the
	// inferred type ("text (inferred integer)").
	DatabaseType string
	Kind         Kind
	Nullable     Nullability
}
