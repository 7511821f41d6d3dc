package secret

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newBox(t *testing.T) *Box {
	t.Helper()
	b, err := New([]byte(strings.Repeat("k", KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealedSecretsOpenOnlyInTheirContext(t *testing.T) {
	b := newBox(t)
	ct := b.Seal("tok-123", "connection.bigcommerce_access_token")
	if strings.Contains(ct, "tok-123") || !strings.HasPrefix(ct, "v2:") {
		t.Fatalf("ciphertext %q", ct)
	}
	if ct == b.Seal("tok-123", "connection.bigcommerce_access_token") {
		t.Fatal("two seals of one value must differ (random nonce)")
	}
	pt, err := b.Open(ct, "connection.bigcommerce_access_token")
	if err != nil || pt != "tok-123" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := b.Open(ct, "connection.dotdigital_password"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opened in another context: %v", err)
	}
	other, _ := New([]byte(strings.Repeat("x", KeySize)))
	if _, err := other.Open(ct, "connection.bigcommerce_access_token"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("opened with another key: %v", err)
	}
	for _, bad := range []string{"plain", "v2:!!!", "v2:AAAA"} {
		if _, err := b.Open(bad, "x"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open(%q) = %v", bad, err)
		}
	}
	if b.Seal("", "x") != "" {
		t.Fatal("empty must stay empty")
	}
}

// A value an older release sealed (bound to its column only) is not used as it is: only the upgrade
// that binds it to its row reads it.
func TestAColumnBoundValueOpensOnlyForItsUpgrade(t *testing.T) {
	b := newBox(t)
	old := b.SealV1("tok-123", "connections.bc_access_token")
	if !IsV1(old) || IsV1(b.Seal("tok-123", "stores/1/bc_access_token")) {
		t.Fatal("IsV1 does not tell the two apart")
	}
	if _, err := b.Open(old, "connections.bc_access_token"); !errors.Is(err, ErrV1) {
		t.Fatalf("Open(v1) = %v, want ErrV1", err)
	}
	if pt, err := b.OpenV1(old, "connections.bc_access_token"); err != nil || pt != "tok-123" {
		t.Fatalf("OpenV1 = %q, %v", pt, err)
	}
	if _, err := b.OpenV1(old, "connections.dd_password"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("OpenV1 in another context = %v", err)
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{strings.Repeat("ab", 32), "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=", " YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=\n"} {
		if _, err := ParseKey(s); err != nil {
			t.Errorf("ParseKey(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "short", strings.Repeat("ab", 31)} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}

func TestKeyFileIsCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secret.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode().Perm())
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("reloaded a different key: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("a world-readable key file was accepted")
	}
}

// Processes starting together (bcsync serve and a CLI command) each load the key file or create it:
// none reads a half-written one, and all end with the same key.
func TestAKeyFileCreatedConcurrentlyIsReadWholeByEveryone(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "bcsync.key")
		keys := make(chan string, 8)
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				k, err := LoadOrCreateKeyFile(path)
				keys <- string(k)
				errs <- err
			}()
		}
		var first string
		for i := range 8 {
			k, err := <-keys, <-errs
			if err != nil {
				t.Fatalf("a concurrent start: %v", err)
			}
			if i == 0 {
				first = k
			} else if k != first {
				t.Fatal("two starts got different keys")
			}
		}
	}
}
