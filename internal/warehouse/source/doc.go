// Package source reads the rows of a user's model from a warehouse: PostgreSQL, MySQL or MariaDB,
// SQLite, or a CSV file (local or over HTTPS). It is the only place in bcsync that runs a user's SQL.
//
// Open picks an engine from the URL and returns a Source; Source.Query returns Rows, a streaming
// iterator: no engine holds a whole result in memory, so a model of ten million rows is read with the
// memory of a few rows.
//
// Every query is read-only and bounded by its timeout, enforced by the database where it can:
//
//   - PostgreSQL: BEGIN READ ONLY, SET LOCAL statement_timeout, and the extended protocol (exactly
//     one statement per query, so nothing runs after a COMMIT).
//   - MySQL and MariaDB: SET SESSION TRANSACTION READ ONLY, START TRANSACTION READ ONLY, and the
//     session's max_execution_time (MySQL, milliseconds) or max_statement_time (MariaDB, seconds) on a
//     connection that is never reused; multiple statements are off.
//   - SQLite: the file opened read-only (mode=ro) with PRAGMA query_only, and an authorizer that
//     lets a statement only read (no ATTACH, no PRAGMA that sets); the timeout interrupts the query
//     through its context.
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
//
// # CSV
//
// A CSV source is its file, read from top to bottom in one pass; it takes no SQL.
//
//   - The first row is the header: every column needs a name, and no name may appear twice (names
//     are trimmed of surrounding spaces).
//   - The delimiter is the one of , ; tab | found most often in the header line outside quotes, unless
//     the URL sets it: ?delimiter=; (or comma, semicolon, tab, pipe).
//   - The encoding is UTF-8 or UTF-16 when a byte order mark says so (the mark is dropped), UTF-8 when
//     the first 64 KiB are valid UTF-8, else Windows-1252, unless the URL sets it: ?encoding=latin1
//     (or utf-8, utf-16, utf-16le, utf-16be, windows-1252). Bytes that are not UTF-8 further into a
//     UTF-8 file become U+FFFD.
//   - Quoted fields may hold delimiters, doubled quotes and line breaks.
//   - An empty cell is NULL: CSV cannot tell an empty string from a missing value.
//   - A row with the wrong number of fields, or a quoting error, is reported for that row alone by
//     Rows.RowErr, a *RowError with the line it starts on, and the read goes on.
//   - Each column's kind is inferred from the first 1,000 data rows, which are held meanwhile:
//     integer, decimal, boolean (true/false, yes/no), date (2006-01-02), timestamp (ISO 8601; UTC
//     when it has no zone), else text. A number with a leading zero ("01234") is a code: text.
//     DatabaseType says the kind was inferred: "text (inferred integer)". A later cell that does not
//     parse as its column's kind comes back as Unparsed.
//   - Over HTTPS, bcsync's parameters are taken out of the query before the request (a signed link
//     keeps its own) and may stand in the fragment instead: https://…/export.csv?sig=…#delimiter=;.
//     401 and 403 are auth errors, other statuses file errors, an HTML page a format error.
package source
