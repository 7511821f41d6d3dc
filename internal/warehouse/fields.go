package warehouse

import (
	"context"
	"errors"
	"fmt"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// Fields lists the fields a sync of object can write into a store: the native ones by group, then (for
// customers) the store's attributes and form fields, read from the store now; without a store (0), the
// native ones only.
func (e *Engine) Fields(ctx context.Context, object string, storeID int64) ([]mapping.Field, error) {
	o := mapping.Object(object)
	if err := o.Validate(); err != nil {
		return nil, &InputError{"object", err.Error()}
	}
	var st mapping.Store
	if storeID != 0 {
		if _, err := e.store.Shop(ctx, storeID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, &InputError{"store", fmt.Sprintf("there is no store %d (bcsync store list)", storeID)}
			}
			return nil, err
		}
		bc, err := e.client(ctx, storeID)
		if err != nil {
			return nil, err
		}
		// Everything the object can use, read now (an unsaved sync keeps nothing).
		cfg := &config{mappings: []mapping.Mapping{{Field: "status"}}}
		if o == mapping.Customers {
			cfg.mappings = []mapping.Mapping{{Field: mapping.AttributePrefix}, {Field: mapping.FormFieldPrefix}}
		}
		if st, err = e.storeFields(ctx, &store.WarehouseSync{}, bc, cfg, true); err != nil {
			return nil, fmt.Errorf("reading the store's fields: %w", err)
		}
	}
	return mapping.Catalogue(o, st), nil
}
