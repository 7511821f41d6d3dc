package mapping

import "testing"

// BenchmarkApply maps a row of 14 columns to 20 fields (attributes, a template, an address) and
// fingerprints it, as a plan does for every row of a model.
func BenchmarkApply(b *testing.B) {
	c, err := Compile(everyCustomerField, everyCustomerColumn, testStore)
	if err != nil {
		b.Fatal(err)
	}
	row := everyCustomerRow("Gold")
	b.ReportAllocs()
	for b.Loop() {
		v, err := c.Apply(row)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Fingerprint()
	}
}
