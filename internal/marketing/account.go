package marketing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Account is what a connection's Dotdigital account offers its settings: the lists contacts can sync
// to, the programmes contacts can be enrolled in, and the contact data fields fields can map to.
type Account struct {
	Lists      []store.Ref
	Programs   []Program
	DataFields []DataField
	ReadAt     time.Time
}

// Program is a Dotdigital programme; only Active ones accept enrolments.
type Program struct {
	ID     int64
	Name   string
	Status string
}

// accountTTL keeps a settings page from asking Dotdigital three questions on every load.
const accountTTL = 30 * time.Second

type accountCache struct {
	mu      sync.Mutex
	entries map[int64]*Account
}

// Account reads what the connection's Dotdigital account offers (at most accountTTL old; fresh when
// refresh is set).
func (e *Engine) Account(ctx context.Context, connID int64, refresh bool) (*Account, error) {
	e.accounts.mu.Lock()
	cached := e.accounts.entries[connID]
	e.accounts.mu.Unlock()
	if cached != nil && !refresh && e.opts.Now().Sub(cached.ReadAt) < accountTTL {
		return cached, nil
	}
	conn, err := e.store.Connection(ctx, connID)
	if err != nil {
		return nil, err
	}
	_, dd, err := e.clients(conn, 1)
	if err != nil {
		return nil, err
	}
	books, err := dd.AddressBooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the account's lists: %w", err)
	}
	programs, err := dd.Programs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the account's programmes: %w", err)
	}
	fields, err := dd.DataFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the account's data fields: %w", err)
	}
	a := &Account{DataFields: dataFields(fields), ReadAt: e.opts.Now()}
	for _, b := range books {
		if !ReservedList(b.Name) {
			a.Lists = append(a.Lists, store.Ref{ID: int64(b.ID), Name: b.Name})
		}
	}
	for _, p := range programs {
		a.Programs = append(a.Programs, Program{ID: int64(p.ID), Name: p.Name, Status: p.Status})
	}
	byName := func(x, y string) int { return strings.Compare(strings.ToLower(x), strings.ToLower(y)) }
	slices.SortFunc(a.Lists, func(x, y store.Ref) int { return byName(x.Name, y.Name) })
	slices.SortFunc(a.Programs, func(x, y Program) int { return byName(x.Name, y.Name) })
	slices.SortFunc(a.DataFields, func(x, y DataField) int { return byName(x.Name, y.Name) })
	e.accounts.mu.Lock()
	e.accounts.entries[connID] = a
	e.accounts.mu.Unlock()
	return a, nil
}
