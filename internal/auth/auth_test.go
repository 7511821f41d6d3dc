package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

func TestMain(m *testing.M) {
	hashCost = bcrypt.MinCost // the checks, not bcrypt's work, are under test here
	os.Exit(m.Run())
}

func newService(t *testing.T) *Service {
	t.Helper()
	return New(storetest.Open(t, store.SQLite))
}

func TestSignInOpensASessionAndSignOutEndsIt(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	if _, err := a.CreateAdmin(ctx, "Admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	token, ad, err := a.SignIn(ctx, "admin", "correct horse battery", Client{Addr: "192.0.2.1", UserAgent: "test"})
	if err != nil || ad.Username != "admin" {
		t.Fatalf("sign in: %v", err)
	}
	if got, err := a.Session(ctx, token); err != nil || got.ID != ad.ID {
		t.Fatalf("session: %+v, %v", got, err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, token); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("signed out, still in: %v", err)
	}
}

func TestAWrongPasswordAndAnUnknownNameGetTheSameAnswer(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	a.CreateAdmin(ctx, "admin", "correct horse battery")
	_, _, wrong := a.SignIn(ctx, "admin", "wrong password!", home)
	_, _, unknown := a.SignIn(ctx, "nobody", "correct horse battery", home)
	if !errors.Is(wrong, ErrBadCredentials) || !errors.Is(unknown, ErrBadCredentials) {
		t.Fatalf("wrong password: %v; unknown name: %v", wrong, unknown)
	}
}

// Addresses of the tests' sign-ins (documentation ranges).
var (
	home     = Client{Addr: "192.0.2.1"}
	attacker = Client{Addr: "198.51.100.7"}
)

func TestRepeatedFailuresLockAnAccountForAMinuteFromThatAddressOnly(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	now := time.Now()
	a.now = func() time.Time { return now }
	a.CreateAdmin(ctx, "admin", "correct horse battery")
	for range pairFailures {
		a.SignIn(ctx, "admin", "guess", attacker)
	}
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", attacker); !errors.Is(err, ErrThrottled) {
		t.Fatalf("the right password from the failing address during its lockout: %v", err)
	}
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", home); err != nil {
		t.Fatalf("the right password from an address that has not failed: %v", err)
	}
	now = now.Add(pairLockout)
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", attacker); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

// Wrong passwords on ever new names from one address fill its bucket: it is refused whatever the
// name, without a bcrypt check, until the failures drain; other addresses are not refused.
func TestAnAddressGuessingAcrossNamesIsRefusedUntilItsFailuresDrain(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	now := time.Now()
	a.now = func() time.Time { return now }
	a.CreateAdmin(ctx, "admin", "correct horse battery")
	for i := range addrBurst {
		if _, _, err := a.SignIn(ctx, fmt.Sprintf("name-%d", i), "guess", attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	start := time.Now()
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", attacker); !errors.Is(err, ErrThrottled) {
		t.Fatalf("the address's bucket is full: %v", err)
	}
	if took := time.Since(start); took > 20*time.Millisecond {
		t.Errorf("a refusal took %v: it should not check a password", took)
	}
	// An IPv4 address's neighbour, and an IPv6 address of another /64, are other addresses.
	for _, from := range []Client{home, {Addr: "198.51.100.8"}} {
		if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", from); err != nil {
			t.Fatalf("from %s: %v", from.Addr, err)
		}
	}
	now = now.Add(addrDrain)
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", attacker); err != nil {
		t.Fatalf("after one failure drained: %v", err)
	}
}

// An IPv6 attacker does not get a fresh address at each guess: its /64 is throttled as one.
func TestIPv6AddressesAreThrottledByTheirSlash64(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	for i := range addrBurst {
		a.SignIn(ctx, "nobody", "guess", Client{Addr: fmt.Sprintf("2001:db8:1:2::%x", i+1)})
	}
	if _, _, err := a.SignIn(ctx, "nobody", "guess", Client{Addr: "2001:db8:1:2:ffff::1"}); !errors.Is(err, ErrThrottled) {
		t.Fatalf("another address of the same /64: %v", err)
	}
	if _, _, err := a.SignIn(ctx, "nobody", "guess", Client{Addr: "2001:db8:1:3::1"}); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("an address of another /64: %v", err)
	}
}

// Concurrent sign-ins from one address check their passwords one at a time: the bcrypt work an address
// causes is one core at most.
func TestAnAddressChecksOnePasswordAtATime(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	var mu sync.Mutex
	inFlight, most := 0, 0
	check := a.throttle
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			done, err := check.begin(ctx, fmt.Sprint("name-", i), attacker.Addr)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			done(ErrBadCredentials)
		})
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d checks from one address at once", most)
	}
}

func TestShortPasswordsAreRefused(t *testing.T) {
	a := newService(t)
	if _, err := a.CreateAdmin(context.Background(), "admin", "short"); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Fatalf("short password: %v", err)
	}
}

func TestEnsureAdminCreatesOnlyTheFirstAccount(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	if made, err := a.EnsureAdmin(ctx, "admin", "first password"); !made || err != nil {
		t.Fatalf("first start: %v, %v", made, err)
	}
	if made, err := a.EnsureAdmin(ctx, "admin", "another password"); made || err != nil {
		t.Fatalf("second start: %v, %v", made, err)
	}
	if _, _, err := a.SignIn(ctx, "admin", "first password", home); err != nil {
		t.Fatalf("the first password was replaced: %v", err)
	}
}

func TestAPITokensAuthenticateUntilRevoked(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	ad, _ := a.CreateAdmin(ctx, "admin", "correct horse battery")
	token, rec, err := a.CreateAPIToken(ctx, ad.ID, "deploy")
	if err != nil || !strings.HasPrefix(token, "bcs_") || !strings.HasPrefix(token, rec.Hint) {
		t.Fatalf("token %q (%+v): %v", token, rec, err)
	}
	if rec.TokenHash == token || strings.Contains(rec.TokenHash, token[4:]) {
		t.Fatal("the token is stored in the clear")
	}
	if got, err := a.TokenAdmin(ctx, token); err != nil || got.ID != ad.ID {
		t.Fatalf("token admin: %v", err)
	}
	if _, err := a.TokenAdmin(ctx, token+"x"); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("a wrong token: %v", err)
	}
	a.store.DeleteAPIToken(ctx, ad.ID, rec.ID)
	if _, err := a.TokenAdmin(ctx, token); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("a revoked token: %v", err)
	}
}

func TestCSRFTokensAreBoundToTheirSession(t *testing.T) {
	one, two := CSRFToken("session-one"), CSRFToken("session-two")
	if !ValidCSRF("session-one", one) || ValidCSRF("session-two", one) || one == two {
		t.Fatal("a CSRF token is valid for another session")
	}
	if ValidCSRF("", "") || ValidCSRF("session-one", "") {
		t.Fatal("an empty CSRF token passed")
	}
}

// Changing one's password needs the current one, whose wrong guesses are throttled as sign-ins are;
// API tokens survive the change unless the caller revokes them.
func TestChangingThePasswordNeedsTheCurrentOneAndRevokesTokensWhenAsked(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	ad, _ := a.CreateAdmin(ctx, "admin", "correct horse battery")
	token, _, _ := a.CreateAPIToken(ctx, ad.ID, "deploy")
	if _, err := a.ChangePassword(ctx, ad, "a wrong guess", "a new password!", true, home); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a wrong current password: %v", err)
	}
	if _, err := a.ChangePassword(ctx, ad, "correct horse battery", "short", true, home); err == nil {
		t.Fatal("a short new password was taken")
	}
	if n, err := a.ChangePassword(ctx, ad, "correct horse battery", "a new password!", false, home); err != nil || n != 0 {
		t.Fatalf("change keeping tokens: %d, %v", n, err)
	}
	if _, err := a.TokenAdmin(ctx, token); err != nil {
		t.Fatalf("the token stopped working: %v", err)
	}
	if n, err := a.ChangePassword(ctx, ad, "a new password!", "another new one", true, home); err != nil || n != 1 {
		t.Fatalf("change revoking tokens: %d, %v", n, err)
	}
	if _, err := a.TokenAdmin(ctx, token); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("a revoked token: %v", err)
	}
	for range pairFailures {
		a.ChangePassword(ctx, ad, "a wrong guess", "whatever it is", false, attacker)
	}
	if _, err := a.ChangePassword(ctx, ad, "another new one", "yet another one", false, attacker); !errors.Is(err, ErrThrottled) {
		t.Fatalf("guesses of the current password are not throttled: %v", err)
	}
}
