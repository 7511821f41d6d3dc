package dotdigital

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSelect is the largest page of the v2 list calls.
const MaxSelect = 1000

// MaxAddressBookName is the longest address book name Dotdigital accepts.
const MaxAddressBookName = 128

// AddressBook is a Dotdigital list (address book).
type AddressBook struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	Visibility string `json:"visibility"` // Private or Public
	Contacts   int    `json:"contacts"`
}

// ValidateAddressBookName checks a new list's name as Dotdigital does, except uniqueness: 1 to 128
// characters, and not one of the reserved names "Test" and "All Contacts".
func ValidateAddressBookName(name string) error {
	n := strings.TrimSpace(name)
	if n == "" || utf8.RuneCountInString(n) > MaxAddressBookName {
		return fmt.Errorf("%w: a list name must have 1 to %d characters", ErrInvalid, MaxAddressBookName)
	}
	for _, reserved := range []string{"Test", "All Contacts"} {
		if strings.EqualFold(n, reserved) {
			return fmt.Errorf("%w: %q is a reserved list name", ErrDuplicate, reserved)
		}
	}
	return nil
}

// AddressBooksPage reads one page of lists (GET /v2/address-books); sel is at most MaxSelect.
func (c *Client) AddressBooksPage(ctx context.Context, skip, sel int) ([]AddressBook, error) {
	var out []AddressBook
	_, err := c.do(ctx, call{method: "GET", path: "/v2/address-books", query: paging(skip, sel), out: &out})
	return out, err
}

// AddressBooks reads every list.
func (c *Client) AddressBooks(ctx context.Context) ([]AddressBook, error) {
	return allPages(func(skip int) ([]AddressBook, error) { return c.AddressBooksPage(ctx, skip, MaxSelect) })
}

// AddressBook reads one list. A list that does not exist is ErrNotFound.
func (c *Client) AddressBook(ctx context.Context, id int) (AddressBook, error) {
	var out AddressBook
	_, err := c.do(ctx, call{method: "GET", path: pathf("/v2/address-books/%s", id), out: &out})
	return out, err
}

// CreateAddressBook creates a private list. A name that is taken (case-insensitively) or reserved is
// ErrDuplicate.
func (c *Client) CreateAddressBook(ctx context.Context, name string) (AddressBook, error) {
	if err := ValidateAddressBookName(name); err != nil {
		return AddressBook{}, err
	}
	name = strings.TrimSpace(name)
	var out AddressBook
	var retried bool
	_, err := c.do(ctx, call{method: "POST", path: "/v2/address-books", body: map[string]string{"name": name, "visibility": "Private"}, out: &out, retried: &retried})
	if errors.Is(err, ErrDuplicate) && retried {
		// The first attempt may have created it before its answer was lost.
		if b, ok, ferr := c.findAddressBook(ctx, name); ferr == nil && ok {
			return b, nil
		}
	}
	return out, err
}

// EnsureAddressBook returns the list of this name (case-insensitively), creating it when missing; it
// reports whether it created it.
func (c *Client) EnsureAddressBook(ctx context.Context, name string) (AddressBook, bool, error) {
	b, ok, err := c.findAddressBook(ctx, strings.TrimSpace(name))
	if err != nil || ok {
		return b, false, err
	}
	b, err = c.CreateAddressBook(ctx, name)
	if errors.Is(err, ErrDuplicate) {
		// Created meanwhile by someone else.
		if b, ok, ferr := c.findAddressBook(ctx, strings.TrimSpace(name)); ferr == nil && ok {
			return b, false, nil
		}
	}
	return b, err == nil, err
}

func (c *Client) findAddressBook(ctx context.Context, name string) (AddressBook, bool, error) {
	books, err := c.AddressBooks(ctx)
	if err != nil {
		return AddressBook{}, false, err
	}
	for _, b := range books {
		if strings.EqualFold(b.Name, name) {
			return b, true, nil
		}
	}
	return AddressBook{}, false, nil
}

// MaxRemoveContacts is how many contact ids RemoveContactsFromAddressBook sends per call.
const MaxRemoveContacts = 1000

// RemoveContactsFromAddressBook takes contacts out of a list (POST /v2/address-books/{id}/contacts/delete,
// which Dotdigital completes in the background). They stay subscribed to the account: removing a contact
// from a list is not an unsubscribe.
func (c *Client) RemoveContactsFromAddressBook(ctx context.Context, addressBookID int, contactIDs []int64) error {
	for start := 0; start < len(contactIDs); start += MaxRemoveContacts {
		chunk := contactIDs[start:min(len(contactIDs), start+MaxRemoveContacts)]
		if _, err := c.do(ctx, call{method: "POST", path: pathf("/v2/address-books/%s/contacts/delete", addressBookID), body: chunk}); err != nil {
			return err
		}
	}
	return nil
}

func paging(skip, sel int) url.Values {
	if sel <= 0 || sel > MaxSelect {
		sel = MaxSelect
	}
	return url.Values{"select": {strconv.Itoa(sel)}, "skip": {strconv.Itoa(max(skip, 0))}}
}

// allPages reads v2 pages of MaxSelect until a short one.
func allPages[T any](page func(skip int) ([]T, error)) ([]T, error) {
	var all []T
	for skip := 0; ; skip += MaxSelect {
		p, err := page(skip)
		if err != nil {
			return all, err
		}
		all = append(all, p...)
		if len(p) < MaxSelect {
			return all, nil
		}
	}
}
