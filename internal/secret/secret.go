// Package secret encrypts credentials at rest with AES-256-GCM. Ciphertexts are text
// ("v2:" + base64(nonce ‖ sealed)), bound by additional data to what they protect — the caller names
// the table, row and purpose, and what the secret is sent to — so a token copied into another row or
// column, or a password whose endpoint was changed, does not decrypt.
//
// "v1:" ciphertexts were bound to their column only (databases before migration 00007); OpenV1 reads them once, to
// seal them again bound to their row.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

const (
	prefix   = "v2:"
	prefixV1 = "v1:"
)

// ErrDecrypt means a ciphertext is corrupt, was made with another key, or belongs elsewhere.
var ErrDecrypt = errors.New("secret: cannot decrypt: wrong key, corrupt value, or sealed for another row, purpose or endpoint")

// ErrV1 means a ciphertext was sealed by an older release, bound to its column only: it is opened only
// by the upgrade that binds it to its row (OpenV1), never in use.
var ErrV1 = errors.New("secret: value sealed the way of an older release, not bound to its row: enter this credential again")

// Box seals and opens secrets with one key.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// ParseKey reads a key given as 64 hex digits or as standard or URL-safe base64 of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, errors.New("secret: key must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)")
}

// LoadOrCreateKeyFile reads the key in path, or creates it (mode 0600, directory 0700) with a new
// random key when it does not exist. A key file readable by others is refused.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("secret: key file %s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
		}
		return ParseKey(string(b))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	// Written whole to a temporary file, then linked into place: a process starting at the same time
	// (bcsync serve and a CLI command) reads either no key file or a complete one, never an empty one.
	f, err := os.CreateTemp(filepath.Dir(path), ".bcsync-key-*")
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err := os.Link(f.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process created it first
			return LoadOrCreateKeyFile(path)
		}
		return nil, fmt.Errorf("secret: %w", err)
	}
	return key, nil
}

// Seal encrypts plaintext bound to context, which names what it protects (e.g. "stores/42/bc_access_token"
// and where it is sent). The empty string seals to the empty string: there is nothing to protect.
func (b *Box) Seal(plaintext, context string) string {
	if plaintext == "" {
		return ""
	}
	ct := b.aead.Seal(nil, nil, []byte(plaintext), []byte(context))
	return prefix + base64.StdEncoding.EncodeToString(ct)
}

// Open decrypts what Seal returned for the same context.
func (b *Box) Open(ciphertext, context string) (string, error) {
	if strings.HasPrefix(ciphertext, prefixV1) {
		return "", ErrV1
	}
	return b.open(ciphertext, prefix, context)
}

// IsV1 tells whether a ciphertext was sealed by an older release (see OpenV1).
func IsV1(ciphertext string) bool { return strings.HasPrefix(ciphertext, prefixV1) }

// OpenV1 decrypts a ciphertext an older release sealed, bound to its column only (context was the
// column's name). Only the upgrade that seals it again with Seal may call it.
func (b *Box) OpenV1(ciphertext, context string) (string, error) {
	return b.open(ciphertext, prefixV1, context)
}

func (b *Box) open(ciphertext, prefix, context string) (string, error) {
	if ciphertext == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(ciphertext, prefix)
	if !ok {
		return "", ErrDecrypt
	}
	ct, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", ErrDecrypt
	}
	pt, err := b.aead.Open(nil, nil, ct, []byte(context))
	if err != nil {
		return "", ErrDecrypt
	}
	return string(pt), nil
}

// SealV1 seals the way releases before migration 00007 did (column-bound), for tests of the upgrade only.
func (b *Box) SealV1(plaintext, context string) string {
	if plaintext == "" {
		return ""
	}
	return prefixV1 + strings.TrimPrefix(b.Seal(plaintext, context), prefix)
}
