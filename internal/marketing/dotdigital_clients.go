package marketing

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// ddAccount is the Dotdigital client of a connection's account, kept for the life of the process: its
// region is discovered once (not with an account-info call every run), its slots hold Dotdigital's
// limit of concurrent imports across runs, and runs of changes know the consent data fields exist.
type ddAccount struct {
	client *dotdigital.Client
	key    string // the credentials it was built with: new credentials build a new client
	// consentReady says the consent data fields were made sure of in this process.
	consentReady atomic.Bool
}

type ddAccounts struct {
	mu      sync.Mutex
	entries map[int64]*ddAccount
}

func credentialsKey(c store.DotdigitalCredentials) string {
	sum := sha256.Sum256([]byte(c.Username + "\x00" + c.Password + "\x00" + c.Endpoint))
	return hex.EncodeToString(sum[:])
}

// account is the connection's Dotdigital account, built on first use and again after its
// credentials change.
func (e *Engine) account(c *store.Connection) (*ddAccount, error) {
	key := credentialsKey(c.Dotdigital)
	e.dd.mu.Lock()
	defer e.dd.mu.Unlock()
	if a := e.dd.entries[c.ID]; a != nil && a.key == key {
		return a, nil
	}
	client, err := e.dotdigital(c.Dotdigital)
	if err != nil {
		return nil, err
	}
	a := &ddAccount{client: client, key: key}
	e.dd.entries[c.ID] = a
	return a, nil
}
