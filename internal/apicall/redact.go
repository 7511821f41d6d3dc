package apicall

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Redacted replaces every secret bcsync knows of.
const Redacted = "[REDACTED]"

// Redactor hides secrets in URLs, headers and bodies: known secret values wherever they appear, and the
// values of headers, query parameters and JSON keys whose names say they hold a secret.
type Redactor struct {
	secrets [][]byte
}

// NewRedactor returns a Redactor that also hides each of the given values (tokens, passwords) wherever
// they occur. Values shorter than 4 bytes are ignored: hiding them would garble unrelated text.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, []byte(s))
		}
	}
	return r
}

var secretNameParts = []string{"token", "secret", "password", "passwd", "authorization", "cookie", "api-key", "apikey", "api_key", "credential", "signature"}

// SecretName reports whether a header, query parameter or JSON key name says it holds a secret.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	for _, p := range secretNameParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// Header returns a redacted copy of h.
func (r *Redactor) Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			if SecretName(k) {
				c[i] = Redacted
			} else {
				c[i] = r.String(v)
			}
		}
		out[k] = c
	}
	return out
}

// URL returns u as text with secret query values and user info hidden.
func (r *Redactor) URL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k, vs := range q {
			if SecretName(k) {
				for i := range vs {
					vs[i] = Redacted
				}
			}
		}
		c.RawQuery = q.Encode()
	}
	return r.String(c.String())
}

// String hides known secret values in s.
func (r *Redactor) String(s string) string {
	if r == nil || len(r.secrets) == 0 {
		return s
	}
	return string(r.Bytes([]byte(s)))
}

// Bytes hides known secret values in b, and in a JSON body the values of keys named like secrets.
// It returns a new slice and never modifies b.
func (r *Redactor) Bytes(b []byte) []byte {
	out := redactJSONKeys(b)
	if r == nil {
		return out
	}
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte(Redacted))
		}
	}
	return out
}

// redactJSONKeys rewrites a complete JSON document with secret-named keys hidden. Anything that is not
// a complete JSON document (a truncated body, CSV, HTML) is returned as a copy, unchanged.
func redactJSONKeys(b []byte) []byte {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') || !bytes.Contains(t, []byte(`"`)) {
		return bytes.Clone(b)
	}
	lower := bytes.ToLower(t)
	found := false
	for _, p := range secretNameParts {
		if bytes.Contains(lower, []byte(p)) {
			found = true
			break
		}
	}
	if !found {
		return bytes.Clone(b)
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return bytes.Clone(b)
	}
	if !redactValue(v) {
		return bytes.Clone(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return bytes.Clone(b)
	}
	return out
}

func redactValue(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if SecretName(k) {
				if _, nested := child.(map[string]any); !nested {
					x[k] = Redacted
					changed = true
					continue
				}
			}
			if redactValue(child) {
				changed = true
			}
		}
	case []any:
		for _, child := range x {
			if redactValue(child) {
				changed = true
			}
		}
	}
	return changed
}
