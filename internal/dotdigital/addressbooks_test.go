package dotdigital

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

func TestAddressBooks(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Lists: 3}})
	ctx := ctxT(t)
	books := must[[]AddressBook](t)(b.client.AddressBooks(ctx))
	if len(books) != 4 || books[0].Name != "Test" || books[1].Name != "Newsletter" {
		t.Fatalf("books = %+v", books)
	}
	created := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "  Store subscribers "))
	if created.ID == 0 || created.Name != "Store subscribers" || created.Visibility != "Private" {
		t.Fatalf("created %+v", created)
	}
	got := must[AddressBook](t)(b.client.AddressBook(ctx, created.ID))
	if got != created {
		t.Fatalf("got %+v", got)
	}
	if _, err := b.client.AddressBook(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing book: %v", err)
	}

	// Names: unique case-insensitively (the API says so), reserved and at most 128 characters (the client
	// says so before sending).
	calls := len(b.calls.all())
	for _, tt := range []struct {
		name string
		want error
		sent bool
	}{
		{"store SUBSCRIBERS", ErrDuplicate, true},
		{"Newsletter", ErrDuplicate, true},
		{"test", ErrDuplicate, false},
		{"All Contacts", ErrDuplicate, false},
		{strings.Repeat("n", 129), ErrInvalid, false},
		{"   ", ErrInvalid, false},
	} {
		before := len(b.calls.all())
		_, err := b.client.CreateAddressBook(ctx, tt.name)
		if !errors.Is(err, tt.want) {
			t.Errorf("CreateAddressBook(%.20q) = %v, want %v", tt.name, err, tt.want)
		}
		if sent := len(b.calls.all()) > before; sent != tt.sent {
			t.Errorf("CreateAddressBook(%.20q) sent a request: %v", tt.name, sent)
		}
	}
	_ = calls
	if _, err := b.client.CreateAddressBook(ctx, strings.Repeat("n", 128)); err != nil {
		t.Fatalf("128 characters: %v", err)
	}

	// Ensure finds an existing list whatever its case, or creates it once.
	e, made := must2(t)(b.client.EnsureAddressBook(ctx, "STORE subscribers"))
	if made || e.ID != created.ID {
		t.Fatalf("ensure existing: %+v %v", e, made)
	}
	e, made = must2(t)(b.client.EnsureAddressBook(ctx, "Store customers"))
	if !made || e.ID == 0 {
		t.Fatalf("ensure missing: %+v %v", e, made)
	}
}

func must2(t *testing.T) func(AddressBook, bool, error) (AddressBook, bool) {
	return func(b AddressBook, ok bool, err error) (AddressBook, bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b, ok
	}
}

// Lists page with select ≤ 1000: the client reads every page.
func TestAddressBooksArePaged(t *testing.T) {
	b := setup(t, ddemu.Config{Data: ddemu.DataSizes{Lists: 1100}})
	ctx := ctxT(t)
	books := must[[]AddressBook](t)(b.client.AddressBooks(ctx))
	if len(books) != 1101 {
		t.Fatalf("%d books", len(books))
	}
	if n := b.calls.count("GET", "/v2/address-books"); n != 2 {
		t.Fatalf("%d pages", n)
	}
	page := must[[]AddressBook](t)(b.client.AddressBooksPage(ctx, 1000, 5000)) // select clamped to 1000
	if len(page) != 101 || page[0].Name != fmt.Sprintf("List %03d", 1000) {
		t.Fatalf("page = %d, first %+v", len(page), page[0])
	}
}

// Removing contacts from a list is not an unsubscribe: they stay subscribed and appear in no
// unsubscribed-since answer.
func TestRemovingContactsFromAListKeepsThemSubscribed(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	book := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Store subscribers"))
	since := b.emuNow(t)
	var ids []int64
	for _, email := range []string{"ann@example.com", "ben@example.com"} {
		d, _, err := b.client.UpsertContact(ctx, Contact{Email: email, Lists: []int{book.ID}}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ContactID)
	}
	if err := b.client.RemoveContactsFromAddressBook(ctx, book.ID, ids[:1]); err != nil {
		t.Fatal(err)
	}
	ann := must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ann@example.com"))
	if ann.Status != "subscribed" || ann.EmailStatus != "subscribed" || len(ann.Lists) != 0 {
		t.Fatalf("ann = %+v", ann)
	}
	if got := must[AddressBook](t)(b.client.AddressBook(ctx, book.ID)); got.Contacts != 1 {
		t.Fatalf("list has %d contacts", got.Contacts)
	}
	for name, page := range map[string]func() ([]Suppression, error){
		"account": func() ([]Suppression, error) { return b.client.UnsubscribedSincePage(ctx, since, 0, 1000) },
		"list": func() ([]Suppression, error) {
			return b.client.AddressBookUnsubscribedSincePage(ctx, book.ID, since, 0, 1000)
		},
		"all": func() ([]Suppression, error) { return b.client.SuppressedSincePage(ctx, since, 0, 1000) },
	} {
		if s := must[[]Suppression](t)(page()); len(s) != 0 {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if err := b.client.RemoveContactsFromAddressBook(ctx, 999999, ids); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing list: %v", err)
	}
}
