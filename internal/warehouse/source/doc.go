// Package source reads the rows of a user's model from a warehouse: PostgreSQL, MySQL or MariaDB,
// SQLite, or a CSV file (local or over HTTPS). It is the only place in bcsync that runs a user's SQL.
//
// Open picks an engine from the URL and returns a Source; Source.Query returns Rows, a streaming
// iterator: no engine holds a whole result in memory, so a model of ten million rows is read with the
// memory of a few rows.
//
// Every query is read-only and bounded by its timeout, enforced by the database where it can:
//
//   - PostgreSQL: a READ ONLY transaction on a session whose default_transaction_read_only is on,
//     SET LOCAL statement_timeout, and the extended protocol (one statement per query).
//   - MySQL and MariaDB: SET SESSION TRANSACTION READ ONLY, START TRANSACTION READ ONLY, and the
//     session's max_execution_time (MySQL, milliseconds) or max_statement_time (MariaDB, seconds) on a
//     connection that is never reused; multiple statements are off.
//   - SQLite: the file opened read-only (mode=ro) with PRAGMA query_only; the timeout interrupts the
//     query through its context.
//   - CSV: files are only read; the timeout bounds the whole read.
//
// Failures are *Error values whose Part names what to fix (host, auth, database, permission, file,
// format, query, read-only, timeout) and whose message is a sentence for the person who typed the URL.
// No error or log line carries a password: Redact and Secrets give the caller the same guarantee for
// its own messages.
//
// Values are normalised, whatever the engine: nil for NULL, string, int64, Decimal (exact text),
// float64, bool, time.Time, json.RawMessage and []byte. A value that does not fit its column's Kind
// (text in a CSV column inferred as integer, say) comes back as Unparsed holding the raw text.
package source
