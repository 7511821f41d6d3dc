package bigcommerce

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

func TestCustomerMetafieldOfOneCustomer(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 5, Seed: 2}, nil)
	ctx := ctxT(t)
	in := MetafieldInput{Namespace: "bcsync", Key: "tier", Value: "gold", PermissionSet: MetafieldAppOnly, Description: ptr("Loyalty tier")}
	m, err := s.client.CreateCustomerMetafield(ctx, 1, in)
	if err != nil || m.ID == 0 || m.ResourceID != 1 || m.ResourceType != "customer" || m.Value != "gold" || m.Description != "Loyalty tier" ||
		m.PermissionSet != MetafieldAppOnly || m.DateCreated.IsZero() || m.OwnerClientID != s.emu.ClientID() {
		t.Fatalf("created %+v, %v", m, err)
	}
	if _, err := s.client.CreateCustomerMetafield(ctx, 1, in); !errors.Is(err, ErrConflict) {
		t.Fatalf("the same namespace and key again: %v", err)
	}
	if _, err := s.client.CreateCustomerMetafield(ctx, 999, in); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unknown customer: %v", err)
	}
	other, err := s.client.CreateCustomerMetafield(ctx, 1, MetafieldInput{Namespace: "bcsync", Key: "points", Value: "12", PermissionSet: MetafieldRead})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := s.client.UpdateCustomerMetafield(ctx, 1, m.ID, MetafieldInput{Value: "silver"})
	if err != nil || updated.Value != "silver" || updated.Key != "tier" || updated.ID != m.ID {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	if _, err := s.client.UpdateCustomerMetafield(ctx, 1, other.ID, MetafieldInput{Key: "tier"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("a rename onto a taken key: %v", err)
	}
	if _, err := s.client.UpdateCustomerMetafield(ctx, 2, m.ID, MetafieldInput{Value: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another customer's metafield: %v", err)
	}
	listed := readAll(t, s.client.CustomerMetafields(ctx, 1, MetafieldQuery{Namespace: "bcsync", Keys: []string{"tier"}}))
	if len(listed) != 1 || listed[0].Value != "silver" {
		t.Fatalf("listed %+v", listed)
	}
	if err := s.client.DeleteCustomerMetafield(ctx, 1, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.client.DeleteCustomerMetafield(ctx, 1, m.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if left := readAll(t, s.client.CustomerMetafields(ctx, 1, MetafieldQuery{})); len(left) != 1 || left[0].ID != other.ID {
		t.Fatalf("left %+v", left)
	}
}

// The batch endpoints write what they can: a 422 carries the written metafields beside the refused
// ones, and each record gets its own outcome without sending anything again.
func TestCustomerMetafieldBatches(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 8, Seed: 2}, nil)
	ctx := ctxT(t)
	if _, err := s.client.CreateCustomerMetafield(ctx, 3, MetafieldInput{Namespace: "bcsync", Key: "tier", Value: "x", PermissionSet: MetafieldRead}); err != nil {
		t.Fatal(err)
	}
	var in []MetafieldInput
	for id := 1; id <= 6; id++ {
		for _, key := range []string{"tier", "points"} {
			in = append(in, MetafieldInput{ResourceID: id, Namespace: "bcsync", Key: key, Value: fmt.Sprintf("%s-%d", key, id), PermissionSet: MetafieldWrite})
		}
	}
	in = append(in, MetafieldInput{ResourceID: 999, Namespace: "bcsync", Key: "tier", Value: "x", PermissionSet: MetafieldWrite})
	results, err := s.client.CreateCustomerMetafields(ctx, in)
	if err == nil {
		t.Fatal("no error for the refused records")
	}
	bad := map[int]bool{4: true, 12: true} // customer 3's tier exists; customer 999 does not
	for i, r := range results {
		if bad[i] {
			var apiErr *APIError
			if !errors.As(r.Err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Errors[""] == "" || r.Metafield != nil {
				t.Fatalf("record %d: %v", i, r.Err)
			}
			continue
		}
		if r.Err != nil || r.Metafield == nil || r.Metafield.ResourceID != in[i].ResourceID || r.Metafield.Key != in[i].Key || r.Metafield.Value != in[i].Value {
			t.Fatalf("record %d: %+v, %v", i, r.Metafield, r.Err)
		}
	}
	if n := s.requests("POST /stores/{store_hash}/v3/customers/metafields"); n != 2 {
		t.Fatalf("%d POSTs for 13 metafields, want 2: partial answers are not sent again", n)
	}
	all := readAll(t, s.client.MetafieldsOfCustomers(ctx, MetafieldQuery{Namespace: "bcsync"}))
	if len(all) != 12 {
		t.Fatalf("%d metafields in the store, want 12", len(all))
	}

	updates := []MetafieldInput{{ID: results[0].Metafield.ID, Value: "gold"}, {ID: 424242, Value: "x"}, {ID: results[1].Metafield.ID, Value: "99"}}
	updated, err := s.client.UpdateCustomerMetafields(ctx, updates)
	if err == nil || updated[0].Metafield.Value != "gold" || updated[2].Metafield.Value != "99" || updated[1].Err == nil || updated[1].Metafield != nil {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	deleted, err := s.client.DeleteCustomerMetafields(ctx, []int{results[0].Metafield.ID, 424242, results[1].Metafield.ID})
	if err == nil || deleted[0].Err != nil || deleted[2].Err != nil || deleted[1].Err == nil {
		t.Fatalf("deleted %+v, %v", deleted, err)
	}
	if ok, err := s.client.DeleteCustomerMetafields(ctx, []int{results[2].Metafield.ID}); err != nil || ok[0].Err != nil {
		t.Fatalf("a delete that fully succeeds: %+v, %v", ok, err)
	}
	// A deleted customer's metafields go with it.
	if err := s.client.DeleteCustomers(ctx, []int{4}); err != nil {
		t.Fatal(err)
	}
	for _, m := range readAll(t, s.client.MetafieldsOfCustomers(ctx, MetafieldQuery{})) {
		if m.ResourceID == 4 {
			t.Fatalf("a metafield of a deleted customer is left: %+v", m)
		}
	}
	if _, err := s.client.do(ctx, call{method: http.MethodDelete, path: "v3/customers/metafields"}, nil); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a DELETE of every metafield was sent: %v", err)
	}
	if _, err := s.client.CreateCustomerMetafields(ctx, []MetafieldInput{{Namespace: "n", Key: "k", Value: "v", PermissionSet: MetafieldRead}}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a batch metafield without customer: %v", err)
	}
}
