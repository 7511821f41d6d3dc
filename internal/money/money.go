// Package money holds exact decimal amounts. BigCommerce sends money as strings ("12.3400"); bcsync keeps
// them exact from the wire to Dotdigital and never does float64 arithmetic on them.
package money

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is an exact decimal amount of money. The zero value is 0.
type Amount struct{ d decimal.Decimal }

// ErrInvalid is returned for text that is not a plain decimal number.
var ErrInvalid = errors.New("money: invalid amount")

// maxDigits bounds parsing so that a hostile or corrupt response cannot make bcsync allocate without limit.
const maxDigits = 40

// Parse reads a plain decimal such as "12.34", "-0.5" or "1200". Exponents, NaN, infinities,
// thousands separators and empty text are refused.
func Parse(s string) (Amount, error) {
	if !plainDecimal(s) {
		return Amount{}, fmt.Errorf("%w: %q", ErrInvalid, truncate(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("%w: %q", ErrInvalid, truncate(s))
	}
	return Amount{d}, nil
}

// MustParse is Parse for constants in code and tests.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

// FromMinor returns units / 10^places, e.g. FromMinor(1234, 2) is 12.34.
func FromMinor(units int64, places int32) Amount { return Amount{decimal.New(units, -places)} }

func plainDecimal(s string) bool {
	if s == "" || len(s) > maxDigits+2 {
		return false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i++
	}
	digits, dots := 0, 0
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

func truncate(s string) string {
	if len(s) > 48 {
		return s[:48] + "…"
	}
	return s
}

func (a Amount) Add(b Amount) Amount       { return Amount{a.d.Add(b.d)} }
func (a Amount) Sub(b Amount) Amount       { return Amount{a.d.Sub(b.d)} }
func (a Amount) MulInt(n int64) Amount     { return Amount{a.d.Mul(decimal.NewFromInt(n))} }
func (a Amount) Mul(b Amount) Amount       { return Amount{a.d.Mul(b.d)} }
func (a Amount) Neg() Amount               { return Amount{a.d.Neg()} }
func (a Amount) Cmp(b Amount) int          { return a.d.Cmp(b.d) }
func (a Amount) Equal(b Amount) bool       { return a.d.Equal(b.d) }
func (a Amount) IsZero() bool              { return a.d.IsZero() }
func (a Amount) Sign() int                 { return a.d.Sign() }
func (a Amount) Round(places int32) Amount { return Amount{a.d.RoundBank(places)} }

// DivInt divides and rounds half to even at the given number of places (for averages).
func (a Amount) DivInt(n int64, places int32) Amount {
	if n == 0 {
		return Amount{}
	}
	return Amount{a.d.DivRound(decimal.NewFromInt(n), places+2).RoundBank(places)}
}

// String is the shortest exact form: "12.34", "0", "-3.5".
func (a Amount) String() string { return a.d.String() }

// Fixed formats with exactly places decimals, as BigCommerce does with 4: "12.3400".
func (a Amount) Fixed(places int32) string { return a.d.StringFixedBank(places) }

// Number is the amount as a JSON number literal, for APIs that want numbers rather than strings.
func (a Amount) Number() json.Number { return json.Number(a.d.String()) }

// MarshalJSON writes a quoted string, the shape BigCommerce uses, so nothing is lost to float parsing.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.d.String()) }

// UnmarshalJSON accepts a quoted decimal, a bare JSON number, null or "" (both read as zero:
// BigCommerce sends "" for some unset amounts).
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*a = Amount{}
		return nil
	}
	s := string(b)
	if len(b) >= 2 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%w: %s", ErrInvalid, truncate(string(b)))
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*a = Amount{}
			return nil
		}
	} else if strings.ContainsAny(s, "eE") {
		// A JSON number in exponent form: still exact, decimal parses it.
		d, err := decimal.NewFromString(s)
		if err != nil || len(s) > maxDigits+8 {
			return fmt.Errorf("%w: %s", ErrInvalid, truncate(s))
		}
		*a = Amount{d}
		return nil
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Minor returns the amount in units of 10^-places, rounded half to even (e.g. cents for 2), for exact
// integer sums in databases.
func (a Amount) Minor(places int32) int64 { return a.d.Shift(places).RoundBank(0).IntPart() }
