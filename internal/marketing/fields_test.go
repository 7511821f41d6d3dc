package marketing

import (
	"errors"
	"testing"

	"github.com/bcsync/bcsync/internal/store"
)

var accountFields = []DataField{
	{"FIRSTNAME", String}, {"LASTNAME", String}, {"FULLNAME", String}, {"POSTCODE", String},
	{"TOTAL_SPEND", Numeric}, {"LAST_ORDER", Date}, {"VIP", Boolean}, {"NOTES", String},
}

func TestDefaultMappingsFitEveryAccount(t *testing.T) {
	if _, err := ResolveMappings(DefaultMappings, accountFields[:4]); err != nil {
		t.Fatal(err)
	}
}

func TestMappingTypesAreChecked(t *testing.T) {
	for _, tc := range []struct {
		source, field string
		ok            bool
	}{
		{"total_spend", "TOTAL_SPEND", true},
		{"total_spend", "NOTES", true},       // numbers can be written as text
		{"first_name", "TOTAL_SPEND", false}, // text cannot become a number
		{"last_order_date", "LAST_ORDER", true},
		{"notes", "LAST_ORDER", false},
		{"accepts_abandoned_cart_emails", "VIP", true},
		{"attribute:3", "NOTES", true},
		{"attribute:3", "TOTAL_SPEND", false},
		{"form_field:Favourite colour", "NOTES", true},
		{"shipping_postcode", "NOPE", false},
		{"no_such_field", "NOTES", false},
		{"attribute:x", "NOTES", false},
	} {
		_, err := ResolveMappings([]store.FieldMapping{{Source: tc.source, DataField: tc.field}}, accountFields)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.source, tc.field, err)
		}
		var me *MappingError
		if err != nil && !errors.As(err, &me) {
			t.Errorf("error is not a MappingError: %v", err)
		}
	}
}

func TestResolvedMappingsCarryTheAccountsSpellingAndType(t *testing.T) {
	got, err := ResolveMappings([]store.FieldMapping{{Source: "total_spend", DataField: "total_spend"}}, accountFields)
	if err != nil || len(got) != 1 || got[0].DataField != "TOTAL_SPEND" || got[0].DataFieldType != "Numeric" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestOneDataFieldHasOneSource(t *testing.T) {
	_, err := ResolveMappings([]store.FieldMapping{{Source: "first_name", DataField: "FIRSTNAME"}, {Source: "full_name", DataField: "firstname"}}, accountFields)
	if err == nil {
		t.Fatal("two sources for one data field were accepted")
	}
}

func TestApplyMappingChanges(t *testing.T) {
	got := ApplyMappingChanges(DefaultMappings, map[string]string{"total_spend": "TOTAL_SPEND", "first_name": "FULLNAME"}, []string{"full_name", "shipping_postcode"})
	want := []store.FieldMapping{{Source: "first_name", DataField: "FULLNAME"}, {Source: "last_name", DataField: "LASTNAME"}, {Source: "total_spend", DataField: "TOTAL_SPEND"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %+v", got)
		}
	}
}
