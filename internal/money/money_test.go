package money

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseKeepsEveryDigit(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"12.3400", "12.34"},
		{"0.1", "0.1"},
		{"-0.5", "-0.5"},
		{"+7", "7"},
		{"1234567890123456789.0123", "1234567890123456789.0123"},
		{"0000.0100", "0.01"},
		{".5", "0.5"},
	} {
		a, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := a.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseRefusesWhatIsNotADecimal(t *testing.T) {
	for _, in := range []string{"", "-", ".", "1.2.3", "1,000.00", "NaN", "Inf", "1e3", "12 34", "$5", "0x10", "1..", "--1"} {
		if _, err := Parse(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error = %v, want ErrInvalid", in, err)
		}
	}
}

func TestSumIsExactWhereFloatIsNot(t *testing.T) {
	var sum Amount
	for range 10 {
		sum = sum.Add(MustParse("0.1"))
	}
	if !sum.Equal(MustParse("1")) {
		t.Fatalf("ten times 0.1 = %s, want 1", sum)
	}
	if got := MustParse("19.99").MulInt(3).String(); got != "59.97" {
		t.Fatalf("19.99 * 3 = %s", got)
	}
}

func TestDivIntRoundsHalfToEven(t *testing.T) {
	for _, tc := range []struct {
		total string
		n     int64
		want  string
	}{
		{"10", 3, "3.33"},
		{"0.05", 2, "0.02"}, // 0.025 → 0.02 (half to even)
		{"0.15", 2, "0.08"}, // 0.075 → 0.08
		{"7", 0, "0"},
	} {
		if got := MustParse(tc.total).DivInt(tc.n, 2).String(); got != tc.want {
			t.Errorf("%s / %d = %s, want %s", tc.total, tc.n, got, tc.want)
		}
	}
}

func TestFixedPadsLikeBigCommerce(t *testing.T) {
	if got := MustParse("12.3").Fixed(4); got != "12.3000" {
		t.Fatalf("Fixed(4) = %q", got)
	}
}

func TestJSONAcceptsStringsNumbersNullAndEmpty(t *testing.T) {
	var v struct {
		A, B, C, D, E Amount
	}
	err := json.Unmarshal([]byte(`{"A":"12.3400","B":5.25,"C":null,"D":"","E":1.5e2}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		got  Amount
		want string
	}{"A": {v.A, "12.34"}, "B": {v.B, "5.25"}, "C": {v.C, "0"}, "D": {v.D, "0"}, "E": {v.E, "150"}} {
		if tc.got.String() != tc.want {
			t.Errorf("%s = %s, want %s", name, tc.got, tc.want)
		}
	}
	if err := json.Unmarshal([]byte(`{"A":"twelve"}`), &v); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad amount error = %v", err)
	}
	out, _ := json.Marshal(v.A)
	if string(out) != `"12.34"` {
		t.Fatalf("marshal = %s", out)
	}
	if v.A.Number() != "12.34" {
		t.Fatalf("Number() = %s", v.A.Number())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.3400", "-0.5", "0", "1e3", "", ".", "99999999999999999999.9999", "+.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		// What parses must print in a form that parses back to the same value.
		b, err := Parse(a.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, a.String(), err)
		}
		if !a.Equal(b) {
			t.Fatalf("round trip %q → %s → %s", s, a, b)
		}
		var c Amount
		js, _ := json.Marshal(a)
		if err := json.Unmarshal(js, &c); err != nil || !c.Equal(a) {
			t.Fatalf("JSON round trip of %s: %s, %v", a, c, err)
		}
	})
}
