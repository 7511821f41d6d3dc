package marketing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bcsync/bcsync/internal/bigcommerce"
)

const streamWebhooks = "webhooks"

// WebhookSecretHeader carries a connection's secret on every delivery of its store's webhooks:
// BigCommerce signs nothing, so this header (sent back as registered) is what authenticates them.
const WebhookSecretHeader = "X-Bcsync-Webhook-Secret"

// webhookScopes are the events that make a connection sync at once. store/cart/abandoned is also the
// only way to learn of abandoned carts: BigCommerce lists no carts.
var webhookScopes = []string{"store/customer/*", "store/subscriber/*", "store/order/*", "store/product/*", "store/cart/abandoned"}

// WebhookScopes are the events whose hooks a connection registers (alerts check that they are there).
func WebhookScopes() []string { return slices.Clone(webhookScopes) }

// WebhookPath is where bcsync receives a store's deliveries, below its public URL. (A connection made
// before stores had ids of their own kept its id as its store's: its webhooks still arrive.)
func WebhookPath(storeID int64) string {
	return fmt.Sprintf("/webhooks/bigcommerce/%d", storeID)
}

// webhooksStream registers the store's webhooks when bcsync has a public URL: once per destination (a
// run makes no call when they are registered already). Polling remains the safety net.
type webhooksStream struct{}

func (webhooksStream) name() string { return streamWebhooks }
func (webhooksStream) enabled(rc *runContext) bool {
	return rc.e.opts.PublicURL != "" && rc.conn.WebhooksURL != rc.webhookURL()
}

func (rc *runContext) webhookURL() string {
	return strings.TrimSuffix(rc.e.opts.PublicURL, "/") + WebhookPath(rc.conn.StoreID)
}

func (webhooksStream) sync(ctx context.Context, rc *runContext) error {
	dest := rc.webhookURL()
	hooks, err := bigcommerce.All(rc.bc.Webhooks(ctx))
	if err != nil {
		return err
	}
	headers := map[string]string{WebhookSecretHeader: rc.conn.WebhookSecret}
	active := true
	for _, scope := range webhookScopes {
		rc.run.Count(1, 0, 0, 0)
		var mine *bigcommerce.Webhook
		for i := range hooks {
			h := &hooks[i]
			if h.Scope == scope && (h.Destination == dest || h.Destination == rc.conn.WebhooksURL) {
				mine = h
				break
			}
		}
		in := bigcommerce.WebhookInput{Scope: scope, Destination: dest, IsActive: &active, Headers: headers}
		switch {
		case mine == nil:
			if _, err := rc.bc.CreateWebhook(ctx, in); err != nil {
				return err
			}
			rc.run.Count(0, 1, 0, 0)
		case mine.Destination != dest || !mine.IsActive || mine.Headers[WebhookSecretHeader] != rc.conn.WebhookSecret:
			if _, err := rc.bc.UpdateWebhook(ctx, mine.ID, in); err != nil {
				return err
			}
			rc.run.Count(0, 1, 0, 0)
		default:
			rc.run.Count(0, 0, 1, 0)
		}
	}
	return rc.e.store.SetWebhooksURL(ctx, rc.conn.StoreID, dest)
}
