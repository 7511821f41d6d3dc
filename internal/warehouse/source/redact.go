package source

import (
	"net/url"
	"slices"
	"strings"
)

// redacted replaces a secret in displayed URLs and messages; it is what net/url's Redacted uses.
const redacted = "xxxxx"

// Redact returns rawURL fit for display and logs: the password is replaced by "xxxxx", and so are the
// values of query parameters whose names say they hold a secret (token, signature, key, …), as in a
// pre-signed HTTPS link to a CSV file. A URL too malformed to parse still has everything between the
// first ':' of its user part and the last '@' hidden.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if start, end, ok := passwordSpan(rawURL); ok {
			return rawURL[:start] + redacted + rawURL[end:]
		}
		return rawURL
	}
	if u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
	}
	return u.Redacted()
}

// Secrets returns the secret parts of rawURL (its password, raw and decoded, and the values of
// secret-named query parameters), for the caller to hide wherever else they might appear.
func Secrets(rawURL string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if start, end, ok := passwordSpan(rawURL); ok {
		raw := rawURL[start:end]
		add(raw)
		if dec, err := url.PathUnescape(raw); err == nil {
			add(dec)
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for _, kv := range strings.Split(u.RawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if secretName(k) {
				add(v)
				if dec, err := url.QueryUnescape(v); err == nil {
					add(dec)
				}
			}
		}
	}
	return out
}

// passwordSpan finds the password of "scheme://user:password@host…" by position, without parsing, so
// that even a URL net/url refuses (a password with a '/' in it) has its password found. When the
// string holds several '@', the last one ends the span: hiding too much is the safe side.
func passwordSpan(raw string) (start, end int, ok bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return 0, 0, false
	}
	authStart := i + 3
	at := strings.LastIndex(raw[authStart:], "@")
	if at < 0 {
		return 0, 0, false
	}
	colon := strings.Index(raw[authStart:authStart+at], ":")
	if colon < 0 {
		return 0, 0, false
	}
	return authStart + colon + 1, authStart + at, true
}

// redactQuery hides the values of secret-named parameters, keeping the rest of the query as written.
func redactQuery(rawQuery string) string {
	parts := strings.Split(rawQuery, "&")
	for i, kv := range parts {
		if k, _, found := strings.Cut(kv, "="); found && secretName(k) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

var secretNameParts = []string{"pass", "pwd", "secret", "token", "sig", "key", "credential", "auth"}

// secretName reports whether a query parameter's name says it holds a secret.
func secretName(name string) bool {
	if dec, err := url.QueryUnescape(name); err == nil {
		name = dec
	}
	n := strings.ToLower(name)
	for _, p := range secretNameParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// redactText hides every secret in s, longest first so that one secret inside another goes whole.
// Secrets shorter than 3 characters are left: hiding them would garble the words of the message.
func redactText(s string, secrets []string) string {
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range sorted {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}
