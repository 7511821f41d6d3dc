// Package auth decides who may use bcsync's web UI and JSON API: admin accounts with bcrypt
// passwords, browser sessions, CSRF tokens bound to a session, and API bearer tokens. Session and API
// tokens are random and stored only as SHA-256 digests.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bcsync/bcsync/internal/store"
)

var (
	// ErrBadCredentials refuses a sign-in; it never says which of name or password was wrong.
	ErrBadCredentials = errors.New("the username or password is not right")
	// ErrThrottled refuses a sign-in from an address after too many failures from it (see throttle.go).
	ErrThrottled = errors.New("too many failed sign-ins from this address: wait a minute and try again")
	// ErrNotSignedIn means a session or token is unknown, expired or revoked.
	ErrNotSignedIn = errors.New("not signed in")
	// ErrTokenName refuses an API token without a name (names tell tokens apart when revoking one).
	ErrTokenName = errors.New("an API token needs a name")
)

// PasswordError refuses a new password, saying why.
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string { return e.Reason }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 12 * time.Hour

// Service checks and issues credentials.
type Service struct {
	store    *store.Store
	now      func() time.Time
	throttle *throttle
}

// New builds the service.
func New(s *store.Store) *Service {
	a := &Service{store: s, now: time.Now}
	a.throttle = newThrottle(func() time.Time { return a.now() })
	return a
}

// HashPassword checks a password's length and hashes it with bcrypt.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", &PasswordError{fmt.Sprintf("the password must have at least %d characters", MinPasswordLength)}
	}
	if len(password) > 72 {
		return "", &PasswordError{"the password must have at most 72 bytes (bcrypt's limit)"}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), hashCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// CreateAdmin adds an account (store.ErrExists when the name is taken).
func (a *Service) CreateAdmin(ctx context.Context, username, password string) (*store.Admin, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return nil, errors.New("the username must not be empty")
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return a.store.CreateAdmin(ctx, username, h)
}

// SetPassword replaces an account's password, which signs it out everywhere. Its API tokens keep
// working unless revokeTokens: whoever knew the old password may have made one. It returns how many
// tokens it revoked.
func (a *Service) SetPassword(ctx context.Context, username, password string, revokeTokens bool) (int64, error) {
	ad, err := a.store.AdminByUsername(ctx, username)
	if err != nil {
		return 0, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return 0, err
	}
	return a.store.ReplaceAdminPassword(ctx, ad.ID, h, revokeTokens)
}

// ChangePassword is SetPassword for a signed-in account that proves it knows its current password;
// wrong guesses of it are throttled as sign-ins are (a session left open must not become a way to
// guess the password).
func (a *Service) ChangePassword(ctx context.Context, ad *store.Admin, current, password string, revokeTokens bool, from Client) (int64, error) {
	done, err := a.throttle.begin(ctx, ad.Username, from.Addr)
	if err != nil {
		return 0, err
	}
	_, err = a.checkPassword(ctx, ad.Username, current)
	done(err)
	if err != nil {
		return 0, err
	}
	return a.SetPassword(ctx, ad.Username, password, revokeTokens)
}

// EnsureAdmin creates the account when no account exists yet (first start with BCSYNC_ADMIN_PASSWORD),
// and says whether it did.
func (a *Service) EnsureAdmin(ctx context.Context, username, password string) (bool, error) {
	n, err := a.store.CountAdmins(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	if _, err := a.CreateAdmin(ctx, username, password); err != nil {
		if errors.Is(err, store.ErrExists) { // another process made it first
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// HasAdmins says whether anyone can sign in yet.
func (a *Service) HasAdmins(ctx context.Context) (bool, error) {
	n, err := a.store.CountAdmins(ctx)
	return n > 0, err
}

// hashCost is bcrypt's work factor for new passwords (lowered by this package's tests only).
var hashCost = bcrypt.DefaultCost

// dummyHash is compared against when the name is unknown, so that a sign-in takes as long either way.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("bcsync-no-such-account"), hashCost)
	return h
})

// Client is who signs in: the address a sign-in came from (the peer's, or the one a trusted proxy
// names) and its user agent.
type Client struct {
	Addr      string
	UserAgent string
}

// SignIn checks a name and password and opens a session; it returns the session's token (for the
// cookie). Failures are throttled per (account, address) and per address (see throttle.go).
func (a *Service) SignIn(ctx context.Context, username, password string, from Client) (string, *store.Admin, error) {
	key := strings.ToLower(strings.TrimSpace(username))
	done, err := a.throttle.begin(ctx, key, from.Addr)
	if err != nil {
		return "", nil, err
	}
	ad, err := a.checkPassword(ctx, key, password)
	done(err)
	if err != nil {
		return "", nil, err
	}
	token, err := newToken("")
	if err != nil {
		return "", nil, err
	}
	now := a.now()
	userAgent := from.UserAgent
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	if err := a.store.CreateSession(ctx, store.Session{TokenHash: Digest(token), AdminID: ad.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL), UserAgent: userAgent}); err != nil {
		return "", nil, err
	}
	return token, ad, nil
}

// checkPassword returns the account whose name and password these are, or ErrBadCredentials.
func (a *Service) checkPassword(ctx context.Context, username, password string) (*store.Admin, error) {
	ad, err := a.store.AdminByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	hash := dummyHash()
	if ad != nil {
		hash = []byte(ad.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || ad == nil {
		return nil, ErrBadCredentials
	}
	return ad, nil
}

// Session returns the account of a session token.
func (a *Service) Session(ctx context.Context, token string) (*store.Admin, error) {
	if token == "" {
		return nil, ErrNotSignedIn
	}
	ad, err := a.store.SessionAdmin(ctx, Digest(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotSignedIn
	}
	return ad, err
}

// SignOut ends a session.
func (a *Service) SignOut(ctx context.Context, token string) error {
	return a.store.DeleteSession(ctx, Digest(token))
}

// tokenPrefix marks bcsync API tokens, so that secret scanners and people can recognise them.
const tokenPrefix = "bcs_"

// CreateAPIToken issues a bearer token for an account. The token is shown once; only its digest is kept.
func (a *Service) CreateAPIToken(ctx context.Context, adminID int64, name string) (string, *store.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, ErrTokenName
	}
	token, err := newToken(tokenPrefix)
	if err != nil {
		return "", nil, err
	}
	t := &store.APIToken{AdminID: adminID, Name: name, TokenHash: Digest(token), Hint: token[:len(tokenPrefix)+4]}
	if err := a.store.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// TokenAdmin returns the account of an API token.
func (a *Service) TokenAdmin(ctx context.Context, token string) (*store.Admin, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrNotSignedIn
	}
	ad, err := a.store.APITokenAdmin(ctx, Digest(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotSignedIn
	}
	return ad, err
}

// CSRFToken is the token a session's forms carry: derived from the session's secret token, so it
// needs no storage and is worthless without the cookie.
func CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("bcsync csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ValidCSRF compares a form's token with the session's, in constant time.
func ValidCSRF(sessionToken, got string) bool {
	if sessionToken == "" || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(CSRFToken(sessionToken)), []byte(got)) == 1
}

// Digest is how a token is stored.
func Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a random token (256 bits) for cookies that are not sessions (the sign-in form's
// CSRF cookie).
func NewToken() (string, error) { return newToken("") }

func newToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}
