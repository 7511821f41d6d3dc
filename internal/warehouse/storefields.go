package warehouse

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// storeFieldsTTL keeps the store's attribute definitions, form fields and order statuses for a while,
// so that a run with nothing to send makes no call.
const storeFieldsTTL = 10 * time.Minute

type fieldsCache struct {
	mu      sync.Mutex
	entries map[int64]cachedFields
}

type cachedFields struct {
	store mapping.Store
	what  string
	at    time.Time
}

// storeFields reads what a sync's mapping needs to know of its store: the customer attributes, the
// signup form's fields and the order statuses, each only when a mapping uses one. fresh skips the cache.
func (e *Engine) storeFields(ctx context.Context, storeID int64, bc *bigcommerce.Client, cfg *config, fresh bool) (mapping.Store, error) {
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
	what := string([]byte{flag(attrs), flag(forms), flag(statuses)})
	if what == "---" {
		return mapping.Store{}, nil
	}
	e.fields.mu.Lock()
	c, ok := e.fields.entries[storeID]
	e.fields.mu.Unlock()
	if ok && !fresh && c.what == what && e.opts.Now().Sub(c.at) < storeFieldsTTL {
		return c.store, nil
	}
	var st mapping.Store
	var err error
	if attrs {
		if st.Attributes, err = bc.CustomerAttributes(ctx); err != nil {
			return st, err
		}
	}
	if forms {
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
	if statuses {
		if st.OrderStatuses, err = bigcommerce.All(bc.OrderStatuses(ctx)); err != nil {
			return st, err
		}
	}
	e.fields.mu.Lock()
	e.fields.entries[storeID] = cachedFields{store: st, what: what, at: e.opts.Now()}
	e.fields.mu.Unlock()
	return st, nil
}

func flag(b bool) byte {
	if b {
		return 'y'
	}
	return '-'
}
