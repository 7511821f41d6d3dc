package warehouse

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Objects a sync writes.
const (
	objectCustomers = "customers"
	objectOrders    = "orders"
)

// Modes: insert creates records for new rows only; update changes matched records only; upsert
// updates matched records and creates the others.
const (
	modeInsert = "insert"
	modeUpdate = "update"
	modeUpsert = "upsert"
)

// Delete behaviours, when a row leaves the model: nothing (default), clear the mapped fields, or
// delete the record (orders: archive, as BigCommerce does).
const (
	deleteNothing = "nothing"
	deleteClear   = "clear"
	deleteDelete  = "delete"
)

// Guard defaults: block a run that would remove or clear more than 10% of the synced rows, or whose
// model's row count moved more than 25% from the average of the last 5 runs.
const (
	DefaultGuardRemoveShare = 0.10
	DefaultGuardCountShare  = 0.25
	guardRuns               = 5
)

// config is a warehouse sync's configuration, checked.
type config struct {
	object, mode, delete    string
	matchColumn, matchField string
	mappings                []mapping.Mapping
	removeShare, countShare float64
	keyIndex                int // of the model's primary key among its columns, once read
	// store is what the mapping needs to know of the store (attributes, form fields, order statuses),
	// read before the model.
	store    mapping.Store
	compiled *mapping.Compiled // once the model's columns are known
	// refusedSince: rows refused at or after it are not tried again (set to the start of a resumed run,
	// which tries each row once).
	refusedSince time.Time
}

func configOf(w *store.WarehouseSync) (*config, error) {
	cfg := &config{object: w.Object, mode: w.Mode, delete: w.Delete, matchColumn: w.MatchColumn, matchField: w.MatchField,
		removeShare: w.GuardRemoveShare, countShare: w.GuardCountShare}
	if err := json.Unmarshal([]byte(w.Mappings), &cfg.mappings); err != nil {
		return nil, fmt.Errorf("warehouse sync %d: its mapping: %w", w.ID, err)
	}
	return cfg, checkShape(cfg)
}

// spec is the configuration as the mapping package takes it.
func (cfg *config) spec() mapping.Spec {
	return mapping.Spec{Object: mapping.Object(cfg.object), Mode: mapping.Mode(cfg.mode),
		Match: mapping.Match{Column: cfg.matchColumn, Field: cfg.matchField}, Mappings: cfg.mappings}
}

// mapper compiles the mapping against the model's columns.
func (cfg *config) mapper(cols []source.Column) (mapper, error) {
	c, err := mapping.Compile(cfg.spec(), cols, cfg.store)
	if err != nil {
		return nil, err
	}
	cfg.compiled = c
	return compiled{c: c, parts: cfg.object == objectCustomers && (c.Uses(mapping.Attribute) || c.Uses(mapping.Metafield))}, nil
}

// mapper turns a model row into what is sent.
type mapper interface {
	row(values []any) (mappedRow, error)
}

// mappedRow is a row's values as sent, with its match key and fingerprint.
type mappedRow struct {
	values mapping.Values
	key    mapping.Key
	hasKey bool
	// print is the fingerprint of everything the row writes, its match included: a row whose match
	// changed is matched again.
	print string
}

type compiled struct {
	c     *mapping.Compiled
	parts bool // whether the fingerprint has its parts' digests: customers with attributes or metafields
}

func (c compiled) row(values []any) (mappedRow, error) {
	v, err := c.c.Apply(values)
	if err != nil {
		return mappedRow{}, err
	}
	m := mappedRow{values: v, print: v.Fingerprint()}
	if m.key, m.hasKey = v.Key(); m.hasKey {
		m.print += "|" + m.key.String()
	}
	if c.parts {
		m.print += partsMark + "c" + v.FingerprintOf(mapping.Native, mapping.FormField) + "a" + v.FingerprintOf(mapping.Attribute) +
			"m" + v.FingerprintOf(mapping.Metafield)
	}
	return m, nil
}

// partsMark starts the digests of a row's parts in its fingerprint: the customer's own fields (c),
// its attribute values (a), its metafields (m). A customer's parts are written by separate calls, so a
// change that leaves a part as the store last accepted it does not send that part.
const partsMark = "#parts:"

// printPart returns the digest of one part (c, a or m) of a fingerprint, if it has parts.
func printPart(print string, part byte) (string, bool) {
	i := strings.LastIndex(print, partsMark)
	if i < 0 {
		return "", false
	}
	parts := print[i+len(partsMark):]
	for len(parts) >= 17 {
		if parts[0] == part {
			return parts[1:17], true
		}
		parts = parts[17:]
	}
	return "", false
}

// checkShape checks what does not depend on the model or the store: object, mode, match, delete
// behaviour and guard thresholds.
func checkShape(cfg *config) error {
	o, m := mapping.Object(cfg.object), mapping.Mode(cfg.mode)
	if err := o.Validate(); err != nil {
		return &InputError{"object", err.Error()}
	}
	if err := mapping.ValidateMode(o, m); err != nil {
		return &InputError{"mode", err.Error()}
	}
	// Insert mode needs no match: a new row creates a record. An email match still names new
	// customers' emails and keeps a row from creating a second customer with an email already taken.
	if err := mapping.ValidateMatch(o, m, mapping.Match{Column: cfg.matchColumn, Field: cfg.matchField}); err != nil {
		return &InputError{"match", err.Error()}
	}
	switch cfg.delete {
	case deleteNothing, deleteClear, deleteDelete:
	default:
		return &InputError{"delete", fmt.Sprintf("the delete behaviour is nothing, clear or delete, not %q", cfg.delete)}
	}
	for _, v := range []struct {
		name  string
		share float64
	}{{"guard-remove-share", cfg.removeShare}, {"guard-count-share", cfg.countShare}} {
		if v.share <= 0 || v.share > 1 {
			return &InputError{v.name, fmt.Sprintf("the %s is a share between 0 and 1 (e.g. 0.1 for 10%%), not %g", v.name, v.share)}
		}
	}
	return nil
}
