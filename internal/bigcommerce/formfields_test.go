package bigcommerce

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"

	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

func TestFormFieldValues(t *testing.T) {
	s := newStore(t, bcemu.Config{Customers: 40, Seed: 4}, nil)
	ctx := ctxT(t)
	var with Customer
	for _, cu := range readAll(t, s.client.Customers(ctx, CustomerQuery{})) {
		if len(cu.FormFields) > 0 {
			with = cu
			break
		}
	}
	got := readAll(t, s.client.FormFieldValues(ctx, FormFieldQuery{CustomerID: with.ID}))
	if with.ID == 0 || len(got) != len(with.FormFields) || got[0].Name != with.FormFields[0].Name || got[0].String() != with.FormFields[0].String() {
		t.Fatalf("customer %d has %+v, the endpoint lists %+v", with.ID, with.FormFields, got)
	}

	in := []FormFieldValueInput{
		{CustomerID: 1, Name: "Interests", Value: json.RawMessage(`["tea","ceramics"]`)},
		{CustomerID: 1, Name: "Loyalty number", Value: json.RawMessage(`12345`)},
		{CustomerID: 2, Name: "Shoe colour", Value: json.RawMessage(`"red"`)},    // not on the signup form
		{CustomerID: 3, Name: "Loyalty number", Value: json.RawMessage(`"abc"`)}, // a numbers field
		{CustomerID: 3, Name: "Birthday month", Value: json.RawMessage(`"Mai"`)},
	}
	results, err := s.client.UpsertFormFieldValues(ctx, in)
	if err == nil {
		t.Fatal("no error for the refused values")
	}
	for i, r := range results {
		if i == 2 || i == 3 {
			var apiErr *APIError
			if !errors.As(r.Err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Errors["value"] == "" {
				t.Fatalf("value %d: %v", i, r.Err)
			}
			continue
		}
		if r.Err != nil || r.Value == nil || r.Value.CustomerID != in[i].CustomerID || r.Value.Name != in[i].Name {
			t.Fatalf("value %d: %+v, %v", i, r.Value, r.Err)
		}
	}
	if n := s.requests("PUT /stores/{store_hash}/v3/customers/form-field-values"); n != 2 {
		t.Fatalf("%d PUTs, want 2 (the batch naming two values, then the other three)", n)
	}
	customers, err := s.client.CustomersByID(ctx, []int{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	one := customers[1].FormFields
	if k := slices.IndexFunc(one, func(f FormField) bool { return f.Name == "Interests" }); k < 0 || one[k].String() != "tea, ceramics" {
		t.Fatalf("customer 1 form fields %+v", one)
	}
	if numbers := readAll(t, s.client.FormFieldValues(ctx, FormFieldQuery{FieldName: "Loyalty number"})); len(numbers) != 1 || string(numbers[0].Value) != "12345" {
		t.Fatalf("loyalty numbers %+v", numbers)
	}
	if _, err := s.client.UpsertFormFieldValues(ctx, []FormFieldValueInput{{CustomerID: 1, Name: "Interests"}}); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a value without value: %v", err)
	}
}
