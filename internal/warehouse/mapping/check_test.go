package mapping

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestObjectsModesAndMatchesAreValidatedInOneSentenceEach(t *testing.T) {
	if err := Object("contacts").Validate(); err == nil || err.Error() != `a sync writes customers or orders, not "contacts"` {
		t.Errorf("Validate(contacts) = %v", err)
	}
	for _, c := range []struct {
		object Object
		mode   Mode
		want   string
	}{
		{Customers, Insert, ""}, {Customers, Update, ""}, {Customers, Upsert, ""},
		{Orders, Insert, ""}, {Orders, Update, ""},
		{Orders, Upsert, `orders are written in the mode insert or update, not "upsert"`},
		{Customers, "merge", `customers are written in the mode insert, update or upsert, not "merge"`},
	} {
		err := ValidateMode(c.object, c.mode)
		if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
			t.Errorf("ValidateMode(%s, %s) = %v, want %q", c.object, c.mode, err, c.want)
		}
	}
	for _, c := range []struct {
		object Object
		mode   Mode
		match  Match
		want   string
	}{
		{Customers, Insert, Match{}, ""}, // insert mode needs no match: BigCommerce gives the ids
		{Customers, Insert, Match{Column: "e", Field: MatchEmail}, ""},
		{Orders, Insert, Match{Column: "order_id", Field: MatchID}, ""}, // accepted, and ignored
		{Customers, Update, Match{Column: "e", Field: MatchEmail}, ""},
		{Customers, Upsert, Match{Column: "i", Field: MatchID}, ""},
		{Orders, Update, Match{Column: "i", Field: MatchID}, ""},
		{Customers, Update, Match{}, `update mode needs the model's column that matches the BigCommerce id or email: --match COLUMN=id`},
		{Orders, Update, Match{}, `update mode needs the model's column that matches the BigCommerce id: --match COLUMN=id`},
		{Orders, Update, Match{Column: "e", Field: MatchEmail}, `orders are matched on their id, not "email"`},
		{Customers, Upsert, Match{Column: "p", Field: "phone"}, `customers are matched on their id or email, not "phone"`},
		{Customers, Upsert, Match{Field: MatchEmail}, `name the model's column that holds the BigCommerce email: --match COLUMN=email`},
	} {
		err := ValidateMatch(c.object, c.mode, c.match)
		if c.want == "" && err != nil || c.want != "" && (err == nil || err.Error() != c.want) {
			t.Errorf("ValidateMatch(%s, %s, %+v) = %v, want %q", c.object, c.mode, c.match, err, c.want)
		}
	}
}

func TestRequiredFieldsPerObjectAndMode(t *testing.T) {
	names := []Mapping{{Field: "first_name", Column: "c"}, {Field: "last_name", Column: "c"}}
	for _, c := range []struct {
		name string
		spec Spec
		want []string // the fields reported missing
	}{
		{"customer insert needs email, first and last name (customer_Post.required)",
			Spec{Object: Customers, Mode: Insert}, []string{"email", "first_name", "last_name"}},
		{"customer insert with an email match gets the email from the match column",
			Spec{Object: Customers, Mode: Insert, Match: Match{Column: "e", Field: MatchEmail}, Mappings: names}, nil},
		{"customer upsert by email: the email comes from the match",
			Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "e", Field: MatchEmail}, Mappings: names}, nil},
		{"customer upsert by id creates too: it needs the email mapped",
			Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "i", Field: MatchID}, Mappings: names}, []string{"email"}},
		{"customer update needs nothing but the match",
			Spec{Object: Customers, Mode: Update, Match: Match{Column: "i", Field: MatchID}}, nil},
		{"an address needs its first line, city, country code and names once any part is mapped",
			Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "e", Field: MatchEmail},
				Mappings: append(slices.Clone(names), Mapping{Field: "address.postal_code", Column: "c"})},
			[]string{"address.first_name", "address.last_name", "address.address1", "address.city", "address.country_code"}},
		{"order insert needs products and the billing address (createOrder, billingAddress_Base, Orders Overview)",
			Spec{Object: Orders, Mode: Insert},
			[]string{"products", "billing_address.first_name", "billing_address.last_name", "billing_address.street_1",
				"billing_address.city", "billing_address.state", "billing_address.zip", "billing_address.country",
				"billing_address.country_iso2", "billing_address.email"}},
		{"order insert with all of them", orderInsert(), nil},
		{"order update needs nothing but the match",
			Spec{Object: Orders, Mode: Update, Match: Match{Column: "i", Field: MatchID}}, nil},
	} {
		cols := columns("c", "e", "i:integer")
		if c.spec.Object == Orders {
			cols = orderColumns("c", "e", "i:integer")
		}
		err := Check(c.spec, cols, testStore)
		var got []string
		if err != nil {
			for _, p := range err.(*CheckError).Problems {
				if p.Mapping != InSync {
					t.Errorf("%s: an unexpected problem: %s", c.name, p.Message)
				}
				got = append(got, p.Field)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: missing %v, want %v (%v)", c.name, got, c.want, err)
		}
	}
	// The message says why.
	err := Check(Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "i", Field: MatchID}, Mappings: names}, columns("c", "i:integer"), testStore)
	if got := problems(t, err); !slices.Equal(got, []string{"a customer cannot be created without email, and upsert mode creates one for each row that matches none: map it"}) {
		t.Errorf("upsert by id without email: %q", got)
	}
	err = Check(Spec{Object: Orders, Mode: Insert, Mappings: []Mapping{}}, nil, testStore)
	if got := problems(t, err); got[0] != "an order cannot be created without products, and insert mode creates a record for every new row: map it" {
		t.Errorf("order insert without products: %q", got[0])
	}
}

func TestCheckListsEveryProblemWithTheMappingAtFault(t *testing.T) {
	spec := Spec{Object: Customers, Mode: Update, Match: Match{Column: "email", Field: MatchEmail}, Mappings: []Mapping{
		{Field: "notes", Column: "nots"},                                          // 0: unknown column
		{Field: "frist_name", Column: "fname"},                                    // 1: unknown field
		{Field: "company", Column: "fname"},                                       // 2
		{Field: "company", Constant: constant("Acme")},                            // 3: mapped twice
		{Field: "phone", Template: "{fname} {nickname}"},                          // 4: template naming an unknown column
		{Field: "store_credit", Constant: constant("12,5")},                       // 5: a constant that is no number
		{Field: "email", Column: "email"},                                         // 6: the match gives it
		{Field: "address.city", Column: "fname"},                                  // 7: create-only in update mode
		{Field: "last_name"},                                                      // 8: no source
		{Field: "attribute:Loyalty tier", Column: "fname", Template: "{x}"},       // 9: two sources
		{Field: "attribute:Shoe size", Template: "{fname}"},                       // 10: a template for a number
		{Field: "form_field:Birthday month", Template: "no column"},               // 11: a template naming no column
		{Field: "customer_group_id", Constant: constant("3"), SkipNulls: true},    // 12: skip NULLs on a constant
		{Field: "", Column: "fname"},                                              // 13: no field
		{Field: "metafield:crm.note", Template: "{fname"},                         // 14: a template that does not parse
		{Field: "accepts_product_review_abandoned_cart_emails", Column: "opt_in"}, // 15: text into a boolean
	}}
	cols := columns("email", "fname", "notes", "opt_in")
	err := Check(spec, cols, testStore)
	var ce *CheckError
	if e, ok := err.(*CheckError); ok {
		ce = e
	} else {
		t.Fatalf("Check = %v", err)
	}
	want := []Problem{
		{0, "notes", `the model has no column "nots": did you mean notes?`},
		{1, "frist_name", `customers have no field "frist_name": did you mean first_name?`},
		{3, "company", `company is mapped twice: from column fname and from the constant`},
		{4, "phone", `the model has no column "nickname"`},
		{5, "store_credit", `store_credit: the constant "12,5" is not a number`},
		{6, "email", `the email comes from the match column email: remove this mapping, or match on the id`},
		{7, "address.city", `address.city is written only when a customer is created, which update mode never does`},
		{8, "last_name", `map a column, a constant or a template to last_name`},
		{9, "attribute:Loyalty tier", `attribute:Loyalty tier is given more than one of a column, a constant and a template: keep one`},
		{10, "attribute:Shoe size", `a template gives text, and attribute:Shoe size takes a decimal: compute it in the model's SQL`},
		{11, "form_field:Birthday month", `the template of form_field:Birthday month names no column: use a constant`},
		{12, "customer_group_id", `a constant is never NULL: skip NULLs applies to columns and templates`},
		{13, "", `choose the field this mapping writes`},
		{14, "metafield:crm.note", `metafield:crm.note: the template has a { that is not closed: write {{ for a literal {`},
		{15, "accepts_product_review_abandoned_cart_emails", `the column "opt_in" (text) cannot be written to accepts_product_review_abandoned_cart_emails (true or false): cast it in the model's SQL`},
	}
	if !slices.Equal(ce.Problems, want) {
		for i := range max(len(want), len(ce.Problems)) {
			var g, w Problem
			if i < len(ce.Problems) {
				g = ce.Problems[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("problem %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}
	if got := ce.ForMapping(5); len(got) != 1 || got[0].Field != "store_credit" {
		t.Errorf("ForMapping(5) = %+v", got)
	}
	if !strings.HasPrefix(ce.Error(), "15 problems: the model has no column") {
		t.Errorf("Error() = %s", ce.Error())
	}
	// The problems are JSON for the UI, each beside its row.
	b, _ := json.Marshal(ce.Problems[0])
	if string(b) != `{"mapping":0,"field":"notes","message":"the model has no column \"nots\": did you mean notes?"}` {
		t.Errorf("JSON: %s", b)
	}
}

func TestCheckReportsTheSyncAndTheMatchApartFromTheMappings(t *testing.T) {
	err := Check(Spec{Object: Orders, Mode: Upsert, Match: Match{Column: "x", Field: MatchID}}, columns("id:integer"), testStore)
	if got := err.(*CheckError).Problems; len(got) != 1 || got[0].Mapping != InSync {
		t.Errorf("a bad mode: %+v", got)
	}
	err = Check(Spec{Object: Orders, Mode: Update, Match: Match{Column: "oid", Field: MatchID}}, columns("order_id:integer"), testStore)
	if got := err.(*CheckError).Problems; len(got) != 1 || got[0].Mapping != InMatch || got[0].Message != `the model has no column "oid"` {
		t.Errorf("an unknown match column: %+v", got)
	}
	err = Check(Spec{Object: Orders, Mode: Update, Match: Match{Column: "id", Field: MatchID}, Mappings: []Mapping{{Field: "staff_notes", Column: "note"}}},
		columns("id:integer", "note", "note:integer"), testStore)
	if got := problems(t, err); !slices.Equal(got, []string{`the model has 2 columns named "note": give them different names in the model's SQL`}) {
		t.Errorf("a column named twice: %q", got)
	}
	if err := Check(Spec{Object: "carts"}, nil, testStore); err == nil || err.Error() != `a sync writes customers or orders, not "carts"` {
		t.Errorf("an unknown object: %v", err)
	}
}

func TestConstantsAreConvertedToTheFieldsTypeWhenSaved(t *testing.T) {
	for _, c := range []struct {
		field, value string
		want         string // "" when accepted
	}{
		{"store_credit", "12.50", ""},
		{"store_credit", "12,50", `store_credit: the constant "12,50" is not a number`},
		{"store_credit", "-1", `store_credit: the constant "-1" is negative`},
		{"customer_group_id", "2", ""},
		{"customer_group_id", "2.5", `customer_group_id: the constant "2.5" is not a whole number`},
		{"customer_group_id", "3000000000", `customer_group_id: the constant "3000000000" is larger than 2147483647`},
		{"accepts_product_review_abandoned_cart_emails", "yes", ""},
		{"accepts_product_review_abandoned_cart_emails", "maybe", `accepts_product_review_abandoned_cart_emails: the constant "maybe" is not true or false`},
		{"attribute:Joined", "2024-05-14", ""},
		{"attribute:Joined", "14/05/2024", `attribute:Joined: the constant "14/05/2024" is not a date (YYYY-MM-DD)`},
		{"attribute:Shoe size", "38.5", ""},
		{"email", " Jane@Example.com ", ""},
		{"email", "jane", `email: the constant "jane" is not an email address`},
		{"first_name", "", `first_name: the constant "" is empty`},
		{"company", "", ""}, // an empty company is a company cleared
		{"phone", strings.Repeat("1", 51), `phone: the constant "` + strings.Repeat("1", 40) + `…" is longer than 50 characters`},
		{"address.address_type", "home", `address.address_type: the constant "home" is not residential or commercial`},
		{"address.country_code", "USA", `address.country_code: the constant "USA" is longer than 2 characters`},
		{"notes", "{not a template}", ""}, // a constant is taken as it is
	} {
		spec := customerSpec(Upsert, Mapping{Field: c.field, Constant: constant(c.value)})
		if strings.HasPrefix(c.field, "address.") {
			for _, part := range addressRequired {
				if part != c.field {
					spec.Mappings = append(spec.Mappings, Mapping{Field: part, Column: "fname"})
				}
			}
		}
		if c.field == "first_name" || c.field == "email" {
			spec.Match = Match{Column: "id", Field: MatchID}
			spec.Mappings = []Mapping{{Field: "last_name", Column: "lname"}, {Field: c.field, Constant: constant(c.value)}}
			if c.field == "first_name" {
				spec.Mappings = append(spec.Mappings, Mapping{Field: "email", Column: "email"})
			} else {
				spec.Mappings = append(spec.Mappings, Mapping{Field: "first_name", Column: "fname"})
			}
		}
		got := problems(t, Check(spec, columns("email", "fname", "lname", "id:integer"), testStore))
		if c.want == "" && got != nil || c.want != "" && !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s = %q: %q, want %q", c.field, c.value, got, c.want)
		}
	}
}

func TestStatusConstantsAreResolvedByNameOrIdAgainstTheStoresStatuses(t *testing.T) {
	for _, c := range []struct {
		value string
		id    int
		want  string
	}{
		{"Shipped", 2, ""},
		{"shipped ", 2, ""},
		{"11", 11, ""},
		{"Ready to pack", 11, ""}, // the store's label
		{"Awaiting Fulfillment", 11, ""},
		{"Shipd", 0, `status: the constant "Shipd" is not an order status of the store`},
		{"99", 0, `status: the constant "99" is not an order status of the store`},
		{"", 0, `status: the constant "" is not an order status`},
	} {
		spec := orderInsert(Mapping{Field: "status", Constant: constant(c.value)})
		c2, err := Compile(spec, orderColumns(), testStore)
		got := problems(t, err)
		if c.want == "" && got != nil || c.want != "" && !slices.Equal(got, []string{c.want}) {
			t.Errorf("status = %q: %q, want %q", c.value, got, c.want)
			continue
		}
		if c.want != "" {
			continue
		}
		v, err := c2.Apply(orderRow())
		if err != nil {
			t.Fatal(err)
		}
		in, _ := v.OrderCreate()
		if in.StatusID == nil || *in.StatusID != c.id {
			t.Errorf("status = %q: status_id %v, want %d", c.value, in.StatusID, c.id)
		}
	}
	// Without the store's statuses, a name is checked when the sync is compiled, not when it is saved.
	spec := orderInsert(Mapping{Field: "status", Constant: constant("Shipd")})
	if err := Check(spec, orderColumns(), Store{}); err != nil {
		t.Errorf("Check without statuses: %v", err)
	}
	_, err := Compile(spec, orderColumns(), Store{})
	if got := problems(t, err); !slices.Equal(got, []string{"the store's order statuses are needed to write status: they could not be read"}) {
		t.Errorf("Compile without statuses: %q", got)
	}
}

func TestTemplatesAreCheckedAgainstTheModel(t *testing.T) {
	for _, c := range []struct {
		field, template string
		want            string
	}{
		{"notes", "Tier {tier}, since {joined}", ""},
		{"notes", "{{literal}} and {tier}", ""},
		{"notes", "Tier {Tier}", `the model has no column "Tier": did you mean tier?`},
		{"notes", "Tier {tier} }", `notes: the template has a } that closes nothing: write }} for a literal }`},
		{"notes", "Tier {}", `notes: the template has {}, which names no column`},
		{"notes", "{{literal}}", `the template of notes names no column: use a constant`},
		{"email", "{handle}@example.com", ""},
		{"customer_group_id", "{tier}", `a template gives text, and customer_group_id takes a whole number: compute it in the model's SQL`},
		{"attribute:Joined", "{joined}", `a template gives text, and attribute:Joined takes a date: compute it in the model's SQL`},
	} {
		spec := customerSpec(Update, Mapping{Field: c.field, Template: c.template})
		spec.Match = Match{Column: "id", Field: MatchID}
		got := problems(t, Check(spec, columns("id:integer", "fname", "lname", "tier", "joined:date", "handle"), testStore))
		if c.want == "" && got != nil || c.want != "" && !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s = %q: %q, want %q", c.field, c.template, got, c.want)
		}
	}
}

func TestUnclearableListsTheMappedFieldsClearLeavesAlone(t *testing.T) {
	spec := customerSpec(Upsert,
		Mapping{Field: "company", Column: "c"}, Mapping{Field: "store_credit", Column: "c"},
		Mapping{Field: "accepts_product_review_abandoned_cart_emails", Column: "c"},
		Mapping{Field: "attribute:Shoe size", Column: "c"}, Mapping{Field: "address.city", Column: "c"})
	if got, want := Unclearable(spec, testStore), []string{"accepts_product_review_abandoned_cart_emails", "address.city", "first_name", "last_name", "store_credit"}; !slices.Equal(got, want) {
		t.Errorf("Unclearable = %v, want %v", got, want)
	}
	order := orderInsert(Mapping{Field: "staff_notes", Column: "n"}, Mapping{Field: "customer_message", Column: "n"}, Mapping{Field: "status", Column: "n"})
	got := Unclearable(order, testStore)
	if slices.Contains(got, "staff_notes") || slices.Contains(got, "customer_message") || !slices.Contains(got, "status") || !slices.Contains(got, "products") {
		t.Errorf("orders: Unclearable = %v", got)
	}
}
