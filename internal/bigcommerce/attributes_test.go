package bigcommerce

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

func TestCustomerAttributeDefinitions(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 5, Seed: 3}, nil)
	ctx := ctxT(t)
	defs, err := s.client.CustomerAttributes(ctx)
	if err != nil || len(defs) != 3 || defs[1].Type != AttributeNumber || defs[0].Name == "" || defs[0].DateCreated.IsZero() {
		t.Fatalf("definitions %+v, %v", defs, err)
	}
	created, err := s.client.CreateCustomerAttributes(ctx, []CustomerAttributeInput{{"Birthday", AttributeDate}, {"Points", AttributeNumber}})
	if err != nil || len(created) != 2 || created[0].ID != 4 || created[0].Name != "Birthday" || created[1].Type != AttributeNumber {
		t.Fatalf("created %+v, %v", created, err)
	}
	// A taken name (ignoring case) refuses the whole request, naming the record.
	_, err = s.client.CreateCustomerAttributes(ctx, []CustomerAttributeInput{{"Colour", AttributeString}, {"BIRTHDAY", AttributeString}})
	var apiErr *APIError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &apiErr) || apiErr.Records[1]["name"] == "" {
		t.Fatalf("a taken name: %v", err)
	}
	if defs, _ := s.client.CustomerAttributes(ctx); len(defs) != 5 {
		t.Fatalf("%d definitions after a refused create", len(defs))
	}
}

func TestUpsertAttributeValues(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 30, Seed: 3}, nil)
	ctx := ctxT(t)
	defs, err := s.client.CreateCustomerAttributes(ctx, []CustomerAttributeInput{{"Birthday", AttributeDate}, {"Points", AttributeNumber}})
	if err != nil {
		t.Fatal(err)
	}
	birthday, points := defs[0].ID, defs[1].ID
	var in []AttributeValueInput
	for id := 1; id <= 12; id++ {
		in = append(in, AttributeValueInput{CustomerID: id, AttributeID: points, Value: fmt.Sprint(id * 10)})
		if id%3 == 0 {
			in = append(in, AttributeValueInput{CustomerID: id, AttributeID: birthday, Value: fmt.Sprintf("1990-05-%02d", id)})
		}
	}
	in[2].Value = "many"                                                                   // customer 3: not a number
	in = append(in, AttributeValueInput{CustomerID: 999, AttributeID: points, Value: "1"}) // no such customer
	in = append(in, AttributeValueInput{CustomerID: 1, AttributeID: 1, Value: "Gold"})     // customer 1 again, a string attribute
	results, err := s.client.UpsertAttributeValues(ctx, in)
	if err == nil {
		t.Fatal("no error for the refused values")
	}
	for i, r := range results {
		bad := map[int]string{2: "value", len(in) - 2: "customer_id"}
		if field, isBad := bad[i]; isBad {
			var apiErr *APIError
			if !errors.As(r.Err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Errors[field] == "" || r.Value != nil {
				t.Fatalf("value %d: want a 422 on %s, got %v", i, field, r.Err)
			}
			continue
		}
		if r.Index != i || r.Err != nil || r.Value == nil || r.Value.ID == 0 || r.Value.CustomerID != in[i].CustomerID ||
			r.Value.AttributeID != in[i].AttributeID || r.Value.Value != in[i].Value {
			t.Fatalf("value %d: %+v (%v)", i, r.Value, r.Err)
		}
	}
	// 13 customers: 10 in the first request (one bad value, named: the rest sent again), 3 in the second
	// (one bad value, named: the rest sent again).
	if n := s.requests("PUT /stores/{store_hash}/v3/customers/attribute-values"); n != 4 {
		t.Fatalf("%d PUTs, want 4", n)
	}

	// An upsert keeps the value's id; customers carry the values with their ids.
	first := results[0].Value
	again, err := s.client.UpsertAttributeValues(ctx, []AttributeValueInput{{CustomerID: 1, AttributeID: points, Value: "11"}})
	if err != nil || again[0].Value.ID != first.ID || again[0].Value.Value != "11" {
		t.Fatalf("second upsert %+v, %v", again, err)
	}
	cu, err := s.client.CustomersByID(ctx, []int{1})
	if err != nil || !slices.Contains(cu[1].Attributes, Attribute{ID: first.ID, AttributeID: points, Value: "11"}) {
		t.Fatalf("customer 1 attributes %+v, %v", cu[1].Attributes, err)
	}
	listed := readAll(t, s.client.AttributeValues(ctx, AttributeValueQuery{CustomerIDs: []int{1, 6}, AttributeIDs: []int{points, birthday}}))
	if len(listed) != 3 {
		t.Fatalf("listed %+v", listed)
	}

	// Clearing: the value is deleted by its id.
	if err := s.client.DeleteAttributeValues(ctx, []int{first.ID, 987654}); err != nil {
		t.Fatal(err)
	}
	if left := readAll(t, s.client.AttributeValues(ctx, AttributeValueQuery{CustomerIDs: []int{1}, AttributeIDs: []int{points}})); len(left) != 0 {
		t.Fatalf("left %+v", left)
	}
	if _, err := s.client.do(ctx, call{method: http.MethodDelete, path: "v3/customers/attribute-values", query: url.Values{}}, nil); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a DELETE without id:in was sent: %v", err)
	}
	if _, err := s.client.UpsertAttributeValues(ctx, []AttributeValueInput{{AttributeID: 1, Value: "x"}}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a value without customer: %v", err)
	}
}

// Values of many customers go 10 customers a request, at most 3 requests in flight; more than 10
// customers in one request is refused with 413 (made by hand: the client never sends it).
func TestAttributeValueBatches(t *testing.T) {
	var c concurrency
	s := newStore(t, bcemu.Config{Customers: 60, Latency: 20 * time.Millisecond}, c.wrap)
	ctx := ctxT(t)
	var in []AttributeValueInput
	for id := 1; id <= 55; id++ {
		in = append(in, AttributeValueInput{CustomerID: id, AttributeID: 1, Value: "Gold"}, AttributeValueInput{CustomerID: id, AttributeID: 2, Value: "42"})
	}
	if _, err := s.client.UpsertAttributeValues(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n := s.requests("PUT /stores/{store_hash}/v3/customers/attribute-values"); n != 6 {
		t.Fatalf("%d requests for 55 customers, want 6", n)
	}
	if p := c.peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak of %d writes in flight", p)
	}
	_, err := s.client.do(ctx, call{method: http.MethodPut, path: "v3/customers/attribute-values", body: in[:22]}, nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("11 customers in one request: %v", err)
	}
}
