package warehouse

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// SyncInput is what a user gives to add a sync of a model into a store.
type SyncInput struct {
	Name     string
	StoreID  int64
	ModelID  int64
	Spec     mapping.Spec
	Delete   string // nothing (default), clear or delete
	Schedule schedule.Spec
	// GuardRemoveShare and GuardCountShare are the guard's thresholds (0: the defaults, 10% and 25%).
	GuardRemoveShare float64
	GuardCountShare  float64
	// CreateAttributes creates the customer attributes the mapping names that the store lacks, typed
	// from their columns (number, date or string).
	CreateAttributes bool
}

// AddSync checks a sync against its model's columns and the store's fields — every mapping's column
// and field exist, their types fit, the mode's required fields are mapped — and saves it.
func (e *Engine) AddSync(ctx context.Context, in SyncInput) (*store.WarehouseSync, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return nil, &InputError{"name", "give the sync a name"}
	}
	if in.Delete == "" {
		in.Delete = deleteNothing
	}
	if in.GuardRemoveShare == 0 {
		in.GuardRemoveShare = DefaultGuardRemoveShare
	}
	if in.GuardCountShare == 0 {
		in.GuardCountShare = DefaultGuardCountShare
	}
	mappings, err := json.Marshal(in.Spec.Mappings)
	if err != nil {
		return nil, err
	}
	w := &store.WarehouseSync{Sync: store.Sync{StoreID: in.StoreID, Name: in.Name, Enabled: true, Interval: in.Schedule.Interval, Cron: in.Schedule.Cron},
		ModelID: in.ModelID, Object: string(in.Spec.Object), Mode: string(in.Spec.Mode), MatchColumn: in.Spec.Match.Column,
		MatchField: in.Spec.Match.Field, Mappings: string(mappings), Delete: in.Delete, GuardRemoveShare: in.GuardRemoveShare,
		GuardCountShare: in.GuardCountShare}
	cfg, err := e.checkSync(ctx, w, in.CreateAttributes)
	if err != nil {
		return nil, err
	}
	if next := in.Schedule.Next(e.opts.Now()); !next.IsZero() {
		w.NextRunAt = next
	}
	if err := e.store.CreateWarehouseSync(ctx, w); err != nil {
		return nil, err
	}
	if what := fieldsUsed(cfg); what != "---" {
		if err := e.keepStoreFields(ctx, w, keptFields{What: what, Store: cfg.store}); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// UpdateSync changes a saved sync — its name, mode, match, mapping, delete behaviour, schedule and
// guard — checked as AddSync checks a new one. Its store, model and object stay what they were: the
// rows it synced are records of that store's object, keyed by that model's primary key, and writing
// them elsewhere is a new sync. A plan waiting for approval (or approved and not yet run) is set
// aside, as it was planned with the old settings: the next run plans with the new ones. A schedule
// that changed counts from now.
func (e *Engine) UpdateSync(ctx context.Context, id int64, in SyncInput) (*store.WarehouseSync, error) {
	w, err := e.store.WarehouseSync(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case in.StoreID != 0 && in.StoreID != w.StoreID:
		return nil, &InputError{"store", "a sync keeps its store: the records it wrote are that store's (add a new sync for another store)"}
	case in.ModelID != 0 && in.ModelID != w.ModelID:
		return nil, &InputError{"model", "a sync keeps its model: its rows are known by that model's primary key (add a new sync for another model)"}
	case in.Spec.Object != "" && string(in.Spec.Object) != w.Object:
		return nil, &InputError{"object", fmt.Sprintf("a sync keeps its object: it wrote %s (add a new sync to write %s)", w.Object, in.Spec.Object)}
	}
	if w.Name = strings.TrimSpace(in.Name); w.Name == "" {
		return nil, &InputError{"name", "give the sync a name"}
	}
	mappings, err := json.Marshal(in.Spec.Mappings)
	if err != nil {
		return nil, err
	}
	w.Mode, w.MatchColumn, w.MatchField, w.Mappings = string(in.Spec.Mode), in.Spec.Match.Column, in.Spec.Match.Field, string(mappings)
	w.Delete, w.GuardRemoveShare, w.GuardCountShare = cmp.Or(in.Delete, deleteNothing), cmp.Or(in.GuardRemoveShare, DefaultGuardRemoveShare),
		cmp.Or(in.GuardCountShare, DefaultGuardCountShare)
	if in.Schedule.Interval != w.Interval || in.Schedule.Cron != w.Cron {
		w.Interval, w.Cron = in.Schedule.Interval, in.Schedule.Cron
		w.NextRunAt = in.Schedule.Next(e.opts.Now())
	}
	cfg, err := e.checkSync(ctx, w, in.CreateAttributes)
	if err != nil {
		return nil, err
	}
	if err := e.store.UpdateWarehouseSync(ctx, w); err != nil {
		return nil, err
	}
	if what := fieldsUsed(cfg); what != "---" {
		if err := e.keepStoreFields(ctx, w, keptFields{What: what, Store: cfg.store}); err != nil {
			return nil, err
		}
	}
	for _, state := range []string{planBlocked, planApproved} {
		if _, err := e.store.SetPlanState(ctx, id, state, planDiscarded); err != nil {
			return nil, err
		}
	}
	if w.Status == store.StatusAwaitingApproval {
		if err := e.store.SetSyncStatus(ctx, id, store.StatusOK, ""); err != nil {
			return nil, err
		}
		w.Status, w.StatusMessage = store.StatusOK, ""
	}
	return w, nil
}

// checkSync checks a sync's configuration against its store, model and the store's fields.
func (e *Engine) checkSync(ctx context.Context, w *store.WarehouseSync, createAttributes bool) (*config, error) {
	cfg, err := configOf(w)
	if err != nil {
		return nil, err
	}
	if _, err := e.store.Shop(ctx, w.StoreID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &InputError{"store", fmt.Sprintf("there is no store %d (bcsync store list)", w.StoreID)}
		}
		return nil, err
	}
	m, err := e.store.Model(ctx, w.ModelID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &InputError{"model", fmt.Sprintf("there is no model %d (bcsync warehouse model list)", w.ModelID)}
		}
		return nil, err
	}
	cols, err := e.columns(ctx, m)
	if err != nil {
		return nil, err
	}
	bc, err := e.client(ctx, w.StoreID)
	if err != nil {
		return nil, err
	}
	if cfg.store, err = e.storeFields(ctx, w, bc, cfg, true); err != nil {
		return nil, fmt.Errorf("reading the store's fields: %w", err)
	}
	if createAttributes {
		made, err := e.createAttributes(ctx, bc, cfg, cols)
		if err != nil {
			return nil, err
		}
		cfg.store.Attributes = append(cfg.store.Attributes, made...)
	}
	return cfg, mapping.Check(cfg.spec(), cols, cfg.store)
}

// createAttributes creates the customer attributes the mapping names that the store lacks.
func (e *Engine) createAttributes(ctx context.Context, bc *bigcommerce.Client, cfg *config, cols []source.Column) ([]bigcommerce.CustomerAttribute, error) {
	var in []bigcommerce.CustomerAttributeInput
	for _, m := range cfg.mappings {
		name, ok := strings.CutPrefix(m.Field, mapping.AttributePrefix)
		if !ok || slicesContainsName(cfg.store.Attributes, name) {
			continue
		}
		typ := bigcommerce.AttributeString
		for _, c := range cols {
			if c.Name == m.Column {
				switch c.Kind {
				case source.KindInteger, source.KindDecimal, source.KindFloat:
					typ = bigcommerce.AttributeNumber
				case source.KindDate, source.KindTimestamp:
					typ = bigcommerce.AttributeDate
				}
			}
		}
		in = append(in, bigcommerce.CustomerAttributeInput{Name: name, Type: typ})
	}
	if len(in) == 0 {
		return nil, nil
	}
	return bc.CreateCustomerAttributes(ctx, in)
}

func slicesContainsName(attrs []bigcommerce.CustomerAttribute, name string) bool {
	for _, a := range attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// LatestPlan is a sync's latest plan and its state (planned, blocked, approved, discarded, running, done).
func (e *Engine) LatestPlan(ctx context.Context, syncID int64) (*Plan, string, error) {
	sp, err := e.store.Plan(ctx, syncID)
	if err != nil {
		return nil, "", err
	}
	var p Plan
	if err := json.Unmarshal([]byte(sp.Body), &p); err != nil {
		return nil, "", fmt.Errorf("the plan of sync %d: %w", syncID, err)
	}
	return &p, sp.State, nil
}

// Approve approves a plan the guard stopped: the next run (the caller queues it) carries out exactly it,
// or stops again when the model changed since.
func (e *Engine) Approve(ctx context.Context, syncID int64) error {
	ok, err := e.store.SetPlanState(ctx, syncID, planBlocked, planApproved)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNothingToApprove
	}
	return e.store.SetSyncStatus(ctx, syncID, store.StatusOK, "")
}

// Discard drops a plan the guard stopped; the sync runs again on its schedule (and plans anew).
func (e *Engine) Discard(ctx context.Context, syncID int64) error {
	ok, err := e.store.SetPlanState(ctx, syncID, planBlocked, planDiscarded)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNothingToApprove
	}
	return e.store.SetSyncStatus(ctx, syncID, store.StatusOK, "")
}

// ErrNothingToApprove means no plan of the sync waits for approval.
var ErrNothingToApprove = errors.New("no plan of this sync waits for approval")
