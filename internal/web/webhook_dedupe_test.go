package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Deliveries that carry no hash are told apart by what they tell of: two carts abandoned at the same
// second are both kept, while the very same delivery repeated is dropped.
func TestDeliveriesWithoutAHashAreNotTakenForRepeatsOfTheFirst(t *testing.T) {
	s := newSite(t)
	c := s.env.Connect()
	ctx := context.Background()
	sh, err := s.env.Services.Store.Shop(ctx, c.StoreID)
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+"/webhooks/bigcommerce/"+itoa(c.StoreID), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Bcsync-Webhook-Secret", sh.WebhookSecret)
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("delivery %s: %d", body, resp.StatusCode)
		}
	}
	cart := func(id string) string {
		return fmt.Sprintf(`{"scope":"store/cart/abandoned","store_id":"1","data":{"type":"cart","id":%q,"token":"t-%s"},"created_at":1764900000,"producer":"stores/%s"}`,
			id, id, sh.StoreHash)
	}
	deliver(cart("a"))
	deliver(cart("b"))
	deliver(cart("b")) // a repeat
	events, err := s.env.Services.Store.CartEvents(ctx, c.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].CartID == events[1].CartID {
		t.Fatalf("cart events %+v, want carts a and b", events)
	}
}
