package marketing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
)

// SettingsChange is a change to a connection's settings; nil fields stay as they are.
type SettingsChange struct {
	DataSync *bool
	// SubscriberList and CustomerList name Dotdigital lists; CustomerList "" (or "none") syncs no customers.
	SubscriberList *string
	CustomerList   *string
	// Map sets mappings (BigCommerce field → data field); Unmap removes mappings by BigCommerce field.
	Map   map[string]string
	Unmap []string
	// Programmes by id; 0 enrols no one.
	NewCustomerProgram   *int64
	NewSubscriberProgram *int64
	AbandonedCartProgram *int64
	Interval             *time.Duration
	// WriteBackRemovals: write to the store the unsubscribes and suppressions Dotdigital had before
	// install, where the store's record is older (see store.Settings).
	WriteBackRemovals *bool
}

// ErrSameList refuses the same list for subscribers and customers: customers include people who did
// not agree to marketing, and must never end up in the list campaigns are sent to.
var ErrSameList = errors.New("subscribers and customers cannot sync to the same list: customers include people who did not opt in to marketing")

// ErrDataSyncOff refuses a manual sync while data sync is off.
var ErrDataSyncOff = errors.New("data sync is off for this connection: turn it on to sync")

// SettingsError is a setting refused, with the reason.
type SettingsError struct{ Reason string }

func (e *SettingsError) Error() string { return e.Reason }

// MinInterval is the shortest time allowed between syncs.
const MinInterval = time.Minute

// UpdateSettings applies a change after checking it against the account: lists and programmes must
// exist, the two lists differ, mappings fit the data fields' types. A changed mapping or list makes the
// next sync re-read subscribers and customers and send the contacts whose data changed; orders and
// products are not sent again.
func (e *Engine) UpdateSettings(ctx context.Context, connID int64, ch SettingsChange) (*store.Connection, error) {
	conn, err := e.store.Connection(ctx, connID)
	if err != nil {
		return nil, err
	}
	_, dd, err := e.clients(conn, 1)
	if err != nil {
		return nil, err
	}
	st := conn.Settings
	var reset []string
	if ch.SubscriberList != nil || ch.CustomerList != nil {
		books, err := dd.AddressBooks(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the account's lists: %w", err)
		}
		if ch.SubscriberList != nil {
			ref, err := findList(books, *ch.SubscriberList)
			if err != nil {
				return nil, err
			}
			if ref.ID == 0 {
				return nil, &SettingsError{"subscribers must sync to a list"}
			}
			if ref.ID != st.SubscriberList.ID {
				st.SubscriberList = ref
				// The new list's removals are read again before its subscribers.
				reset = append(reset, streamSubscribers, streamRemovals)
			}
		}
		if ch.CustomerList != nil {
			ref, err := findList(books, *ch.CustomerList)
			if err != nil {
				return nil, err
			}
			if ref.ID != st.CustomerList.ID {
				st.CustomerList = ref
				reset = append(reset, streamCustomers)
			}
		}
	}
	if st.CustomerList.ID != 0 && st.CustomerList.ID == st.SubscriberList.ID {
		return nil, ErrSameList
	}
	for _, p := range []struct {
		id  *int64
		ref *store.Ref
	}{{ch.NewCustomerProgram, &st.NewCustomerProgram}, {ch.NewSubscriberProgram, &st.NewSubscriberProgram}, {ch.AbandonedCartProgram, &st.AbandonedCartProgram}} {
		if p.id == nil {
			continue
		}
		if *p.id == 0 {
			*p.ref = store.Ref{}
			continue
		}
		prog, err := dd.Program(ctx, int(*p.id))
		if err != nil {
			if errors.Is(err, dotdigital.ErrNotFound) {
				return nil, &SettingsError{fmt.Sprintf("the account has no programme %d", *p.id)}
			}
			return nil, fmt.Errorf("read programme %d: %w", *p.id, err)
		}
		*p.ref = store.Ref{ID: int64(prog.ID), Name: prog.Name}
	}
	if ch.DataSync != nil {
		st.DataSync = *ch.DataSync
	}
	if ch.WriteBackRemovals != nil {
		if *ch.WriteBackRemovals && !st.WriteBackRemovals && !slices.Contains(reset, streamSubscribers) {
			// The subscribers held back so far are read again, to be written back.
			reset = append(reset, streamSubscribers)
		}
		st.WriteBackRemovals = *ch.WriteBackRemovals
	}
	if ch.Interval != nil {
		if *ch.Interval < MinInterval {
			return nil, &SettingsError{fmt.Sprintf("the sync interval must be at least %s", MinInterval)}
		}
		st.Interval = *ch.Interval
	}
	if len(ch.Map) > 0 || len(ch.Unmap) > 0 {
		current, err := e.store.FieldMappings(ctx, connID)
		if err != nil {
			return nil, err
		}
		fields, err := dd.DataFields(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the account's data fields: %w", err)
		}
		next, err := ResolveMappings(ApplyMappingChanges(current, ch.Map, ch.Unmap), dataFields(fields))
		if err != nil {
			return nil, err
		}
		if _, err := e.store.ReplaceFieldMappings(ctx, connID, next, streamSubscribers, streamCustomers); err != nil {
			return nil, err
		}
	}
	if err := e.store.UpdateSettings(ctx, connID, st); err != nil {
		return nil, err
	}
	if len(reset) > 0 {
		if err := e.store.ResetCursors(ctx, connID, reset...); err != nil {
			return nil, err
		}
	}
	if ch.DataSync != nil && *ch.DataSync && !conn.Settings.DataSync {
		if err := e.store.SetNextRunAt(ctx, connID, e.opts.Now()); err != nil {
			return nil, err
		}
	}
	return e.store.Connection(ctx, connID)
}

// ReservedList reports whether a list is one of Dotdigital's own, which imports cannot write to
// ("Test") or which is not a list at all ("All Contacts").
func ReservedList(name string) bool {
	return strings.EqualFold(name, "Test") || strings.EqualFold(name, "All Contacts")
}

// findList finds a list by name, ignoring case; "" and "none" mean no list.
func findList(books []dotdigital.AddressBook, name string) (store.Ref, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "none") {
		return store.Ref{}, nil
	}
	if ReservedList(name) {
		return store.Ref{}, &SettingsError{fmt.Sprintf("the %q list is Dotdigital's own and cannot be synced to: choose another list", name)}
	}
	for _, b := range books {
		if strings.EqualFold(b.Name, name) {
			return store.Ref{ID: int64(b.ID), Name: b.Name}, nil
		}
	}
	names := make([]string, 0, len(books))
	for _, b := range books {
		if !ReservedList(b.Name) {
			names = append(names, fmt.Sprintf("%q", b.Name))
		}
	}
	return store.Ref{}, &SettingsError{fmt.Sprintf("the account has no list named %q (lists: %s)", name, strings.Join(names, ", "))}
}
