package dotdigital

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/emulator/dotdigital/ddspec"
)

func TestAccountInfoDiscoversTheRegion(t *testing.T) {
	b := setup(t, ddemu.Config{})
	ctx := ctxT(t)
	a, err := b.client.AccountInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.APIEndpoint != b.url || a.Name == "" || a.Properties["ApiEndpoint"] != b.url+"/" {
		t.Fatalf("account = %+v", a)
	}
}

// An account outside r1: the client starts on r1, learns the regional endpoint, and every later call goes
// there; the r1 endpoint refuses everything but account-info.
func TestCallsGoToTheAccountsRegion(t *testing.T) {
	emu, err := ddemu.New(ddemu.Config{Region: "r2", Data: ddemu.DataSizes{Lists: 2}})
	if err != nil {
		t.Fatal(err)
	}
	r1 := httptest.NewServer(emu.Handler())
	r2 := httptest.NewServer(emu.RegionHandler())
	t.Cleanup(func() { r1.Close(); r2.Close(); emu.Close() })
	emu.SetRegionEndpoint(r2.URL)
	check := ddspec.New(t)
	rec := &recorder{}
	c, err := New(Config{Credentials: Credentials{emu.Username(), emu.Password()}, Endpoint: r1.URL,
		HTTPClient: &http.Client{Transport: check.Transport(nil)}, Observer: rec, Retry: fastRetries})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	books, err := c.AddressBooks(ctx) // discovers the region first
	if err != nil || len(books) != 3 {
		t.Fatalf("books = %v, %v", books, err)
	}
	calls := rec.all()
	if len(calls) != 2 || !strings.HasPrefix(calls[0].URL, r1.URL+"/v2/account-info") || !strings.HasPrefix(calls[1].URL, r2.URL+"/v2/address-books") {
		for _, c := range calls {
			t.Log(c.URL)
		}
		t.Fatal("calls did not follow the region")
	}
	if check.Checked() == 0 {
		t.Fatal("nothing checked")
	}

	// A client pointed at r1 for everything (as one would be if ApiEndpoint were ignored) is refused.
	wrong, _ := New(Config{Credentials: Credentials{emu.Username(), emu.Password()}, Endpoint: r1.URL,
		HTTPClient: &http.Client{Transport: check.Transport(nil)}, Retry: fastRetries})
	wrong.base = r1.URL
	_, err = wrong.AddressBooks(ctx)
	if !errors.Is(err, ErrWrongRegion) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrWrongRegion", err)
	}
}

func TestWrongCredentialsAndWrongRegionAreDistinct(t *testing.T) {
	b := setup(t, ddemu.Config{}, func(c *Config) { c.Password = "not-the-password" })
	_, err := b.client.AccountInfo(ctxT(t))
	if !errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrWrongRegion) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "401") {
		t.Fatalf("the error should say what happened: %v", err)
	}
	if _, err := b.client.DataFields(ctxT(t)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a call before discovery reports the discovery's error: %v", err)
	}
}

func TestNewRequiresCredentialsAndAnHTTPEndpoint(t *testing.T) {
	for _, cfg := range []Config{{}, {Credentials: Credentials{"u", ""}}, {Credentials: Credentials{"u", "p"}, Endpoint: "ftp://x"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := New(Config{Credentials: Credentials{"u", "p"}})
	if err != nil || c.r1 != DefaultEndpoint || c.cfg.Timeout != 121*time.Second || cap(c.contactSlots) != 25 || cap(c.insightSlots) != 5 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
}

// Every exchange reaches the Observer with method, path, status, duration and redacted headers and
// bodies; the password never does.
func TestObserverSeesEveryCallRedacted(t *testing.T) {
	b := setup(t, ddemu.Config{Password: "s3cret-pass-99"})
	ctx := ctxT(t)
	if _, err := b.client.EnsureDataFields(ctx, []DataField{{Name: "NOTE", Type: FieldString, DefaultValue: "s3cret-pass-99"}}); err != nil {
		t.Fatal(err)
	}
	calls := b.calls.all()
	if len(calls) < 3 {
		t.Fatalf("%d calls", len(calls))
	}
	for _, c := range calls {
		if c.API != "dotdigital" || c.Method == "" || c.Path == "" || c.Status == 0 || c.Duration <= 0 {
			t.Errorf("call = %+v", c)
		}
		all := c.URL + string(c.RequestBody) + string(c.ResponseBody) + strings.Join(c.RequestHeader.Values("Authorization"), "")
		if strings.Contains(all, "s3cret-pass-99") {
			t.Errorf("the password leaked into %s %s", c.Method, c.Path)
		}
		if got := c.RequestHeader.Get("Authorization"); got != "[REDACTED]" {
			t.Errorf("Authorization = %q", got)
		}
	}
	if c := calls[len(calls)-1]; c.Method != "POST" || c.Path != "/v2/data-fields" || c.Status != 201 || !strings.Contains(string(c.RequestBody), `"NOTE"`) {
		t.Errorf("last call = %s %s %d %s", c.Method, c.Path, c.Status, c.RequestBody)
	}
}

func TestErrorsOfBothDialects(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   string
		is     []error
	}{
		{400, `{"message":"Field already exists. ERROR_NON_UNIQUE_DATAFIELD"}`, "ERROR_NON_UNIQUE_DATAFIELD", []error{ErrDuplicate, ErrInvalid}},
		{422, `{"message":"Error: ERROR_PROGRAM_NOT_ACTIVE"}`, "ERROR_PROGRAM_NOT_ACTIVE", []error{ErrProgramNotActive}},
		{400, `{"message":"You have exceeded the limit. ERROR_ENROLMENT_ALLOWANCE_EXCEEDED"}`, "ERROR_ENROLMENT_ALLOWANCE_EXCEEDED", []error{ErrEnrolmentAllowanceExceeded}},
		{404, `{"message":"Error: ERROR_ADDRESSBOOK_NOT_FOUND"}`, "ERROR_ADDRESSBOOK_NOT_FOUND", []error{ErrNotFound}},
		{400, `{"message":"Error: ERROR_CONTACT_NOT_FOUND"}`, "ERROR_CONTACT_NOT_FOUND", []error{ErrNotFound, ErrInvalid}},
		{429, `{"errorCode":"contacts:tooManyActiveImports","description":"Too many"}`, "contacts:tooManyActiveImports", []error{ErrTooManyActiveImports}},
		{429, `{"errorCode":"insightData:tooManyActiveImports","description":"Too many"}`, "insightData:tooManyActiveImports", []error{ErrTooManyActiveImports}},
		{404, `{"errorCode":"contacts:contactNotFound","description":"Not found","details":[{"item":"a@b.c","description":"Not found using the identifier 'email'"}]}`, "contacts:contactNotFound", []error{ErrNotFound}},
		{409, `{"errorCode":"contacts:idAlreadyExists","description":"exists"}`, "contacts:idAlreadyExists", []error{ErrDuplicate}},
		{401, `{"message":"Authorization has been denied for this request."}`, "", []error{ErrUnauthorized}},
		{403, `{"message":"Forbidden: Access is denied."}`, "", []error{ErrWrongRegion}},
		{413, `{"errorCode":"contacts:requestTooLarge","description":"big"}`, "contacts:requestTooLarge", []error{ErrRequestTooLarge}},
		{412, `{"errorCode":"insightData:collectionLimitExceeded","description":"1000"}`, "insightData:collectionLimitExceeded", []error{ErrCollectionLimit}},
		{503, `<html>Service Unavailable</html>`, "", []error{ErrServer}},
	}
	all := []error{ErrUnauthorized, ErrWrongRegion, ErrNotFound, ErrDuplicate, ErrTooManyActiveImports, ErrRateLimited,
		ErrProgramNotActive, ErrEnrolmentAllowanceExceeded, ErrRequestTooLarge, ErrCollectionLimit, ErrServer}
	for _, tt := range tests {
		e := parseError(tt.status, "POST", "/x", []byte(tt.body), RateLimit{})
		if e.Code != tt.code || e.Message == "" {
			t.Errorf("%s: code %q message %q", tt.body, e.Code, e.Message)
		}
		for _, s := range all {
			want := false
			for _, w := range tt.is {
				want = want || w == s
			}
			if errors.Is(e, s) != want {
				t.Errorf("%d %s: errors.Is(%v) = %v", tt.status, tt.body, s, !want)
			}
		}
	}
	e := parseError(404, "GET", "/contacts/v3/email/a@b.c", []byte(tests[7].body), RateLimit{})
	if len(e.Details) != 1 || !strings.Contains(e.Error(), "a@b.c") || !strings.Contains(e.Error(), "GET /contacts/v3/email/a@b.c") {
		t.Errorf("details: %v", e)
	}
}

func TestRateLimitResetIsReadLiberally(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		reset, retryAfter string
		want              time.Time
	}{
		{"17", "", now.Add(17 * time.Second)},                            // seconds until the reset (official SDK)
		{"2.5", "", now.Add(2500 * time.Millisecond)},                    // fractional seconds
		{"1767323105", "", time.Unix(1767323105, 0)},                     // Unix seconds
		{"1767323105123", "", time.UnixMilli(1767323105123)},             // Unix milliseconds
		{"Fri, 02 Jan 2026 03:05:00 GMT", "", now.Add(55 * time.Second)}, // HTTP date
		{"", "30", now.Add(30 * time.Second)},                            // Retry-After
		{"soon", "", time.Time{}},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set("X-RateLimit-Reset", tt.reset)
		h.Set("Retry-After", tt.retryAfter)
		h.Set("X-RateLimit-Limit", "150")
		h.Set("X-RateLimit-Scope", "Low")
		rl := parseRateLimit(h, now)
		if !rl.Reset.Equal(tt.want) || rl.Limit != 150 || rl.Scope != "Low" || !rl.Known() {
			t.Errorf("reset %q retry-after %q: %+v, want %v", tt.reset, tt.retryAfter, rl, tt.want)
		}
	}
}

// Rate limits: once an answer says a tier's budget is spent, the client's next call of that tier waits
// for the refill instead of being refused; a 429 all the same (another integration spent the budget)
// is waited out and retried, so every call succeeds; a window too long to wait for comes back as
// ErrRateLimited with RetryAfter.
func TestRateLimitedCallsWaitForTheWindow(t *testing.T) {
	b := setup(t, ddemu.Config{RateLimit: "high=3/1s"})
	ctx := ctxT(t)
	for i := range 8 {
		if _, err := b.client.DataFields(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	snap := b.emu.Stats().Snapshot()
	if snap.Statuses["429"] != 0 || snap.Requests["GET /v2/data-fields"] != 8 {
		t.Fatalf("the client did not keep inside the tier's budget: %+v", snap)
	}

	other, err := New(Config{Credentials: Credentials{b.emu.Username(), b.emu.Password()}, Endpoint: b.url, Retry: fastRetries})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := other.DataFields(ctx); err != nil {
			t.Fatalf("the other integration's call %d: %v", i, err)
		}
		if _, err := b.client.DataFields(ctx); err != nil {
			t.Fatalf("call %d beside another integration: %v", i, err)
		}
	}
	if snap := b.emu.Stats().Snapshot(); snap.Throttled == 0 || snap.Statuses["429"] == 0 {
		t.Fatalf("two integrations never met the quota: %+v", snap)
	}

	b2 := setup(t, ddemu.Config{RateLimit: "high=2/1m"}, func(c *Config) { c.Retry.MaxRateLimitWait = time.Second })
	if _, err := b2.client.DataFields(ctx); err != nil { // account-info and data-fields: the budget
		t.Fatal(err)
	}
	_, err = b2.client.DataFields(ctx)
	var apiErr *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter() < 30*time.Second || apiErr.RateLimit.Scope != "High" {
		t.Fatalf("err = %v", err)
	}
}

// Injected 5xx, 429 without headers, dropped connections, truncated answers and hung requests are all
// retried with backoff; the outcome is as if nothing had gone wrong.
func TestTransientFaultsAreRetried(t *testing.T) {
	b := setup(t, ddemu.Config{Seed: 9, Faults: "500=0.15,503=0.05,429=0.05,reset=0.05,truncate=0.1,timeout=0.03", TimeoutHold: time.Second},
		func(c *Config) { c.Timeout = 300 * time.Millisecond; c.Retry.MaxRetries = 12 })
	ctx := ctxT(t)
	book, err := b.client.CreateAddressBook(ctx, "Store subscribers")
	if err != nil {
		t.Fatal(err)
	}
	imp := b.client.NewContactImporter(ctx, ContactImportOptions{MaxContacts: 20})
	for i := range 100 {
		if err := imp.Add(ctx, Contact{Email: emailN(i), Lists: []int{book.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := imp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := b.emu.ContactCount(); n != 100 {
		t.Fatalf("%d contacts", n)
	}
	books, err := b.client.AddressBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, bk := range books {
		if bk.ID == book.ID && bk.Contacts != 100 {
			t.Fatalf("list has %d contacts", bk.Contacts)
		}
	}
	if f := b.emu.Stats().Snapshot().Faults; len(f) < 4 {
		t.Fatalf("too few kinds of faults were injected to show anything: %v", f)
	}
}

// Consent records are appended, not upserted: an import carrying them whose answer is cut is reported
// as maybe applied, never sent twice. The same import without consent records is retried.
func TestImportsThatAppendAreNotSentTwice(t *testing.T) {
	for _, tc := range []struct {
		name    string
		consent bool
		sends   int
		err     error
	}{{"with consent records", true, 1, ErrMaybeApplied}, {"without", false, 2, nil}} {
		t.Run(tc.name, func(t *testing.T) {
			cut := true // the first import's answer is cut after Dotdigital took it
			b := setup(t, ddemu.Config{Seed: 3}, func(c *Config) {
				base := c.HTTPClient.Transport
				c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := base.RoundTrip(r)
					if err == nil && r.Method == "PUT" && r.URL.Path == "/contacts/v3/import" && cut {
						cut = false
						resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"import`), iotest.ErrReader(io.ErrUnexpectedEOF)))
					}
					return resp, err
				})}
			})
			ctx := ctxT(t)
			var got []ContactImportReport
			imp := b.client.NewContactImporter(ctx, ContactImportOptions{OnDone: func(r ContactImportReport) { got = append(got, r) }})
			ct := Contact{Email: "ann@example.com"}
			if tc.consent {
				ct.ConsentRecords = []ConsentRecord{{Text: "Subscribed to the newsletter", DateTimeConsented: time.Now().Add(-time.Hour),
					URL: "https://shop.example.com/", IPAddress: "192.0.2.1", UserAgent: "Mozilla/5.0"}}
			}
			if err := imp.Add(ctx, ct); err != nil {
				t.Fatal(err)
			}
			imp.Close(ctx)
			if len(got) != 1 || !errors.Is(got[0].Err, tc.err) && (tc.err != nil || got[0].Err != nil) {
				t.Fatalf("reports %+v", got)
			}
			if n := b.calls.count("PUT", "/contacts/v3/import"); n != tc.sends {
				t.Fatalf("the import was sent %d times, want %d", n, tc.sends)
			}
			// An import whose answer was cut is not waited for: the emulator may still be applying it.
			deadline := time.Now().Add(10 * time.Second)
			for {
				c, ok := b.emu.Contact("ann@example.com")
				if ok && (!tc.consent || c.Consent == 1) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("contact %+v", c)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
