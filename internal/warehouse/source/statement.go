package source

import (
	"context"
	"strings"
	"time"
)

// statement turns a Query into the one SQL statement to run: q.SQL without its trailing semicolons,
// or SELECT * from q.Table quoted with quote (the engine's identifier quote character).
func (f failer) statement(q Query, quote byte) (string, error) {
	sql := strings.TrimSpace(q.SQL)
	for strings.HasSuffix(sql, ";") {
		sql = strings.TrimSpace(strings.TrimSuffix(sql, ";"))
	}
	table := strings.TrimSpace(q.Table)
	switch {
	case sql != "" && table != "":
		return "", f.fail(PartQuery, nil, "give either a SQL query or a table, not both")
	case sql != "":
		return sql, nil
	case table != "":
		return "SELECT * FROM " + quoteName(table, quote), nil
	}
	return "", f.fail(PartQuery, nil, "no query: give a SQL query or a table name")
}

// quoteName quotes each dot-separated part of a possibly schema-qualified name, doubling the quote
// character inside, so that any table name is read as a name and never as SQL.
func quoteName(name string, quote byte) string {
	q := string(quote)
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

// serverGrace is how much longer than its timeout a query may run before the client gives up on it:
// the server's own timeout should fire first, with a clearer error, and the client's deadline is there
// for a server that stopped answering.
const serverGrace = 2 * time.Second

// deadline returns ctx bounded by d plus grace, or ctx unchanged (with a no-op cancel) when d is zero.
func deadline(ctx context.Context, d, grace time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d+grace)
}
