package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// testStatuses are BigCommerce's order statuses; the store renamed 11 (Awaiting Fulfillment).
var testStatuses = func() []bigcommerce.OrderStatus {
	names := []string{"Incomplete", "Pending", "Shipped", "Partially Shipped", "Refunded", "Cancelled", "Declined",
		"Awaiting Payment", "Awaiting Pickup", "Awaiting Shipment", "Completed", "Awaiting Fulfillment",
		"Manual Verification Required", "Disputed", "Partially Refunded"}
	out := make([]bigcommerce.OrderStatus, len(names))
	for i, n := range names {
		out[i] = bigcommerce.OrderStatus{ID: i, Name: n, SystemLabel: n}
	}
	out[11].CustomLabel = "Ready to pack"
	return out
}()

var testStore = Store{
	Attributes: []bigcommerce.CustomerAttribute{
		{ID: 1, Name: "Loyalty tier", Type: bigcommerce.AttributeString},
		{ID: 2, Name: "Shoe size", Type: bigcommerce.AttributeNumber},
		{ID: 4, Name: "Joined", Type: bigcommerce.AttributeDate},
	},
	FormFields:    []string{"How did you hear about us?", "Birthday month"},
	Metafields:    []string{"bcsync.segment"},
	OrderStatuses: testStatuses,
}

// columns builds a model's columns from "name:kind" (kind text when omitted).
func columns(specs ...string) []source.Column {
	out := make([]source.Column, len(specs))
	for i, s := range specs {
		name, kind, ok := strings.Cut(s, ":")
		if !ok {
			kind = string(source.KindText)
		}
		out[i] = source.Column{Name: name, DatabaseType: kind, Kind: source.Kind(kind)}
	}
	return out
}

func constant(s string) *string { return &s }

// problems returns the messages of a *CheckError (nil for nil), failing on another error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v, want *CheckError", err, err)
	}
	out := make([]string, len(ce.Problems))
	for i, p := range ce.Problems {
		out[i] = p.Message
	}
	return out
}

// rowProblems returns the messages of a *RowError (nil for nil), failing on another error.
func rowProblems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var re *RowError
	if !errors.As(err, &re) {
		t.Fatalf("error %T %v, want *RowError", err, err)
	}
	out := make([]string, len(re.Problems))
	for i, p := range re.Problems {
		out[i] = p.Message
	}
	return out
}

// mustCompile compiles or fails.
func mustCompile(t *testing.T, spec Spec, cols []source.Column) *Compiled {
	t.Helper()
	c, err := Compile(spec, cols, testStore)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

// customerSpec is an upsert by email with the names mapped, plus more mappings.
func customerSpec(mode Mode, more ...Mapping) Spec {
	return Spec{Object: Customers, Mode: mode, Match: Match{Column: "email", Field: MatchEmail},
		Mappings: append([]Mapping{{Field: "first_name", Column: "fname"}, {Field: "last_name", Column: "lname"}}, more...)}
}

// orderInsert is an order insert with every required field mapped from a column, plus more mappings.
func orderInsert(more ...Mapping) Spec {
	var maps []Mapping
	for _, p := range orderAddressParts {
		if p.required {
			maps = append(maps, Mapping{Field: "billing_address." + p.key, Column: "b_" + p.key})
		}
	}
	maps = append(maps, Mapping{Field: "products", Column: "lines"})
	return Spec{Object: Orders, Mode: Insert, Mappings: append(maps, more...)}
}

// orderColumns are the columns orderInsert reads, plus more.
func orderColumns(more ...string) []source.Column {
	var specs []string
	for _, p := range orderAddressParts {
		if p.required {
			specs = append(specs, "b_"+p.key)
		}
	}
	specs = append(specs, "lines:json")
	return columns(append(specs, more...)...)
}

// orderRow is a row of orderColumns: a full billing address and one custom line, plus more values.
func orderRow(more ...any) []any {
	row := []any{"Jane", "Doe", "123 Main Street", "Austin", "Texas", "78751", "United States", "US", "jane@example.com",
		json.RawMessage(`[{"name":"Mug","quantity":1,"price_ex_tax":45,"price_inc_tax":50}]`)}
	return append(row, more...)
}
