package mapping

import (
	"slices"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

var allKinds = []source.Kind{source.KindText, source.KindInteger, source.KindDecimal, source.KindFloat, source.KindBoolean,
	source.KindDate, source.KindTimestamp, source.KindJSON, source.KindBytes, source.KindUnknown}

// TestTypeCompatibilityTable is the table of the package documentation: which column kinds each field
// type takes. Every other pair is refused when the mapping is saved.
func TestTypeCompatibilityTable(t *testing.T) {
	table := map[Type]string{
		TypeText:     "text integer decimal float boolean date timestamp json bytes unknown",
		TypeEmail:    "text unknown",
		TypeInteger:  "integer unknown",
		TypeDecimal:  "integer decimal float unknown",
		TypeMoney:    "integer decimal float unknown",
		TypeBoolean:  "boolean integer unknown",
		TypeDate:     "date timestamp unknown",
		TypeDateTime: "date timestamp unknown",
		TypeStatus:   "integer text unknown",
		TypeProducts: "json text unknown",
	}
	for typ, kinds := range table {
		taken := strings.Fields(kinds)
		for _, k := range allKinds {
			if got, want := Accepts(typ, k), slices.Contains(taken, string(k)); got != want {
				t.Errorf("Accepts(%s, %s) = %v, want %v", typ, k, got, want)
			}
		}
	}
	if len(table) != len(accepted) {
		t.Errorf("the table covers %d types, the package %d", len(table), len(accepted))
	}
}

// checkColumn checks a sync mapping one column of the kind to a field, with what else the mode needs.
func checkColumn(field string, kind source.Kind) []string {
	var spec Spec
	var cols []source.Column
	if strings.HasPrefix(field, "attribute:") || slices.ContainsFunc(customerFields, func(f Field) bool { return f.Key == field }) {
		spec = Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID},
			Mappings: []Mapping{{Field: field, Column: "c"}}}
		cols = columns("id:integer", "c:"+string(kind))
	} else {
		cols = orderColumns("c:" + string(kind))
		if field == "products" {
			spec = orderInsert()
			spec.Mappings[len(spec.Mappings)-1].Column = "c" // instead of lines
		} else {
			spec = orderInsert(Mapping{Field: field, Column: "c"})
		}
	}
	err := Check(spec, cols, testStore)
	if err == nil {
		return nil
	}
	var out []string
	for _, p := range err.(*CheckError).Problems {
		out = append(out, p.Message)
	}
	return out
}

func TestRefusedTypePairsNameTheColumnTheFieldAndTheFix(t *testing.T) {
	for _, c := range []struct {
		field string
		kind  source.Kind
		want  string
	}{
		{"store_credit", source.KindText, `the column "c" (text) cannot be written to store_credit (a decimal): cast it in the model's SQL`},
		{"store_credit", source.KindBoolean, `the column "c" (boolean) cannot be written to store_credit (a decimal): cast it in the model's SQL`},
		{"store_credit", source.KindDate, `the column "c" (date) cannot be written to store_credit (a decimal): cast it in the model's SQL`},
		{"attribute:Shoe size", source.KindText, `the column "c" (text) cannot be written to attribute:Shoe size (a decimal): cast it in the model's SQL`},
		{"customer_group_id", source.KindDecimal, `the column "c" (decimal) cannot be written to customer_group_id (a whole number): cast it in the model's SQL`},
		{"customer_group_id", source.KindFloat, `the column "c" (float) cannot be written to customer_group_id (a whole number): cast it in the model's SQL`},
		{"customer_group_id", source.KindText, `the column "c" (text) cannot be written to customer_group_id (a whole number): cast it in the model's SQL`},
		{"customer_group_id", source.KindBoolean, `the column "c" (boolean) cannot be written to customer_group_id (a whole number): cast it in the model's SQL`},
		{"email", source.KindInteger, `the column "c" (integer) cannot be written to email (an email): cast it in the model's SQL`},
		{"email", source.KindJSON, `the column "c" (json) cannot be written to email (an email): cast it in the model's SQL`},
		{"accepts_product_review_abandoned_cart_emails", source.KindText, `the column "c" (text) cannot be written to accepts_product_review_abandoned_cart_emails (true or false): cast it in the model's SQL`},
		{"accepts_product_review_abandoned_cart_emails", source.KindDecimal, `the column "c" (decimal) cannot be written to accepts_product_review_abandoned_cart_emails (true or false): cast it in the model's SQL`},
		{"attribute:Joined", source.KindText, `the column "c" (text) cannot be written to attribute:Joined (a date): cast it in the model's SQL`},
		{"attribute:Joined", source.KindInteger, `the column "c" (integer) cannot be written to attribute:Joined (a date): cast it in the model's SQL`},
		{"date_created", source.KindText, `the column "c" (text) cannot be written to date_created (a date and time): cast it in the model's SQL`},
		{"status", source.KindDecimal, `the column "c" (decimal) cannot be written to status (an order status): cast it in the model's SQL`},
		{"status", source.KindBoolean, `the column "c" (boolean) cannot be written to status (an order status): cast it in the model's SQL`},
		{"products", source.KindInteger, `the column "c" (integer) cannot be written to products (product lines): cast it in the model's SQL`},
		{"products", source.KindBytes, `the column "c" (bytes) cannot be written to products (product lines): cast it in the model's SQL`},
		{"discount_amount", source.KindText, `the column "c" (text) cannot be written to discount_amount (a decimal): cast it in the model's SQL`},
	} {
		got := checkColumn(c.field, c.kind)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s ← %s: %q, want %q", c.field, c.kind, got, c.want)
		}
	}
}

func TestAcceptedTypePairsPassTheCheck(t *testing.T) {
	for _, c := range []struct {
		field string
		kinds []source.Kind
	}{
		{"notes", allKinds},
		{"email", []source.Kind{source.KindText, source.KindUnknown}},
		{"customer_group_id", []source.Kind{source.KindInteger, source.KindUnknown}},
		{"store_credit", []source.Kind{source.KindInteger, source.KindDecimal, source.KindFloat}},
		{"attribute:Shoe size", []source.Kind{source.KindInteger, source.KindDecimal, source.KindFloat}},
		{"accepts_product_review_abandoned_cart_emails", []source.Kind{source.KindBoolean, source.KindInteger}},
		{"attribute:Joined", []source.Kind{source.KindDate, source.KindTimestamp}},
		{"attribute:Loyalty tier", allKinds},
		{"date_created", []source.Kind{source.KindDate, source.KindTimestamp}},
		{"status", []source.Kind{source.KindInteger, source.KindText}},
		{"products", []source.Kind{source.KindJSON, source.KindText, source.KindUnknown}},
	} {
		for _, k := range c.kinds {
			if got := checkColumn(c.field, k); got != nil {
				t.Errorf("%s ← %s: %q", c.field, k, got)
			}
		}
	}
}

func TestTheMatchColumnMustHoldIdsOrEmails(t *testing.T) {
	for _, c := range []struct {
		match Match
		kind  source.Kind
		want  string
	}{
		{Match{Column: "m", Field: MatchID}, source.KindInteger, ""},
		{Match{Column: "m", Field: MatchID}, source.KindUnknown, ""},
		{Match{Column: "m", Field: MatchID}, source.KindText, `the column "m" (text) cannot match the customer id (a whole number): cast it in the model's SQL`},
		{Match{Column: "m", Field: MatchID}, source.KindDecimal, `the column "m" (decimal) cannot match the customer id (a whole number): cast it in the model's SQL`},
		{Match{Column: "m", Field: MatchEmail}, source.KindText, ""},
		{Match{Column: "m", Field: MatchEmail}, source.KindInteger, `the column "m" (integer) cannot match the customer email (an email): cast it in the model's SQL`},
	} {
		spec := Spec{Object: Customers, Mode: Update, Match: c.match, Mappings: []Mapping{{Field: "notes", Column: "n"}}}
		got := problems(t, Check(spec, columns("m:"+string(c.kind), "n"), testStore))
		if c.want == "" && got != nil || c.want != "" && (len(got) != 1 || got[0] != c.want) {
			t.Errorf("match %s on a %s column: %q, want %q", c.match.Field, c.kind, got, c.want)
		}
	}
}
