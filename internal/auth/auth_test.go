package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

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
	token, ad, err := a.SignIn(ctx, "admin", "correct horse battery", "test")
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
	_, _, wrong := a.SignIn(ctx, "admin", "wrong password!", "")
	_, _, unknown := a.SignIn(ctx, "nobody", "correct horse battery", "")
	if !errors.Is(wrong, ErrBadCredentials) || !errors.Is(unknown, ErrBadCredentials) {
		t.Fatalf("wrong password: %v; unknown name: %v", wrong, unknown)
	}
}

func TestRepeatedFailuresLockAnAccountForAMinute(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	now := time.Now()
	a.now = func() time.Time { return now }
	a.CreateAdmin(ctx, "admin", "correct horse battery")
	for range maxFailures {
		a.SignIn(ctx, "admin", "guess", "")
	}
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", ""); !errors.Is(err, ErrThrottled) {
		t.Fatalf("the right password during a lockout: %v", err)
	}
	now = now.Add(lockout)
	if _, _, err := a.SignIn(ctx, "admin", "correct horse battery", ""); err != nil {
		t.Fatalf("after the lockout: %v", err)
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
	if _, _, err := a.SignIn(ctx, "admin", "first password", ""); err != nil {
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
