package resource

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/store"
)

func TestErrorsBecomeProblemsAUserCanActOn(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
		field  string
	}{
		{&marketing.CredentialError{API: "BigCommerce", Err: bigcommerce.ErrUnauthorized}, 422, "bigcommerce_token_refused", FieldBigCommerceAccessToken},
		{&marketing.CredentialError{API: "BigCommerce", Err: fmt.Errorf("x: %w", bigcommerce.ErrStoreNotFound)}, 422, "bigcommerce_store_not_found", FieldBigCommerceAPIPath},
		{&marketing.CredentialError{API: "BigCommerce", Err: bigcommerce.ErrForbidden}, 422, "bigcommerce_scope_missing", FieldBigCommerceAccessToken},
		{&marketing.CredentialError{API: "Dotdigital", Err: dotdigital.ErrUnauthorized}, 422, "dotdigital_login_refused", FieldDotdigitalPassword},
		{&marketing.CredentialError{API: "Dotdigital", Err: dotdigital.ErrWrongRegion}, 422, "dotdigital_access_denied", FieldDotdigitalUsername},
		{marketing.ErrSameList, 422, "same_list", "customer_list"},
		{&marketing.MappingError{Source: "date_created", DataField: "VIP", Reason: "a Boolean field cannot hold Date values"}, 422, "invalid_mapping", "date_created"},
		{fmt.Errorf("enqueue: %w", jobs.ErrAlreadyQueued), 409, "already_queued", ""},
		{marketing.ErrDataSyncOff, 409, "data_sync_off", "data_sync"},
		{store.ErrNotFound, 404, "not_found", ""},
		{errors.New("disk I/O error at /var/lib/bcsync"), 500, "internal", ""},
	}
	for _, c := range cases {
		p := ProblemOf(c.err)
		if p.Status != c.status || p.Code != c.code || p.Field != c.field || p.Message == "" {
			t.Errorf("%v → %+v", c.err, p)
		}
	}
	if p := ProblemOf(errors.New("disk I/O error at /var/lib/bcsync")); p.Status != http.StatusInternalServerError || p.Message == "disk I/O error at /var/lib/bcsync" {
		t.Error("an internal error's text is shown to the user")
	}
	if p := ProblemOf(&marketing.MappingError{Source: "date_created", DataField: "VIP", Reason: "a Boolean field cannot hold Date values"}); p.Message != "Date created cannot be mapped to VIP: a Boolean field cannot hold Date values." {
		t.Errorf("mapping message = %q", p.Message)
	}
}

func TestAStreamsPaceGivesRateAndTimeLeft(t *testing.T) {
	now := time.Now()
	running := store.StreamCounts{Stream: "orders", State: "running", Read: 500, Total: 2000, StartedAt: now.Add(-10 * time.Second)}
	p := PaceOf(running, now)
	if p.Rate != 50 || p.Percent != 25 || p.Left != 30*time.Second {
		t.Fatalf("pace = %+v", p)
	}
	unknown := store.StreamCounts{Stream: "subscribers", State: "running", Read: 10, Total: -1, StartedAt: now.Add(-time.Second)}
	if p := PaceOf(unknown, now); p.Percent != -1 || p.Left != 0 || p.Rate != 10 {
		t.Fatalf("without a total: %+v", p)
	}
	done := store.StreamCounts{Stream: "products", State: "done", Read: 100, Total: -1, StartedAt: now.Add(-4 * time.Second), UpdatedAt: now.Add(-2 * time.Second)}
	if p := PaceOf(done, now); p.Percent != 100 || p.Rate != 50 {
		t.Fatalf("done: %+v", p)
	}
}

// A read's first burst is faster than the store's quota lets it go on: the time left is at the quota's
// pace, and known before the first record is read.
func TestTimeLeftAccountsForTheStoresRateLimit(t *testing.T) {
	now := time.Now()
	burst := store.StreamCounts{Stream: "customers", State: "running", Read: 1000, Total: 20000, MaxRate: 625, StartedAt: now.Add(-time.Second)}
	if p := PaceOf(burst, now); p.Rate != 1000 {
		t.Fatalf("burst: %+v", p)
	}
	if p := PaceOf(burst, now); p.Left != 30*time.Second {
		t.Fatalf("burst: left %s, want 30s at 625 records a second", p.Left)
	}
	slow := burst
	slow.StartedAt = now.Add(-10 * time.Second) // 100 a second: slower than the quota allows
	if p := PaceOf(slow, now); p.Left != 190*time.Second {
		t.Fatalf("slow: left %s, want 190s at the pace so far", p.Left)
	}
	starting := store.StreamCounts{Stream: "customers", State: "running", Total: 20000, MaxRate: 625, StartedAt: now}
	if p := PaceOf(starting, now); p.Percent != 0 || p.Left != 32*time.Second {
		t.Fatalf("before the first page: %+v", p)
	}
}
