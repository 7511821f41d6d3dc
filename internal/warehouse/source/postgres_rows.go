package source

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgRows streams a PostgreSQL result. pgx reads one row at a time off the connection, so memory holds
// one row whatever the size of the model.
type pgRows struct {
	p       *postgres
	ctx     context.Context // the caller's: its cancellation is not the source's failure
	qctx    context.Context // the query's, bounded by the timeout plus grace
	cancel  context.CancelFunc
	timeout time.Duration

	conn   *pgx.Conn
	tx     pgx.Tx
	rows   pgx.Rows
	cols   []Column
	decode []func([]byte) any

	peeked, more bool // Query reads the first row so that errors before it are Query's
	values       []any
	err          error
	done         bool
}

// statementName is the prepared statement a model runs as: preparing it describes the columns before
// any row is read, and the query then reuses that description.
const statementName = "bcsync_model"

func (r *pgRows) start(sql string, isTable bool) error {
	conn, err := pgx.ConnectConfig(r.qctx, r.p.cfg.Copy())
	if err != nil {
		return r.classify(err, PartHost)
	}
	r.conn = conn
	if r.tx, err = conn.BeginTx(r.qctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}); err != nil {
		return r.classify(err, PartHost)
	}
	if r.timeout > 0 {
		if _, err := r.tx.Exec(r.qctx, statementTimeout(r.timeout)); err != nil {
			return r.classify(err, PartQuery)
		}
	}
	sd, err := conn.Prepare(r.qctx, statementName, sql)
	if err != nil {
		return r.classify(err, PartQuery)
	}
	if len(sd.ParamOIDs) > 0 {
		return r.p.fail(PartQuery, nil, "the query has parameters ($1 …): a model's SQL must be complete, with its values written in")
	}
	if err := r.describe(sd.Fields, isTable); err != nil {
		return r.classify(err, PartQuery)
	}
	if r.rows, err = r.tx.Query(r.qctx, statementName, pgResultFormats); err != nil {
		return r.classify(err, PartQuery)
	}
	r.more, r.peeked = r.rows.Next(), true
	if !r.more {
		if err := r.rows.Err(); err != nil {
			return r.classify(err, PartQuery)
		}
	}
	return nil
}

// describe builds the columns from the statement's fields: names of types pgx does not know (enums,
// citext, extensions' types) are read from pg_type, and for a table query, NOT NULL from pg_attribute.
// Nullability is not given for SQL queries: an outer join makes a NOT NULL column nullable.
func (r *pgRows) describe(fields []pgconn.FieldDescription, isTable bool) error {
	types := r.conn.TypeMap()
	r.cols = make([]Column, len(fields))
	r.decode = make([]func([]byte) any, len(fields))
	var unknown []uint32
	for i, f := range fields {
		r.cols[i] = Column{Name: f.Name, Kind: pgKinds[f.DataTypeOID], Nullable: NullableUnknown}
		if r.cols[i].Kind == "" {
			r.cols[i].Kind = KindUnknown
		}
		if t, ok := types.TypeForOID(f.DataTypeOID); ok {
			r.cols[i].DatabaseType = t.Name
		} else if !slices.Contains(unknown, f.DataTypeOID) {
			unknown = append(unknown, f.DataTypeOID)
		}
		r.decode[i] = pgDecoder(f.DataTypeOID)
	}
	if len(unknown) > 0 {
		rows, _ := r.tx.Query(r.qctx, "SELECT oid, typname, typcategory FROM pg_catalog.pg_type WHERE oid = ANY($1)", unknown)
		var oid uint32
		var name string
		var category byte
		if _, err := pgx.ForEachRow(rows, []any{&oid, &name, &category}, func() error {
			for i, f := range fields {
				if f.DataTypeOID == oid {
					r.cols[i].DatabaseType = name
					if category == 'S' || category == 'E' { // string types (citext, …) and enums
						r.cols[i].Kind = KindText
					}
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if isTable && len(fields) > 0 {
		rows, _ := r.tx.Query(r.qctx, "SELECT attnum, attnotnull FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0", fields[0].TableOID)
		var num int16
		var notNull bool
		if _, err := pgx.ForEachRow(rows, []any{&num, &notNull}, func() error {
			for i, f := range fields {
				if int16(f.TableAttributeNumber) == num {
					r.cols[i].Nullable = Nullable
					if notNull {
						r.cols[i].Nullable = NotNullable
					}
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// classify is postgres.classify, knowing that a query whose own deadline passed timed out: pgx may
// report that as a network timeout.
func (r *pgRows) classify(err error, fallback Part) error {
	if r.timeout > 0 && r.qctx.Err() != nil && r.ctx.Err() == nil {
		return r.p.timeout(r.p.server, r.timeout, err)
	}
	return r.p.classify(r.ctx, err, r.timeout, fallback)
}

func (r *pgRows) Columns() []Column { return slices.Clone(r.cols) }

func (r *pgRows) Next() bool {
	r.values = nil
	if r.done {
		return false
	}
	more := r.more
	if r.peeked {
		r.peeked = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			r.err = r.classify(err, PartQuery)
		}
		r.release(false)
		return false
	}
	raw := r.rows.RawValues()
	r.values = make([]any, len(raw))
	for i, b := range raw {
		if b != nil {
			r.values[i] = r.decode[i](b)
		}
	}
	return true
}

func (r *pgRows) Values() []any { return r.values }

func (r *pgRows) RowErr() error { return nil }

func (r *pgRows) Err() error { return r.err }

func (r *pgRows) Close() error {
	r.release(true)
	return nil
}

// release ends the transaction and closes the connection. Closed early, the query is cancelled first:
// otherwise closing the rows would read the rest of the result off the wire.
func (r *pgRows) release(early bool) {
	if r.done {
		return
	}
	r.done = true
	if early {
		r.cancel()
	}
	if r.rows != nil {
		r.rows.Close()
	}
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
	defer cancel()
	if r.tx != nil && !early {
		r.tx.Rollback(closeCtx)
	}
	if r.conn != nil {
		r.conn.Close(closeCtx)
	}
	r.cancel()
}

// pgResultFormats asks for binary results only for the types decoded here from binary; every other
// type comes as text (numeric and json included, which keeps them exact and as written).
var pgResultFormats = pgx.QueryResultFormatsByOID{
	pgtype.BoolOID: pgx.BinaryFormatCode, pgtype.Int2OID: pgx.BinaryFormatCode, pgtype.Int4OID: pgx.BinaryFormatCode,
	pgtype.Int8OID: pgx.BinaryFormatCode, pgtype.Float4OID: pgx.BinaryFormatCode, pgtype.Float8OID: pgx.BinaryFormatCode,
	pgtype.DateOID: pgx.BinaryFormatCode, pgtype.TimestampOID: pgx.BinaryFormatCode, pgtype.TimestamptzOID: pgx.BinaryFormatCode,
	pgtype.ByteaOID: pgx.BinaryFormatCode,
}

var pgKinds = map[uint32]Kind{
	pgtype.BoolOID: KindBoolean, pgtype.Int2OID: KindInteger, pgtype.Int4OID: KindInteger, pgtype.Int8OID: KindInteger,
	pgtype.Float4OID: KindFloat, pgtype.Float8OID: KindFloat, pgtype.NumericOID: KindDecimal,
	pgtype.DateOID: KindDate, pgtype.TimestampOID: KindTimestamp, pgtype.TimestamptzOID: KindTimestamp,
	pgtype.JSONOID: KindJSON, pgtype.JSONBOID: KindJSON, pgtype.ByteaOID: KindBytes,
	pgtype.TextOID: KindText, pgtype.VarcharOID: KindText, pgtype.BPCharOID: KindText, pgtype.NameOID: KindText,
	pgtype.UUIDOID: KindText,
}

// pgEpoch is where PostgreSQL's binary dates and timestamps count from, in seconds since 1970.
const pgEpoch = 946684800

// pgDecoder returns how to turn one column's raw value (binary or text, per pgResultFormats) into a
// normalised value. A value of the wrong length cannot come from PostgreSQL; it is kept as Unparsed.
func pgDecoder(oid uint32) func([]byte) any {
	switch oid {
	case pgtype.BoolOID:
		return fixed(1, func(b []byte) any { return b[0] == 1 })
	case pgtype.Int2OID:
		return fixed(2, func(b []byte) any { return int64(int16(binary.BigEndian.Uint16(b))) })
	case pgtype.Int4OID:
		return fixed(4, func(b []byte) any { return int64(int32(binary.BigEndian.Uint32(b))) })
	case pgtype.Int8OID:
		return fixed(8, func(b []byte) any { return int64(binary.BigEndian.Uint64(b)) })
	case pgtype.Float4OID:
		return fixed(4, func(b []byte) any { return float64(math.Float32frombits(binary.BigEndian.Uint32(b))) })
	case pgtype.Float8OID:
		return fixed(8, func(b []byte) any { return math.Float64frombits(binary.BigEndian.Uint64(b)) })
	case pgtype.NumericOID:
		return func(b []byte) any { return Decimal(b) }
	case pgtype.DateOID:
		return fixed(4, func(b []byte) any {
			switch days := int32(binary.BigEndian.Uint32(b)); days {
			case math.MaxInt32:
				return Unparsed("infinity")
			case math.MinInt32:
				return Unparsed("-infinity")
			default:
				return time.Date(2000, 1, 1+int(days), 0, 0, 0, 0, time.UTC)
			}
		})
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		return fixed(8, func(b []byte) any {
			switch us := int64(binary.BigEndian.Uint64(b)); us {
			case math.MaxInt64:
				return Unparsed("infinity")
			case math.MinInt64:
				return Unparsed("-infinity")
			default:
				return time.Unix(pgEpoch+us/1e6, (us%1e6)*1e3).UTC()
			}
		})
	case pgtype.JSONOID, pgtype.JSONBOID:
		return func(b []byte) any { return json.RawMessage(slices.Clone(b)) }
	case pgtype.ByteaOID:
		return func(b []byte) any { return slices.Clone(b) }
	}
	return func(b []byte) any { return string(b) }
}

func fixed(n int, decode func([]byte) any) func([]byte) any {
	return func(b []byte) any {
		if len(b) != n {
			return Unparsed(string(b))
		}
		return decode(b)
	}
}
