package source

// Decimal is an exact decimal number as the database printed it ("1234.50"). NUMERIC and DECIMAL
// values are never turned into float64: money must not change on its way to the store.
type Decimal string

func (d Decimal) String() string { return string(d) }

// Unparsed is a value that does not fit its column's Kind, kept as its raw text: a CSV cell that is
// not a number in a column inferred as integer, a SQLite text in an INTEGER column. The caller rejects
// the row with this text in the message rather than guess.
type Unparsed string

func (u Unparsed) String() string { return string(u) }
