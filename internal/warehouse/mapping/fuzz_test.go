package mapping

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzTemplate: a template that parses is given back by its parts, escaped again.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Tier {tier}", "{{x}} {y}", "{{{x}}}", "{x", "x}", "{}", "", "{a}{b}c{{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := parseTemplate(s)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, p := range parts {
			if p.column {
				if p.text == "" || strings.ContainsAny(p.text, "{}") {
					t.Fatalf("%q: column %q", s, p.text)
				}
				b.WriteString("{" + p.text + "}")
			} else {
				b.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(p.text))
			}
		}
		again, err := parseTemplate(b.String())
		if err != nil || !slices.Equal(again, parts) {
			t.Fatalf("%q → %q: %v %v", s, b.String(), again, err)
		}
	})
}

// FuzzProducts: product lines that parse are sent as JSON that parses to the same lines.
func FuzzProducts(f *testing.F) {
	for _, s := range []string{`[{"product_id":12,"quantity":2}]`, `[{"name":"x","quantity":1,"price_ex_tax":"1.5","price_inc_tax":2}]`,
		`[{"id":5,"quantity":0}]`, `[]`, `{}`, `[{"product_id":1e3,"quantity":1}]`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, create bool) {
		lines, err := parseProducts(s, create)
		if err != nil {
			return
		}
		b, err := json.Marshal(lines)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		again, err := parseProducts(string(b), create)
		if err != nil {
			t.Fatalf("%s → %s: %v", s, b, err)
		}
		if b2, _ := json.Marshal(again); string(b2) != string(b) {
			t.Fatalf("%s → %s → %s", s, b, b2)
		}
	})
}
