package mapping

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// applyOne maps one column value of the kind to a field of a customer update matched on the id (an
// order insert for order fields), and returns the field's display, or the row's problems.
func applyOne(t *testing.T, field string, kind source.Kind, value any) (string, []string) {
	t.Helper()
	var spec Spec
	var cols []source.Column
	var row []any
	if slices.ContainsFunc(orderFields, func(f Field) bool { return f.Key == field }) {
		spec, cols, row = orderInsert(Mapping{Field: field, Column: "c"}), orderColumns("c:"+string(kind)), orderRow(value)
		if field == "products" {
			spec, cols, row = orderInsert(), orderColumns(), orderRow()
			row[len(row)-1] = value
			cols[len(cols)-1].Kind = kind
		}
	} else {
		spec = Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{{Field: field, Column: "c"}}}
		cols, row = columns("id:integer", "c:"+string(kind)), []any{int64(7), value}
	}
	c := mustCompile(t, spec, cols)
	v, err := c.Apply(row)
	if err != nil {
		return "", rowProblems(t, err)
	}
	x, ok := v.Get(field)
	if !ok {
		t.Fatalf("%s: no value", field)
	}
	return FormatValue(x.Field.Type, x.V), nil
}

func TestApplyConvertsEachKindToTheFieldsType(t *testing.T) {
	day := time.Date(2024, 5, 14, 0, 0, 0, 0, time.UTC)
	moment := time.Date(2024, 5, 14, 23, 30, 0, 0, time.FixedZone("", -5*3600)) // 2024-05-15 04:30 UTC
	for _, c := range []struct {
		field string
		kind  source.Kind
		value any
		want  string
	}{
		// text takes every kind, printed as the database would.
		{"notes", source.KindText, "Hello", "Hello"},
		{"notes", source.KindInteger, int64(42), "42"},
		{"notes", source.KindDecimal, source.Decimal("12.50"), "12.50"},
		{"notes", source.KindFloat, 0.1, "0.1"},
		{"notes", source.KindBoolean, true, "true"},
		{"notes", source.KindDate, day, "2024-05-14"},
		{"notes", source.KindTimestamp, moment, "2024-05-15T04:30:00Z"},
		{"notes", source.KindJSON, json.RawMessage(`{"a":1}`), `{"a":1}`},
		{"notes", source.KindBytes, []byte("plain"), "plain"},
		{"notes", source.KindInteger, source.Unparsed("12 Main St"), "12 Main St"}, // a text field takes the raw text
		{"email", source.KindText, "  Jane.Doe@Example.com ", "Jane.Doe@Example.com"},
		{"customer_group_id", source.KindInteger, int64(3), "3"},
		{"customer_group_id", source.KindUnknown, "4", "4"},
		{"customer_group_id", source.KindUnknown, 5.0, "5"},
		{"store_credit", source.KindInteger, int64(10), "10"},
		{"store_credit", source.KindDecimal, source.Decimal("12.50"), "12.5"},
		{"store_credit", source.KindFloat, 0.1, "0.1"}, // the float's shortest text: no 0.1000000000000000055
		{"store_credit", source.KindUnknown, " 7.25 ", "7.25"},
		{"attribute:Shoe size", source.KindFloat, -38.5, "-38.5"}, // a number attribute may be negative
		{"accepts_product_review_abandoned_cart_emails", source.KindBoolean, false, "false"},
		{"accepts_product_review_abandoned_cart_emails", source.KindInteger, int64(1), "true"}, // MySQL's BOOLEAN
		{"accepts_product_review_abandoned_cart_emails", source.KindUnknown, "yes", "true"},
		{"attribute:Joined", source.KindDate, day, "2024-05-14"},
		{"attribute:Joined", source.KindTimestamp, moment, "2024-05-15"}, // the UTC date
		{"attribute:Joined", source.KindUnknown, "2024-05-14", "2024-05-14"},
		{"date_created", source.KindTimestamp, moment, "2024-05-15T04:30:00Z"},
		{"date_created", source.KindDate, day, "2024-05-14T00:00:00Z"},
		{"date_created", source.KindUnknown, "2024-05-14 09:30:00", "2024-05-14T09:30:00Z"},
		{"status", source.KindInteger, int64(2), "2"},
		{"status", source.KindText, "awaiting fulfillment", "11"},
		{"status", source.KindText, "Ready to pack", "11"},
		{"products", source.KindJSON, json.RawMessage(`[{"product_id":12,"variant_id":34,"quantity":2}]`), `[{"product_id":12,"variant_id":34,"quantity":2}]`},
		{"products", source.KindText, `[{"name":"Mug","quantity":1,"price_ex_tax":"45.00","price_inc_tax":49.5}]`,
			`[{"name":"Mug","quantity":1,"price_ex_tax":45,"price_inc_tax":49.5}]`},
	} {
		got, probs := applyOne(t, c.field, c.kind, c.value)
		if probs != nil || got != c.want {
			t.Errorf("%s ← %s %#v: %q %q, want %q", c.field, c.kind, c.value, got, probs, c.want)
		}
	}
}

func TestApplyRefusesValuesThatCannotBeWrittenNamingTheColumnAndTheField(t *testing.T) {
	for _, c := range []struct {
		field string
		kind  source.Kind
		value any
		want  string
	}{
		{"store_credit", source.KindDecimal, source.Unparsed("12,5"), `store_credit: "12,5" in column c is not a number`},
		{"store_credit", source.KindDecimal, source.Decimal("-3"), `store_credit: "-3" in column c is negative`},
		{"store_credit", source.KindFloat, math.NaN(), `store_credit: "NaN" in column c is not a finite number`},
		{"store_credit", source.KindUnknown, "ten", `store_credit: "ten" in column c is not a number`},
		{"customer_group_id", source.KindInteger, int64(-1), `customer_group_id: "-1" in column c is negative`},
		{"customer_group_id", source.KindInteger, source.Unparsed("n/a"), `customer_group_id: "n/a" in column c is not a number`},
		{"customer_group_id", source.KindUnknown, 2.5, `customer_group_id: "2.5" in column c is not a whole number`},
		{"accepts_product_review_abandoned_cart_emails", source.KindInteger, int64(2), `accepts_product_review_abandoned_cart_emails: "2" in column c is not true or false (1 or 0)`},
		{"accepts_product_review_abandoned_cart_emails", source.KindBoolean, source.Unparsed("maybe"), `accepts_product_review_abandoned_cart_emails: "maybe" in column c is not true or false`},
		{"attribute:Joined", source.KindDate, source.Unparsed("14/05/2024"), `attribute:Joined: "14/05/2024" in column c is not a date`},
		{"attribute:Joined", source.KindUnknown, "soon", `attribute:Joined: "soon" in column c is not a date (YYYY-MM-DD)`},
		{"email", source.KindText, "jane@", `email: "jane@" in column c is not an email address`},
		{"email", source.KindText, "Jane <jane@example.com>", `email: "Jane <jane@example.com>" in column c is not an email address`},
		{"email", source.KindText, "jane@localhost", `email: "jane@localhost" in column c is not an email address`},
		{"phone", source.KindText, strings.Repeat("9", 51), `phone: "` + strings.Repeat("9", 40) + `…" in column c is longer than 50 characters`},
		{"first_name", source.KindText, "", `first_name: "" in column c is empty`},
		{"notes", source.KindBytes, []byte{0xff, 0xfe}, `notes: in column c, the value is binary data, not text`},
		{"notes", source.KindFloat, math.Inf(1), `notes: "+Inf" in column c is not a finite number`},
		{"status", source.KindText, "Shipd", `status: "Shipd" in column c is not an order status of the store`},
		{"status", source.KindInteger, int64(42), `status: "42" in column c is not an order status of the store`},
		{"products", source.KindJSON, json.RawMessage(`{"product_id":1}`), `products: in column lines, the JSON is not an array of product lines`},
		{"products", source.KindText, `[{"product_id":12,"quantity":"1"}]`, `products: in column lines, line 1 has quantity "1", not a whole number`},
	} {
		got, probs := applyOne(t, c.field, c.kind, c.value)
		if len(probs) != 1 || probs[0] != c.want {
			t.Errorf("%s ← %s %#v: %q %q, want %q", c.field, c.kind, c.value, got, probs, c.want)
		}
	}
}

func TestApplyReportsEveryProblemOfTheRow(t *testing.T) {
	spec := customerSpec(Upsert, Mapping{Field: "store_credit", Column: "points"}, Mapping{Field: "phone", Column: "phone"})
	c := mustCompile(t, spec, columns("email", "fname", "lname", "points:decimal", "phone"))
	_, err := c.Apply([]any{"not-an-email", "Jane", nil, source.Unparsed("12,5"), "555"})
	var re *RowError
	if !errors.As(err, &re) {
		t.Fatalf("Apply = %v", err)
	}
	want := []ValueProblem{
		{Field: "match", Column: "email", Message: `match: "not-an-email" in column email is not an email address`},
		{Field: "store_credit", Column: "points", Message: `store_credit: "12,5" in column points is not a number`},
		{Field: "last_name", Column: "lname", Message: `last_name: column lname is NULL, and a customer cannot be created without it`},
	}
	if !slices.Equal(re.Problems, want) {
		t.Errorf("problems:\n%+v\nwant\n%+v", re.Problems, want)
	}
	if _, err := c.Apply([]any{"a@b.co"}); err == nil || err.Error() != "mapping: the row has 1 values, the model 5 columns" {
		t.Errorf("a short row: %v", err)
	}
}

func TestNullClearsOnUpdateIsLeftOutOnCreateAndSkipNullsLeavesTheFieldAlone(t *testing.T) {
	cols := columns("id:integer", "email", "fname", "lname", "company", "credit:decimal", "tier")
	maps := func(skip bool) []Mapping {
		return []Mapping{{Field: "email", Column: "email"}, {Field: "first_name", Column: "fname"}, {Field: "last_name", Column: "lname"},
			{Field: "company", Column: "company", SkipNulls: skip}, {Field: "attribute:Loyalty tier", Column: "tier", SkipNulls: skip}}
	}
	row := []any{int64(7), "jane@example.com", "Jane", "Doe", nil, nil, nil}

	// Update: NULL clears a clearable field.
	up := mustCompile(t, Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: maps(false)}, cols)
	v, err := up.Apply(row)
	if err != nil {
		t.Fatal(err)
	}
	if x, ok := v.Get("company"); !ok || x.V != nil {
		t.Errorf("company: %+v %v, want NULL", x, ok)
	}
	in, err := v.CustomerUpdate(7)
	if err != nil || in.Company == nil || *in.Company != "" {
		t.Errorf("CustomerUpdate: company %v, %v; want \"\"", in.Company, err)
	}
	if got := v.Display(); got["company"] != Null || got["attribute:Loyalty tier"] != Null {
		t.Errorf("Display: %v", got)
	}

	// Skip NULLs: the field is not among the values, nothing is sent for it.
	skip := mustCompile(t, Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: maps(true)}, cols)
	v, err = skip.Apply(row)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Get("company"); ok {
		t.Error("company is among the values though its NULL is skipped")
	}
	if in, _ := v.CustomerUpdate(7); in.Company != nil {
		t.Errorf("CustomerUpdate sends company %q", *in.Company)
	}
	if _, ok := v.Display()["company"]; ok || v.Len() != 3 {
		t.Errorf("Display %v, Len %d", v.Display(), v.Len())
	}

	// Create: NULL is left out.
	ins := mustCompile(t, Spec{Object: Customers, Mode: Insert, Mappings: maps(false)}, cols)
	v, err = ins.Apply(row)
	if err != nil {
		t.Fatal(err)
	}
	created, err := v.CustomerCreate()
	if err != nil || created.Company != nil || created.Attributes != nil {
		t.Errorf("CustomerCreate: %+v, %v", created, err)
	}

	// A NULL that cannot clear its field invalidates an update, unless skipped.
	credit := func(skip bool) Spec {
		return Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID},
			Mappings: []Mapping{{Field: "store_credit", Column: "credit", SkipNulls: skip}, {Field: "first_name", Column: "company", SkipNulls: skip}}}
	}
	_, err = mustCompile(t, credit(false), cols).Apply(row)
	want := []string{
		"first_name: column company is NULL, and first_name cannot be cleared: skip NULLs to leave it as it is",
		"store_credit: column credit is NULL, and store_credit cannot be cleared: skip NULLs to leave it as it is",
	}
	if got := rowProblems(t, err); !slices.Equal(got, want) {
		t.Errorf("unclearable NULLs: %q", got)
	}
	if _, err := mustCompile(t, credit(true), cols).Apply(row); err != nil {
		t.Errorf("unclearable NULLs skipped: %v", err)
	}

	// A NULL in a field a customer needs invalidates an insert, skipped or not.
	for _, skip := range []bool{false, true} {
		spec := Spec{Object: Customers, Mode: Insert, Mappings: []Mapping{{Field: "email", Column: "email"},
			{Field: "first_name", Column: "company", SkipNulls: skip}, {Field: "last_name", Column: "lname"}}}
		_, err := mustCompile(t, spec, cols).Apply(row)
		if got := rowProblems(t, err); !slices.Equal(got, []string{"first_name: column company is NULL, and a customer cannot be created without it"}) {
			t.Errorf("skip %v: %q", skip, got)
		}
	}
}

func TestUpsertLeavesToTheBuildersWhatOnlyTheRecordsExistenceDecides(t *testing.T) {
	spec := customerSpec(Upsert, Mapping{Field: "store_credit", Column: "credit"}, Mapping{Field: "address.city", Column: "city"},
		Mapping{Field: "address.first_name", Column: "a_first"}, Mapping{Field: "address.last_name", Column: "a_last"},
		Mapping{Field: "address.address1", Column: "street"}, Mapping{Field: "address.country_code", Column: "country"})
	c := mustCompile(t, spec, columns("email", "fname", "lname", "credit:decimal", "city", "street", "country", "a_first", "a_last"))
	v, err := c.Apply([]any{"jane@example.com", "Jane", "Doe", nil, nil, "1 Main St", "US", "Jane", "Doe"})
	if err != nil {
		t.Fatalf("Apply: %v", err) // the row may update an existing customer: nothing is wrong yet
	}
	_, err = v.CustomerCreate()
	if got := rowProblems(t, err); !slices.Equal(got, []string{"address.city: column city is NULL, and an address needs it once any part is given"}) {
		t.Errorf("CustomerCreate: %q", got)
	}
	_, err = v.CustomerUpdate(9)
	if got := rowProblems(t, err); !slices.Equal(got, []string{"store_credit: column credit is NULL, and store_credit cannot be cleared: skip NULLs to leave it as it is"}) {
		t.Errorf("CustomerUpdate: %q", got)
	}
	// No address part at all: no address, and nothing is missing.
	v, err = c.Apply([]any{"jane@example.com", "Jane", "Doe", source.Decimal("5"), nil, nil, nil, nil, nil})
	if err != nil {
		t.Fatal(err)
	}
	in, err := v.CustomerCreate()
	if err != nil || len(in.Addresses) != 0 {
		t.Errorf("CustomerCreate without an address: %+v, %v", in.Addresses, err)
	}
}

func TestTemplatesRenderTheirColumnsAndANullMakesThemNull(t *testing.T) {
	cols := columns("id:integer", "tier", "joined:date", "points:decimal", "handle")
	spec := func(skip bool) Spec {
		return Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{
			{Field: "notes", Template: "Tier {tier} since {joined}: {points} points {{not a column}}", SkipNulls: skip},
			{Field: "email", Template: "{handle}@example.com"},
		}}
	}
	c := mustCompile(t, spec(false), cols)
	day := time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC)
	v, err := c.Apply([]any{int64(1), "Gold", day, source.Decimal("120.50"), "jane"})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Display(); got["notes"] != "Tier Gold since 2021-03-04: 120.50 points {not a column}" || got["email"] != "jane@example.com" {
		t.Errorf("Display: %v", got)
	}
	v, err = c.Apply([]any{int64(1), nil, day, source.Decimal("1"), "jane"})
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := v.Get("notes"); x.V != nil || x.NullFrom != "the template's column tier" {
		t.Errorf("a NULL column: %+v", x)
	}
	v, err = mustCompile(t, spec(true), cols).Apply([]any{int64(1), nil, day, source.Decimal("1"), "jane"})
	if _, ok := v.Get("notes"); ok || err != nil {
		t.Errorf("a NULL column, NULLs skipped: %v", err)
	}
	_, err = c.Apply([]any{int64(1), "Gold", day, source.Decimal("1"), "jane doe"})
	if got := rowProblems(t, err); !slices.Equal(got, []string{`email: the template's text "jane doe@example.com" is not an email address`}) {
		t.Errorf("a template giving no email: %q", got)
	}
	_, err = c.Apply([]any{int64(1), []byte{0xff}, day, source.Decimal("1"), "jane"})
	if got := rowProblems(t, err); !slices.Equal(got, []string{`notes: in column tier, the value is binary data, not text`}) {
		t.Errorf("binary data in a template: %q", got)
	}
}

func TestMetafieldsTakeAnEmptyTextForNull(t *testing.T) {
	spec := Spec{Object: Customers, Mode: Update, Match: Match{Column: "id", Field: MatchID},
		Mappings: []Mapping{{Field: "metafield:crm.segment", Column: "seg"}}}
	v, err := mustCompile(t, spec, columns("id:integer", "seg")).Apply([]any{int64(1), ""})
	if err != nil {
		t.Fatal(err)
	}
	if x, ok := v.Get("metafield:crm.segment"); !ok || x.V != nil {
		t.Errorf("an empty metafield: %+v", x)
	}
}

func TestTheMatchValueIsNormalised(t *testing.T) {
	emails := mustCompile(t, customerSpec(Upsert), columns("email", "fname", "lname"))
	for _, c := range []struct {
		value any
		want  Key
		err   string
	}{
		{"  Jane.Doe@Example.COM ", Key{Field: MatchEmail, Email: "jane.doe@example.com"}, ""},
		{"jane", Key{}, `match: "jane" in column email is not an email address`},
		{nil, Key{}, "the match column is NULL: column email"},
	} {
		k, err := emails.Key([]any{c.value, "Jane", "Doe"})
		if c.err == "" && (err != nil || k != c.want) || c.err != "" && (err == nil || err.Error() != c.err) {
			t.Errorf("Key(%#v) = %+v, %v; want %+v, %s", c.value, k, err, c.want, c.err)
		}
	}
	if _, err := emails.Key([]any{nil, "Jane", "Doe"}); !errors.Is(err, ErrNullMatch) {
		t.Errorf("a NULL email is not ErrNullMatch: %v", err)
	}
	// The email a new customer is given keeps its case; the key is lower-cased.
	v, err := emails.Apply([]any{" Jane@Example.com", "Jane", "Doe"})
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := v.Key(); !ok || k.String() != "jane@example.com" {
		t.Errorf("Values.Key = %v %v", k, ok)
	}
	if in, _ := v.CustomerCreate(); in.Email != "Jane@Example.com" {
		t.Errorf("the new customer's email: %q", in.Email)
	}
	if in, _ := v.CustomerUpdate(3); in.Email != "" {
		t.Errorf("an update by email sends the email %q", in.Email)
	}

	ids := mustCompile(t, Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "id", Field: MatchID},
		Mappings: []Mapping{{Field: "email", Column: "email"}, {Field: "first_name", Column: "email"}, {Field: "last_name", Column: "email"}}},
		columns("id:unknown", "email"))
	for _, c := range []struct {
		value any
		want  int
		err   string
	}{
		{int64(42), 42, ""},
		{"42", 42, ""}, // a column of unknown kind
		{42.0, 42, ""},
		{int64(0), 0, `match: "0" in column id is not a BigCommerce id (a whole number from 1)`},
		{int64(-3), 0, `match: "-3" in column id is not a BigCommerce id (a whole number from 1)`},
		{int64(1) << 40, 0, `match: "1099511627776" in column id is not a BigCommerce id (a whole number from 1)`},
		{"C-42", 0, `match: "C-42" in column id is not a BigCommerce id (a whole number from 1)`},
		{4.5, 0, `match: "4.5" in column id is not a BigCommerce id (a whole number from 1)`},
	} {
		k, err := ids.Key([]any{c.value, "a@b.co"})
		if c.err == "" && (err != nil || k.ID != c.want) || c.err != "" && (err == nil || err.Error() != c.err) {
			t.Errorf("Key(%#v) = %+v, %v; want %d, %s", c.value, k, err, c.want, c.err)
		}
	}
	// An upsert by id whose id is NULL creates its customer: no key, no problem.
	v, err = ids.Apply([]any{nil, "jane@example.com"})
	if _, ok := v.Key(); ok || err != nil {
		t.Errorf("upsert by id, NULL id: %v", err)
	}
	// An update cannot.
	upd := mustCompile(t, Spec{Object: Orders, Mode: Update, Match: Match{Column: "id", Field: MatchID},
		Mappings: []Mapping{{Field: "staff_notes", Column: "n"}}}, columns("id:integer", "n"))
	_, err = upd.Apply([]any{nil, "x"})
	if got := rowProblems(t, err); !slices.Equal(got, []string{"match: the match column id is NULL: update mode needs the id of the order to change"}) {
		t.Errorf("update, NULL id: %q", got)
	}
	// Insert mode reads no key, even with an id match given.
	ins := mustCompile(t, orderInsert(), orderColumns())
	if _, err := ins.Key(orderRow()); err == nil {
		t.Error("Key in insert mode")
	}
	if v, err := ins.Apply(orderRow()); err != nil {
		t.Error(err)
	} else if _, ok := v.Key(); ok {
		t.Error("an insert has a key")
	}
}
