package dotdigital

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

func emailN(i int) string { return fmt.Sprintf("contact.%05d@example.com", i) }

func TestContactImportStreamsBatchesAndReportsEveryContact(t *testing.T) {
	b := setup(t, ddemu.Config{}, func(c *Config) { c.SpillThreshold = 512 })
	ctx := ctxT(t)
	book := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Store subscribers"))
	must[[]string](t)(b.client.EnsureDataFields(ctx, []DataField{{Name: "CUSTOMER_ID", Type: FieldNumeric}}))
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{MaxBytes: 4000, OnDone: got.add})
	consent := ConsentRecord{Text: "Yes to the newsletter", DateTimeConsented: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		URL: "https://shop.example.com/signup", IPAddress: "192.0.2.7", UserAgent: "Mozilla/5.0"}
	for i := range 60 {
		ct := Contact{Email: emailN(i), Lists: []int{book.ID}, EmailStatus: StatusSubscribed, OptInType: OptInSingle, EmailType: EmailHTML,
			DataFields: map[string]any{"FIRSTNAME": fmt.Sprint("N", i), "CUSTOMER_ID": i}, ConsentRecords: []ConsentRecord{consent}}
		if err := imp.Add(ctx, ct); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rs := got.list()
	if len(rs) < 3 {
		t.Fatalf("%d imports; 60 contacts of ~330 bytes in bodies of 4000 should make several", len(rs))
	}
	seen := map[string]int64{}
	var next int64
	slices.SortFunc(rs, func(a, b ContactImportReport) int { return int(a.First - b.First) })
	for _, r := range rs {
		if r.Err != nil || r.Status != "Finished" || r.Polls < 1 || r.First != next || r.Summary.NewContacts != r.Contacts {
			t.Fatalf("report %+v", r)
		}
		next += int64(r.Contacts)
		for _, c := range r.Created {
			seen[c.Email] = c.ContactID
		}
	}
	if len(seen) != 60 || next != 60 {
		t.Fatalf("created %d contacts in reports covering %d", len(seen), next)
	}
	// Every body was within MaxBytes, and the large ones were spilled and re-read, not held.
	for _, c := range b.calls.all() {
		if c.Method == "PUT" && c.Path == "/contacts/v3/import" && c.RequestSize > 4000 {
			t.Fatalf("an import body of %d bytes", c.RequestSize)
		}
	}
	v, ok := b.emu.Contact(strings.ToUpper(emailN(7)))
	if !ok || v.ID != int(seen[emailN(7)]) || v.DataFields["FIRSTNAME"] != "N7" || v.DataFields["CUSTOMER_ID"] != 7.0 || v.Consent != 1 ||
		len(v.Lists) != 1 || v.Lists[0].ID != book.ID || v.Status != "Subscribed" || v.OptInType != "Single" {
		t.Fatalf("contact = %+v", v)
	}
	// No temporary file is left behind.
	if left, _ := os.ReadDir(b.client.cfg.TempDir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// Re-importing contacts updates them with the same ids; contacts and parts of contacts the API refuses
// come back as failures with their identifiers and codes.
func TestContactImportReportsUpdatesAndFailures(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	book := must[AddressBook](t)(b.client.CreateAddressBook(ctx, "Customers"))
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	for _, ct := range []Contact{
		{Email: "ann@example.com", Lists: []int{book.ID}},
		{Email: "ben@example.com", Lists: []int{book.ID, 999999}},                  // an unknown list: imported, list refused
		{Email: "cat@example.com", DataFields: map[string]any{"NO_SUCH_FIELD": 1}}, // an unknown data field: refused
		{Email: "not-an-email@", Lists: []int{book.ID}},                            // refused
	} {
		if err := imp.Add(ctx, ct); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r := got.list()[0]
	if r.Summary.NewContacts != 2 || r.Summary.InvalidEntries != 2 || len(r.Created) != 2 || len(r.Failures) != 3 {
		t.Fatalf("report %+v", r)
	}
	codes := map[string]string{}
	for _, f := range r.Failures {
		codes[f.Email] = f.Failures[0].Code
	}
	if codes["ben@example.com"] != "InvalidAddressBookIds" || codes["cat@example.com"] != "ApiSchemaViolation" || codes["not-an-email@"] != "InvalidEmail" {
		t.Fatalf("failures %v", codes)
	}
	ann := r.Created[0]

	imp = b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: "ANN@example.com", DataFields: map[string]any{"FIRSTNAME": "Ann"}}))
	must[struct{}](t)(struct{}{}, imp.Close(ctx))
	r = got.list()[1]
	if len(r.Updated) != 1 || r.Updated[0].ContactID != ann.ContactID || r.Summary.UpdatedContacts != 1 {
		t.Fatalf("re-import %+v, first id %d", r, ann.ContactID)
	}
}

// The client refuses what Dotdigital would refuse in one contact: more than 100 lists, more than 5
// consent records, a consent record without all five of its fields (or with a relative URL or an IP
// that is not one); the emulator refuses them too (see the emulator's tests).
func TestContactImporterRefusesContactsOverTheLimits(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{})
	lists := make([]int, 101)
	cr := ConsentRecord{Text: "yes", DateTimeConsented: time.Now()}
	for _, ct := range []Contact{
		{Email: "a@example.com", Lists: lists},
		{Email: "b@example.com", ConsentRecords: []ConsentRecord{cr, cr, cr, cr, cr, cr}},
		{Email: ""},
		{Email: "c@example.com", ConsentRecords: []ConsentRecord{{Text: "no date"}}},
		{Email: "d@example.com", ConsentRecords: []ConsentRecord{{Text: "no user agent", DateTimeConsented: time.Now(), URL: "https://shop.example.com/", IPAddress: "192.0.2.1"}}},
		{Email: "e@example.com", ConsentRecords: []ConsentRecord{{Text: "relative", DateTimeConsented: time.Now(), URL: "/signup", IPAddress: "192.0.2.1", UserAgent: "Mozilla/5.0"}}},
		{Email: "f@example.com", ConsentRecords: []ConsentRecord{{Text: "bad IP", DateTimeConsented: time.Now(), URL: "https://shop.example.com/", IPAddress: "somewhere", UserAgent: "Mozilla/5.0"}}},
	} {
		err := imp.Add(ctx, ct)
		var re *RecordError
		if !errors.Is(err, ErrInvalidRecord) || !errors.As(err, &re) || re.Key != ct.Email {
			t.Errorf("Add(%s) = %v", ct.Email, err)
		}
	}
	if _, _, err := b.client.UpsertContact(ctx, Contact{Email: "a@example.com", Lists: lists}, ""); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("UpsertContact: %v", err)
	}
	imp.Close(ctx)
	b.client.DataFields(ctx) // one checked exchange at least
}

// The client never has more contact imports in flight than it is allowed; when Dotdigital still says
// there are too many (another integration holds slots), it waits and retries until a slot frees.
func TestContactImportsInFlightAreBounded(t *testing.T) {
	b := setup(t, ddemu.Config{ImportDelay: 250 * time.Millisecond, MaxContactImports: 2},
		func(c *Config) { c.MaxContactImports = 3 })
	ctx := ctxT(t)
	var inFlight, peak atomic.Int32
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{MaxContacts: 5, OnDone: func(r ContactImportReport) {
		got.add(r)
	}})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // watch the emulator's view of active imports
		defer close(done)
		for {
			n := int32(0)
			for _, i := range b.emu.Imports() {
				if i.Status == "NotFinished" {
					n++
				}
			}
			inFlight.Store(n)
			if n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	for i := range 40 {
		if err := imp.Add(ctx, Contact{Email: emailN(i)}); err != nil {
			t.Fatal(err)
		}
		if n := len(b.client.contactSlots); n > 3 {
			t.Fatalf("%d imports in flight", n)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
	if len(got.list()) != 8 || b.emu.ContactCount() != 40 {
		t.Fatalf("%d imports, %d contacts", len(got.list()), b.emu.ContactCount())
	}
	if peak.Load() > 2 {
		t.Fatalf("the emulator saw %d active imports", peak.Load())
	}
	if b.emu.Stats().Snapshot().Statuses["429"] == 0 {
		t.Fatal("the emulator never refused an import: the test shows nothing")
	}
}

// A key repeated within the body being built starts a new import, which waits for the first to finish:
// Dotdigital would report the second occurrence as a duplicate, and the two must apply in order.
func TestRepeatedContactGoesInOrder(t *testing.T) {
	b := setup(t, ddemu.Config{ImportDelay: 30 * time.Millisecond})
	ctx := ctxT(t)
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	for _, name := range []string{"First", "Second"} {
		if err := imp.Add(ctx, Contact{Email: "ann@example.com", DataFields: map[string]any{"FIRSTNAME": name}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(got.list()); n != 2 {
		t.Fatalf("%d imports", n)
	}
	if v, _ := b.emu.Contact("ann@example.com"); v.DataFields["FIRSTNAME"] != "Second" {
		t.Fatalf("FIRSTNAME = %v", v.DataFields["FIRSTNAME"])
	}
	for _, r := range got.list() {
		if r.Summary.DuplicateIdentifiers != 0 || len(r.Failures) != 0 {
			t.Fatalf("report %+v", r)
		}
	}
}

// An import that ends in a failed status is reported as such, with ErrImportFailed, and Close says so.
func TestFailedContactImportIsReported(t *testing.T) {
	b := setup(t, ddemu.Config{ImportFailures: 1})
	ctx := ctxT(t)
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: "ann@example.com"}))
	err := imp.Close(ctx)
	r := got.list()[0]
	var fe *ImportFailedError
	if !errors.Is(err, ErrImportFailed) || !errors.As(r.Err, &fe) || r.Status != "RejectedByWatchdog" || fe.ImportID != r.ImportID || r.Contacts != 1 {
		t.Fatalf("Close = %v, report %+v", err, r)
	}
}

// A body over the emulator's limit is refused with 413 and reported, not lost; a client sized below the
// limit never sends one.
func TestImportBodyLimit(t *testing.T) {
	b := setup(t, ddemu.Config{MaxBodyBytes: 3000})
	ctx := ctxT(t)
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{MaxBytes: 10_000, OnDone: got.add})
	for i := range 50 {
		must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: emailN(i)}))
	}
	if err := imp.Close(ctx); !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("Close = %v", err)
	}
	if r := got.list()[0]; !errors.Is(r.Err, ErrRequestTooLarge) || r.ImportID != "" {
		t.Fatalf("report %+v", r)
	}

	imp = b.client.NewContactImporter(ctx, ContactImportOptions{MaxBytes: 3000})
	for i := range 50 {
		must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: emailN(i)}))
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if b.emu.ContactCount() != 50 {
		t.Fatalf("%d contacts", b.emu.ContactCount())
	}
	big := Contact{Email: "big@example.com", DataFields: map[string]any{"FIRSTNAME": strings.Repeat("x", 4000)}}
	imp = b.client.NewContactImporter(ctx, ContactImportOptions{MaxBytes: 3000})
	if err := imp.Add(ctx, big); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("a record larger than an import: %v", err)
	}
	imp.Close(ctx)
}

// Flush sends what is queued at once (the webhook path: a few contacts, now) and the importer goes on.
func TestFlushSendsWithoutClosing(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: "ann@example.com"}))
	must[struct{}](t)(struct{}{}, imp.Flush(ctx))
	deadline := time.Now().Add(10 * time.Second)
	for len(got.list()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := b.emu.Contact("ann@example.com"); !ok || len(got.list()) != 1 {
		t.Fatal("the flushed import did not finish")
	}
	must[struct{}](t)(struct{}{}, imp.Add(ctx, Contact{Email: "ben@example.com"}))
	must[struct{}](t)(struct{}{}, imp.Close(ctx))
	if err := imp.Add(ctx, Contact{Email: "cat@example.com"}); !errors.Is(err, ErrImporterClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
	if r := got.list(); len(r) != 2 || r[1].First != 1 {
		t.Fatalf("reports %+v", r)
	}
}

// A body that cannot be written (no room for the temporary file) stops the importer with an error; the
// records of that body were never sent and never reported.
func TestSpillFailureStopsTheImporter(t *testing.T) {
	b := setup(t, ddemu.Config{}, func(c *Config) { c.TempDir = t.TempDir() + "/missing"; c.SpillThreshold = 100 })
	ctx := ctxT(t)
	var got reports[ContactImportReport]
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: got.add})
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		err = imp.Add(ctx, Contact{Email: emailN(i)})
	}
	if err == nil || !strings.Contains(err.Error(), "import body") {
		t.Fatalf("Add = %v", err)
	}
	if again := imp.Add(ctx, Contact{Email: "late@example.com"}); again == nil {
		t.Fatal("the importer took more records after failing")
	}
	if err := imp.Close(ctx); err == nil || len(got.list()) != 0 {
		t.Fatalf("Close = %v, reports %v", err, got.list())
	}
	b.client.DataFields(ctx)
}

// OnContacts hands the created and updated contacts over in chunks as the report is read, and the
// report then leaves them out: a report may name a whole import's contacts.
func TestContactsOfAReportCanBeTakenInChunks(t *testing.T) {
	b := setup(t, ddemu.Config{Seed: 4})
	ctx := ctxT(t)
	var mu sync.Mutex
	got := map[string]int64{}
	var done []ContactImportReport
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{
		OnContacts: func(refs []ContactRef) error {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range refs {
				got[r.Email] = r.ContactID
			}
			return nil
		},
		OnDone: func(r ContactImportReport) { done = append(done, r) },
	})
	for i := range 2500 {
		if err := imp.Add(ctx, Contact{Email: emailN(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2500 || len(done) != 1 || len(done[0].Created) != 0 || done[0].Summary.NewContacts != 2500 {
		t.Fatalf("%d contacts handed over; reports %+v", len(got), done)
	}
	for email, id := range got {
		if c, ok := b.emu.Contact(email); !ok || int64(c.ID) != id {
			t.Fatalf("%s: id %d, emulator %+v", email, id, c)
		}
	}
}
