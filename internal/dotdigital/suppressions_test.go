package dotdigital

import (
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// emuNow is a time just before now, as the emulator dates things (millisecond precision).
func (b *bundle) emuNow(t *testing.T) time.Time {
	return time.Now().UTC().Add(-time.Second).Truncate(time.Second)
}

// A contact who unsubscribed stays unsubscribed when imported again as subscribed, and is reported as
// such; it is listed by unsubscribed-since and suppressed-since with its date and reason; only a
// resubscribe brings it back.
func TestUnsubscribedContactStaysUnsubscribed(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	since := b.emuNow(t)
	book := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Store subscribers"))
	importOne := func(ct Contact) ContactImportReport {
		t.Helper()
		var got reports[ContactImportReport]
		imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
		if err := imp.Add(ctx, ct); err != nil {
			t.Fatal(err)
		}
		if err := imp.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return got.list()[0]
	}
	importOne(Contact{Email: "ann@example.com", Lists: []int{book.ID}, EmailStatus: StatusSubscribed})
	s := must[Suppression](t)(b.client.Unsubscribe(ctx, "Ann@Example.com"))
	if s.Email != "ann@example.com" || s.Reason != "Unsubscribed" || s.DateRemoved.Before(since) {
		t.Fatalf("unsubscribe = %+v", s)
	}

	r := importOne(Contact{Email: "ann@example.com", Lists: []int{book.ID}, EmailStatus: StatusSubscribed, DataFields: map[string]any{"FIRSTNAME": "Ann"}})
	if r.Summary.GloballySuppressed != 1 || len(r.Updated) != 1 {
		t.Fatalf("re-import = %+v", r)
	}
	ann := must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ann@example.com"))
	if ann.Status != "unsubscribed" || ann.EmailStatus != "unsubscribed" || ann.DataFields["FIRSTNAME"] != "Ann" {
		t.Fatalf("ann = %+v", ann)
	}
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", EmailStatus: StatusSubscribed}, ""); err != nil {
		t.Fatal(err)
	}
	if ann = must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ann@example.com")); ann.Status != "unsubscribed" {
		t.Fatalf("an upsert resubscribed ann: %+v", ann)
	}

	var listed []Suppression
	for s, err := range b.client.UnsubscribedSince(ctx, since) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, s)
	}
	if len(listed) != 1 || listed[0].ContactID != ann.ContactID || listed[0].Reason != "Unsubscribed" || !listed[0].DateRemoved.Equal(s.DateRemoved) {
		t.Fatalf("unsubscribed-since = %+v (unsubscribed %v)", listed, s.DateRemoved)
	}
	if later := must[[]Suppression](t)(b.client.UnsubscribedSincePage(ctx, s.DateRemoved.Add(time.Second), 0, 10)); len(later) != 0 {
		t.Fatalf("unsubscribed after the date: %+v", later)
	}
	if inList := must[[]Suppression](t)(b.client.AddressBookUnsubscribedSincePage(ctx, book.ID, since, 0, 10)); len(inList) != 1 {
		t.Fatalf("list unsubscribed-since = %+v", inList)
	}

	// Resubscribing with a challenge leaves it pending; without one, subscribed; then it is listed no more.
	if st := must[string](t)(b.client.Resubscribe(ctx, "ann@example.com", ResubscribeOptions{})); st != ResubscribeChallenged {
		t.Fatalf("resubscribe = %s", st)
	}
	if st := must[string](t)(b.client.Resubscribe(ctx, "ann@example.com", ResubscribeOptions{NoChallenge: true})); st != ResubscribeAdded {
		t.Fatalf("resubscribe = %s", st)
	}
	if ann = must[ContactDetails](t)(b.client.ContactByEmail(ctx, "ann@example.com")); ann.Status != "subscribed" {
		t.Fatalf("ann = %+v", ann)
	}
	if left := must[[]Suppression](t)(b.client.UnsubscribedSincePage(ctx, since, 0, 10)); len(left) != 0 {
		t.Fatalf("still listed: %+v", left)
	}
}

// Suppressed contacts (bounces, complaints) are listed by suppressed-since with their reason, stay
// suppressed on import, and cannot be resubscribed. Pages are read to the end.
func TestSuppressedSinceListsEveryReasonPageByPage(t *testing.T) {
	b := setup(t, ddemu.Config{Seed: 5, Data: ddemu.DataSizes{Contacts: 3000, Unsubscribed: 1200, Suppressed: 900}})
	ctx := ctxT(t)
	since := time.Now().AddDate(0, 0, -31)
	reasons := map[string]int{}
	var last time.Time
	var bounced string
	for s, err := range b.client.SuppressedSince(ctx, since) {
		if err != nil {
			t.Fatal(err)
		}
		if s.DateRemoved.Before(last) {
			t.Fatal("not in date order")
		}
		last = s.DateRemoved
		reasons[s.Reason]++
		if s.Reason == "HardBounced" {
			bounced = s.Email
		}
	}
	if reasons["Unsubscribed"] != 1200 || reasons["HardBounced"]+reasons["Suppressed"]+reasons["IspComplained"] != 900 {
		t.Fatalf("reasons %v", reasons)
	}
	if n := b.calls.count("GET", "/v2/contacts/suppressed-since/"+sinceDate(since)); n != 3 {
		t.Fatalf("%d pages for 2100 removals", n)
	}
	unsub := 0
	for _, err := range b.client.UnsubscribedSince(ctx, since) {
		if err != nil {
			t.Fatal(err)
		}
		unsub++
	}
	if unsub != 1200 {
		t.Fatalf("%d unsubscribed", unsub)
	}
	if st := must[string](t)(b.client.Resubscribe(ctx, bounced, ResubscribeOptions{NoChallenge: true})); st != ResubscribeCannotUnsuppress {
		t.Fatalf("resubscribe a bounce = %s", st)
	}
	d, _, err := b.client.UpsertContact(ctx, Contact{Email: bounced, EmailStatus: StatusSubscribed}, "")
	if err != nil || d.Status != "suppressed" || d.EmailStatus != "hardBounced" {
		t.Fatalf("bounced after upsert: %+v %v", d, err)
	}
}

func TestUnsubscribeFromOneList(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	since := b.emuNow(t)
	news := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Newsletter"))
	vip := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "VIP"))
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "ann@example.com", Lists: []int{news.ID, vip.ID}}, ""); err != nil {
		t.Fatal(err)
	}
	s := must[Suppression](t)(b.client.UnsubscribeFromAddressBook(ctx, vip.ID, "ann@example.com"))
	if s.Reason != "Unsubscribed" || s.Status != "Subscribed" {
		t.Fatalf("unsubscribe from list = %+v", s)
	}
	if l := must[[]Suppression](t)(b.client.AddressBookUnsubscribedSincePage(ctx, vip.ID, since, 0, 10)); len(l) != 1 {
		t.Fatalf("vip unsubscribed-since = %+v", l)
	}
	if l := must[[]Suppression](t)(b.client.AddressBookUnsubscribedSincePage(ctx, news.ID, since, 0, 10)); len(l) != 0 {
		t.Fatalf("newsletter unsubscribed-since = %+v", l)
	}
	if l := must[[]Suppression](t)(b.client.UnsubscribedSincePage(ctx, since, 0, 10)); len(l) != 0 {
		t.Fatalf("account unsubscribed-since = %+v", l)
	}
}
