package mapping

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

func TestCommandLineFlagsParseIntoAMatchAndMappings(t *testing.T) {
	match, maps, err := Flags{
		Match:     "customer_email = email",
		Map:       []string{"fname=first_name", "tier=attribute:Loyalty tier"},
		Constant:  []string{"external_source=M-MIG", "notes=a=b, c", "company="},
		Template:  []string{"phone=+1 {area}-{number}"},
		SkipNulls: []string{"phone", "first_name"},
	}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if match != (Match{Column: "customer_email", Field: "email"}) {
		t.Errorf("match %+v", match)
	}
	want := []Mapping{
		{Field: "first_name", Column: "fname", SkipNulls: true},
		{Field: "attribute:Loyalty tier", Column: "tier"},
		{Field: "external_source", Constant: constant("M-MIG")},
		{Field: "notes", Constant: constant("a=b, c")}, // everything after the first =, commas included
		{Field: "company", Constant: constant("")},     // an empty constant
		{Field: "phone", Template: "+1 {area}-{number}", SkipNulls: true},
	}
	if !reflect.DeepEqual(maps, want) {
		t.Errorf("mappings\n got %+v\nwant %+v", maps, want)
	}
	// Each mapping gives back its flags.
	var args []string
	for _, m := range maps {
		args = append(args, m.Args()...)
	}
	wantArgs := []string{"--map", "fname=first_name", "--skip-nulls", "first_name", "--map", "tier=attribute:Loyalty tier",
		"--map-constant", "external_source=M-MIG", "--map-constant", "notes=a=b, c", "--map-constant", "company=",
		"--map-template", "phone=+1 {area}-{number}", "--skip-nulls", "phone"}
	if !slices.Equal(args, wantArgs) {
		t.Errorf("Args\n got %q\nwant %q", args, wantArgs)
	}
}

func TestCommandLineFlagsReportEveryMistake(t *testing.T) {
	_, _, err := Flags{
		Match:     "email",
		Map:       []string{"points", "=store_credit"},
		Constant:  []string{"=x"},
		Template:  []string{"notes=Tier {tier", "notes="},
		SkipNulls: []string{"phone"},
	}.Parse()
	want := `--match takes COLUMN=FIELD (e.g. customer_email=email), not "email"
--map takes COLUMN=FIELD (e.g. points=store_credit), not "points"
--map takes COLUMN=FIELD (e.g. points=store_credit), not "=store_credit"
--map-constant takes FIELD=VALUE (e.g. external_source=M-MIG), not "=x"
--map-template notes: the template has a { that is not closed: write {{ for a literal {
--map-template takes FIELD=TEMPLATE (e.g. 'notes=Tier {tier}'), not "notes="
--skip-nulls phone: no --map or --map-template writes phone`
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant\n%s", err, want)
	}
}

func TestTemplateSyntax(t *testing.T) {
	for _, c := range []struct {
		template string
		want     []part
		err      string
	}{
		{"Tier {tier}", []part{{"Tier ", false}, {"tier", true}}, ""},
		{"{a}{b}", []part{{"a", true}, {"b", true}}, ""},
		{"{first name}", []part{{"first name", true}}, ""}, // a column name as it is, spaces included
		{"{{x}} {y}", []part{{"{x} ", false}, {"y", true}}, ""},
		{"{{{x}}}", []part{{"{", false}, {"x", true}, {"}", false}}, ""},
		{"no placeholder", []part{{"no placeholder", false}}, ""},
		{"{x", nil, "the template has a { that is not closed: write {{ for a literal {"},
		{"{x{y}", nil, "the template has a { that is not closed: write {{ for a literal {"},
		{"x}", nil, "the template has a } that closes nothing: write }} for a literal }"},
		{"{}", nil, "the template has {}, which names no column"},
	} {
		got, err := parseTemplate(c.template)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("parseTemplate(%q) = %v, want %s", c.template, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseTemplate(%q) = %v %v, want %v", c.template, got, err, c.want)
		}
	}
}

func TestMappingsAreStoredAsJSON(t *testing.T) {
	maps := []Mapping{
		{Field: "first_name", Column: "fname", SkipNulls: true},
		{Field: "company", Constant: constant("")},
		{Field: "notes", Template: "{a} {{b}}"},
	}
	b, err := json.Marshal(maps)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"field":"first_name","column":"fname","skip_nulls":true},{"field":"company","constant":""},{"field":"notes","template":"{a} {{b}}"}]`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	var back []Mapping
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, maps) {
		t.Errorf("round trip: %+v %v", back, err)
	}
	spec := Spec{Object: Customers, Mode: Upsert, Match: Match{Column: "e", Field: MatchEmail}, Mappings: maps[:1]}
	if got := jsonOf(t, spec); got != `{"object":"customers","mode":"upsert","match":{"column":"e","field":"email"},"mappings":[{"field":"first_name","column":"fname","skip_nulls":true}]}` {
		t.Errorf("Spec JSON: %s", got)
	}
}

func TestCatalogueFieldsAreJSONForTheUI(t *testing.T) {
	f, _ := Lookup(Customers, "phone", testStore)
	if got := jsonOf(t, f); got != `{"key":"phone","label":"Phone","group":"Customer","type":"text","origin":"native","clearable":true,"max_length":50}` {
		t.Errorf("phone: %s", got)
	}
	f, _ = Lookup(Customers, "attribute:Shoe size", testStore)
	if got := jsonOf(t, f); got != `{"key":"attribute:Shoe size","label":"Shoe size","group":"Attributes","type":"decimal","origin":"attribute","clearable":true,"name":"Shoe size","attribute_id":2}` {
		t.Errorf("an attribute: %s", got)
	}
}
