package dotdigital

import (
	"errors"
	"strings"
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

func TestDataFields(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	fields := must[[]DataField](t)(b.client.DataFields(ctx))
	names := []string{}
	for _, f := range fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "FIRSTNAME,LASTNAME,FULLNAME,GENDER,POSTCODE" {
		t.Fatalf("default fields %v", names)
	}
	if err := b.client.CreateDataField(ctx, DataField{Name: "Loyalty-Points_2", Type: FieldNumeric, DefaultValue: 0}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		f    DataField
		want error
	}{
		{DataField{Name: "loyalty-points_2", Type: FieldNumeric}, ErrDuplicate}, // the API: ERROR_NON_UNIQUE_DATAFIELD
		{DataField{Name: "FIRSTNAME", Type: FieldString}, ErrDuplicate},
		{DataField{Name: "TWENTY_ONE_CHARACTERS", Type: FieldString}, ErrInvalid}, // the client, before sending
		{DataField{Name: "HAS SPACE", Type: FieldString}, ErrInvalid},
		{DataField{Name: "PRICE", Type: "Money"}, ErrInvalid},
	} {
		if err := b.client.CreateDataField(ctx, tt.f); !errors.Is(err, tt.want) {
			t.Errorf("CreateDataField(%+v) = %v, want %v", tt.f, err, tt.want)
		}
	}
	created := must[[]string](t)(b.client.EnsureDataFields(ctx, []DataField{
		{Name: "firstname", Type: FieldString}, {Name: "DOB", Type: FieldDate}, {Name: "VIP", Type: FieldBoolean},
	}))
	if strings.Join(created, ",") != "DOB,VIP" {
		t.Fatalf("created %v", created)
	}
}

func TestUpsertAndReadContacts(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	must[[]string](t)(b.client.EnsureDataFields(ctx, []DataField{{Name: "DOB", Type: FieldDate}, {Name: "POINTS", Type: FieldNumeric}}))
	book := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Store subscribers"))
	start := b.emuNow(t)
	dob := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	ct := Contact{Email: "Ann@Example.com", Lists: []int{book.ID}, EmailStatus: StatusSubscribed, OptInType: OptInDouble,
		EmailType: EmailPlainText, DataFields: map[string]any{"FIRSTNAME": "Ann", "DOB": dob, "POINTS": 12},
		ConsentRecords: []ConsentRecord{{Text: "Newsletter, please", DateTimeConsented: dob, URL: "https://shop.example.com/", IPAddress: "2001:db8::1", UserAgent: "curl/8"}}}
	d, created, err := b.client.UpsertContact(ctx, ct, "")
	if err != nil || !created {
		t.Fatalf("upsert: %v %v", created, err)
	}
	if d.ContactID == 0 || d.Email != "Ann@Example.com" || d.EmailType != "PlainText" || d.OptInType != "Double" || d.Status != "subscribed" ||
		d.DataFields["DOB"] != "1990-05-17T00:00:00Z" || d.DataFields["POINTS"] != 12.0 || len(d.Lists) != 1 || d.Lists[0].Name != "Store subscribers" ||
		len(d.ConsentRecords) != 1 || !d.ConsentRecords[0].DateTimeConsented.Equal(dob) || d.Created.Before(start) {
		t.Fatalf("contact = %+v", d)
	}
	// The same contact, found case-insensitively, keeps its id; merge options decide which fields change.
	d2, created, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", DataFields: map[string]any{"FIRSTNAME": "", "LASTNAME": "Lee"}}, MergeOverwriteIfNotEmpty)
	if err != nil || created || d2.ContactID != d.ContactID || d2.DataFields["FIRSTNAME"] != "Ann" || d2.DataFields["LASTNAME"] != "Lee" {
		t.Fatalf("second upsert: %+v %v %v", d2, created, err)
	}
	d3, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", DataFields: map[string]any{"LASTNAME": "Ng", "GENDER": "f"}}, MergeOverwriteIfEmpty)
	if err != nil || d3.DataFields["LASTNAME"] != "Lee" || d3.DataFields["GENDER"] != "f" {
		t.Fatalf("third upsert: %+v %v", d3, err)
	}
	d4, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", DataFields: map[string]any{"GENDER": nil}}, MergeOverwrite)
	if err != nil || d4.DataFields["GENDER"] != nil {
		t.Fatalf("a nil value clears: %+v %v", d4, err)
	}
	got := must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ANN@example.COM"))
	if got.ContactID != d.ContactID {
		t.Fatalf("by email: %+v", got)
	}
	if byID := must[ContactDetails](t)(b.client.ContactByID(ctx, d.ContactID)); byID.Email != got.Email {
		t.Fatalf("by id: %+v", byID)
	}
	if _, err := b.client.ContactByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing contact: %v", err)
	}
}

// Contacts modified since a time are read page by page (limit ≤ 5000, marker).
func TestContactsModifiedSince(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Contacts: 30, Lists: 1}})
	ctx := ctxT(t)
	since := b.emuNow(t) // the seeded contacts were last changed days ago
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{})
	for i := range 7 {
		must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: emailN(i), DataFields: map[string]any{"FIRSTNAME": "x"}}))
	}
	must[struct{}](t)(struct{}{}, imp.Close(ctx))
	var emails []string
	for c, err := range b.client.ContactsModifiedSince(ctx, since, ContactQuery{Limit: 3, DataFields: []string{"FIRSTNAME"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if c.DataFields["FIRSTNAME"] != "x" || c.EmailStatus != "subscribed" {
			t.Fatalf("contact %+v", c)
		}
		emails = append(emails, c.Email)
	}
	if len(emails) != 7 || emails[0] != emailN(0) || emails[6] != emailN(6) {
		t.Fatalf("modified since: %v", emails)
	}
	if n := b.calls.count("GET", "/contacts/v3"); n != 3 {
		t.Fatalf("%d pages of 3 for 7 contacts", n)
	}
	p := must[ContactPage](t)(b.client.ListContacts(ctx, ContactQuery{Limit: 100}))
	if len(p.Contacts) != 37 || p.Next != "" {
		t.Fatalf("all contacts: %d, next %q", len(p.Contacts), p.Next)
	}
}

func TestChangeContactEmail(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	ann, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", DataFields: map[string]any{"FIRSTNAME": "Ann"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "ben@example.com"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := b.client.ChangeContactEmail(ctx, ann.ContactID, "ann.lee@example.com"); err != nil {
		t.Fatal(err)
	}
	got := must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ann.lee@example.com"))
	if got.ContactID != ann.ContactID || got.DataFields["FIRSTNAME"] != "Ann" {
		t.Fatalf("renamed %+v", got)
	}
	if _, err := b.client.ContactByEmail(ctx, "ann@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old address: %v", err)
	}
	if err := b.client.ChangeContactEmail(ctx, ann.ContactID, "BEN@example.com"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("taken address: %v", err)
	}
	if err := b.client.ChangeContactEmail(ctx, 999999, "x@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown contact: %v", err)
	}
}
