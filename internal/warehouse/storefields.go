package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// What a sync read of its store's fields is used for a day before it is read again, so that a run with
// nothing to send makes no call; a run with something to send reads them again when they are older
// than storeFieldsFresh.
const (
	storeFieldsTTL   = 24 * time.Hour
	storeFieldsFresh = 10 * time.Minute
)

// keptFields is what is kept of a store's fields, with what the mapping used when they were read.
type keptFields struct {
	What  string        `json:"what"`
	Store mapping.Store `json:"store"`
}

// storeFields returns what a sync's mapping needs to know of its store: the customer attributes, the
// signup form's fields and the order statuses, each only when a mapping uses one. They are read from
// the store when fresh is set, when the mapping uses more than was kept, or when what was kept is older
// than storeFieldsTTL; a saved sync keeps what was read.
func (e *Engine) storeFields(ctx context.Context, w *store.WarehouseSync, bc *bigcommerce.Client, cfg *config, fresh bool) (mapping.Store, error) {
	what := fieldsUsed(cfg)
	if what == "---" {
		return mapping.Store{}, nil
	}
	if !fresh && w.StoreFields != "" && e.opts.Now().Sub(w.StoreFieldsAt) < storeFieldsTTL {
		var kept keptFields
		if err := json.Unmarshal([]byte(w.StoreFields), &kept); err == nil && kept.What == what {
			return kept.Store, nil
		}
	}
	st, err := readStore(ctx, bc, what)
	if err != nil {
		return st, err
	}
	if w.ID != 0 {
		if err := e.keepStoreFields(ctx, w, keptFields{What: what, Store: st}); err != nil {
			return st, err
		}
	}
	return st, nil
}

// readStore reads the store's fields what names (see fieldsUsed): its customer attributes, its signup
// form's fields, its order statuses.
func readStore(ctx context.Context, bc *bigcommerce.Client, what string) (mapping.Store, error) {
	var st mapping.Store
	var err error
	if what[0] == 'y' {
		if st.Attributes, err = bc.CustomerAttributes(ctx); err != nil {
			return st, err
		}
	}
	if what[1] == 'y' {
		// The API lists no form's fields, only their values: the names seen on customers are the fields.
		for page, err := range bc.FormFieldValues(ctx, bigcommerce.FormFieldQuery{}) {
			if err != nil {
				return st, err
			}
			for _, v := range page {
				if !slices.Contains(st.FormFields, v.Name) {
					st.FormFields = append(st.FormFields, v.Name)
				}
			}
			break // the first page shows the form
		}
	}
	if what[2] == 'y' {
		if st.OrderStatuses, err = bigcommerce.All(bc.OrderStatuses(ctx)); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Catalogue lists the fields a sync of object could write in a store, for a person choosing them: the
// native ones, and for customers the store's own attributes and signup form fields, read from the
// store now (two calls; nothing is kept). Metafields are any the person names.
func (e *Engine) Catalogue(ctx context.Context, storeID int64, object mapping.Object) ([]mapping.Field, error) {
	if err := object.Validate(); err != nil {
		return nil, &InputError{"object", err.Error()}
	}
	var st mapping.Store
	if object == mapping.Customers {
		bc, err := e.client(ctx, storeID)
		if err != nil {
			return nil, err
		}
		if st, err = readStore(ctx, bc, "yy-"); err != nil {
			return nil, fmt.Errorf("reading the store's fields: %w", err)
		}
	}
	return mapping.Catalogue(object, st), nil
}

// keepStoreFields saves what was read of the store's fields with the sync.
func (e *Engine) keepStoreFields(ctx context.Context, w *store.WarehouseSync, kept keptFields) error {
	body, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	w.StoreFields, w.StoreFieldsAt = string(body), e.opts.Now()
	return e.store.SaveStoreFields(context.WithoutCancel(ctx), w.ID, w.StoreFields, w.StoreFieldsAt)
}

// fieldsUsed says which of the store's fields the mapping uses: attributes, form fields, order
// statuses, as y or - each.
func fieldsUsed(cfg *config) string {
	var attrs, forms, statuses bool
	for _, m := range cfg.mappings {
		switch {
		case strings.HasPrefix(m.Field, mapping.AttributePrefix):
			attrs = true
		case strings.HasPrefix(m.Field, mapping.FormFieldPrefix):
			forms = true
		case m.Field == "status":
			statuses = true
		}
	}
	return string([]byte{flag(attrs), flag(forms), flag(statuses)})
}

func flag(b bool) byte {
	if b {
		return 'y'
	}
	return '-'
}
