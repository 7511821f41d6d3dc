package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// PlanSync plans a run without writing anything to the store (a dry run): the counts, whether the
// guard would stop it, and samples whose "before" values are read from the store (a few reads). It is
// kept as the sync's latest plan, unless a plan waits for approval.
func (e *Engine) PlanSync(ctx context.Context, syncID int64) (*Plan, error) {
	w, err := e.store.WarehouseSync(ctx, syncID)
	if err != nil {
		return nil, err
	}
	cfg, err := configOf(w)
	if err != nil {
		return nil, err
	}
	bc, err := e.client(ctx, w.StoreID)
	if err != nil {
		return nil, err
	}
	if cfg.store, err = e.storeFields(ctx, w, bc, cfg, false); err != nil {
		return nil, err
	}
	p, err := e.planRows(ctx, w, cfg, false, nil)
	if err != nil {
		return nil, err
	}
	defer p.close()
	if err := e.guard(ctx, w, cfg, p.Plan); err != nil {
		return nil, err
	}
	if err := e.before(ctx, bc, cfg, p.Plan); err != nil {
		return nil, err
	}
	waiting, err := e.store.Plan(ctx, syncID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if waiting == nil || (waiting.State != planBlocked && waiting.State != planApproved) {
		body, err := json.Marshal(p.Plan)
		if err != nil {
			return nil, err
		}
		if err := e.store.SavePlan(ctx, &store.Plan{SyncID: syncID, State: planPlanned, Digest: p.Digest, Body: string(body)}); err != nil {
			return nil, err
		}
	}
	return p.Plan, nil
}

// before fills the "before" values of a plan's samples of changes and removes with the store's
// records as they are now, in the same rendering as the "after" values.
func (e *Engine) before(ctx context.Context, bc *bigcommerce.Client, cfg *config, p *Plan) error {
	var ids []int
	for _, s := range p.Samples {
		if id, err := strconv.Atoi(s.TargetID); err == nil && (s.Op == "change" || s.Op == "remove" || s.Op == "add") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	records := map[int]map[string]any{}
	if cfg.object == objectCustomers {
		found, err := bc.CustomersByID(ctx, ids)
		if err != nil {
			return err
		}
		for id, c := range found {
			records[id] = customerValues(c, cfg.store)
		}
	} else {
		for _, id := range ids {
			o, err := bc.Order(ctx, id)
			if errors.Is(err, bigcommerce.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			records[id] = orderValues(o)
		}
	}
	for i, s := range p.Samples {
		id, _ := strconv.Atoi(s.TargetID)
		rec, ok := records[id]
		if !ok {
			continue
		}
		before := map[string]string{}
		for _, m := range cfg.mappings {
			f, err := mapping.Lookup(mapping.Object(cfg.object), m.Field, cfg.store)
			if err != nil {
				continue
			}
			if v, ok := rec[f.Key]; ok {
				before[f.Key] = mapping.FormatValue(f.Type, v)
			}
		}
		p.Samples[i].Before = before
	}
	return nil
}

// customerValues are a customer's fields by the catalogue's keys, as far as the customer record says
// (metafields are not read for a plan).
func customerValues(c bigcommerce.Customer, st mapping.Store) map[string]any {
	out := jsonFields(c)
	if len(c.Addresses) > 0 {
		for k, v := range jsonFields(c.Addresses[0]) {
			out["address."+k] = v
		}
	}
	for _, a := range c.Attributes {
		for _, def := range st.Attributes {
			if def.ID == a.AttributeID {
				out[mapping.AttributePrefix+def.Name] = a.Value
			}
		}
	}
	for _, f := range c.FormFields {
		out[mapping.FormFieldPrefix+f.Name] = f.Value
	}
	if len(c.StoreCredit) > 0 {
		out["store_credit"] = c.StoreCredit[0]
	}
	return out
}

func orderValues(o *bigcommerce.Order) map[string]any {
	out := jsonFields(o)
	out["status"] = o.StatusID
	for k, v := range jsonFields(o.BillingAddress) {
		out["billing_address."+k] = v
	}
	for k, v := range jsonFields(o.ShippingAddress) {
		out["shipping_address."+k] = v
	}
	return out
}

// jsonFields reads a record's fields by their JSON names, which the catalogue's keys follow.
func jsonFields(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return map[string]any{}
	}
	return out
}
