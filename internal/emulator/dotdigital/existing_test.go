package dotdigital

import (
	"strings"
	"testing"
	"time"
)

// Contacts an account held before bcsync came are reported by the suppression calls with the date they
// left, and are members of their lists.
func TestExistingContactsKeepTheirHistory(t *testing.T) {
	b := setup(t, Config{Data: DataSizes{Lists: 2}})
	left := time.Now().UTC().Add(-3 * time.Minute).Truncate(time.Millisecond)
	err := b.srv.AddContacts(
		ExistingContact{Email: "Zoe.Mueller@example.com", FirstName: "Zoë", LastName: "Müller", Lists: []string{"newsletter"}, Status: "Unsubscribed", RemovedAt: left},
		ExistingContact{Email: "bounced@example.com", Status: "HardBounced", RemovedAt: left.Add(time.Minute)},
		ExistingContact{Email: "still@example.com", Lists: []string{"Customers"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	var removed []apiSuppression
	b.ok("GET", "/v2/contacts/suppressed-since/"+left.Add(-time.Second).Format(time.RFC3339), nil, 200, &removed)
	if len(removed) != 2 || removed[0].SuppressedContact.Email != "Zoe.Mueller@example.com" || removed[0].Reason != "Unsubscribed" ||
		removed[1].Reason != "HardBounced" {
		t.Fatalf("suppressed since: %+v", removed)
	}
	if removed[0].DateRemoved != fmtTime(left) {
		t.Fatalf("date removed %s, want %s", removed[0].DateRemoved, fmtTime(left))
	}
	c, ok := b.srv.Contact("zoe.mueller@example.com")
	if !ok || c.Status != "Unsubscribed" || len(c.Lists) != 1 || c.DataFields["FULLNAME"] != "Zoë Müller" {
		t.Fatalf("contact: %+v", c)
	}
	if c, _ := b.srv.Contact("still@example.com"); c.Status != "Subscribed" || len(c.Lists) != 1 {
		t.Fatalf("subscribed contact: %+v", c)
	}
}

// A batch with one bad contact adds none of them.
func TestExistingContactsAreAddedAllOrNothing(t *testing.T) {
	srv, err := New(Config{Data: DataSizes{Lists: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct {
		name string
		bad  ExistingContact
		want string
	}{
		{"unknown list", ExistingContact{Email: "b@example.com", Lists: []string{"Nope"}}, "no such list"},
		{"bad status", ExistingContact{Email: "b@example.com", Status: "Gone"}, "status"},
		{"bad email", ExistingContact{Email: "not-an-email"}, "not a valid email"},
		{"same email twice", ExistingContact{Email: "A@example.com"}, "holds a@example.com already"},
	} {
		before := srv.ContactCount()
		err := srv.AddContacts(ExistingContact{Email: "a@example.com"}, tc.bad)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
		if n := srv.ContactCount(); n != before {
			t.Errorf("%s: %d contacts added", tc.name, n-before)
		}
	}
}
