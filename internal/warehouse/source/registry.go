package source

import (
	"context"
	"strings"
)

// engine is one kind of source: which URLs are its own and how to open one. Adding an engine is one
// file, a line in engines and one in examples.
type engine struct {
	name  string
	match func(rawURL string) bool
	open  func(ctx context.Context, rawURL string, opts Options) (Source, error)
}

// engines are tried in order; the first whose match accepts the URL opens it.
var engines = []engine{
	{name: "postgres", match: prefixed("postgres://", "postgresql://"), open: openPostgres},
	{name: "mysql", match: prefixed("mysql://", "mariadb://"), open: openMySQL},
	{name: "sqlite", match: prefixed("sqlite:"), open: openSQLite},
	{name: "csv", match: isCSV, open: openCSV},
}

// engineNames are the engines' names in sentences.
var engineNames = map[string]string{"postgres": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite", "csv": "CSV"}

// examples are valid URLs of each engine, for error messages.
var examples = map[string]string{
	"postgres": "postgres://user:password@host:5432/database",
	"mysql":    "mysql://user:password@host:3306/database",
	"sqlite":   "sqlite:/path/to/file.db",
	"csv":      "/path/to/file.csv or https://example.com/file.csv",
}

func engineFor(rawURL string) (engine, bool) {
	for _, e := range engines {
		if e.match(rawURL) {
			return e, true
		}
	}
	return engine{}, false
}

func prefixed(prefixes ...string) func(string) bool {
	return func(raw string) bool {
		for _, p := range prefixes {
			if len(raw) >= len(p) && strings.EqualFold(raw[:len(p)], p) {
				return true
			}
		}
		return false
	}
}

// unknownEngine is the error for a URL no engine accepts, listing what would be accepted.
func unknownEngine(rawURL string) error {
	list := make([]string, len(engines))
	for i, e := range engines {
		list[i] = examples[e.name]
	}
	what := "an empty URL"
	if strings.TrimSpace(rawURL) != "" {
		what = "\"" + Redact(rawURL) + "\""
	}
	f := failer{secrets: Secrets(rawURL)}
	return f.fail(PartURL, nil, "%s is not a source bcsync can read: use %s", what, strings.Join(list, ", or "))
}

// badURL is the error for a URL of a known engine that cannot be used.
func (f failer) badURL(rawURL, why string) error {
	return f.fail(PartURL, nil, "%q is not a valid %s URL (%s): it should look like %s", Redact(rawURL), engineNames[f.engine], why, examples[f.engine])
}
