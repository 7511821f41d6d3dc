package warehouse

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// keyOf is a primary key value as text (how rows are keyed in the state store), or why the row has
// none: NULL, empty, or a value that is no key (a fractional number, binary data).
func keyOf(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("the primary key is NULL")
	case string:
		s = x
	case int64:
		return strconv.FormatInt(x, 10), nil
	case source.Decimal:
		s = string(x)
	case source.Unparsed:
		s = string(x)
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("the primary key %v is not a whole number", x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case json.RawMessage:
		s = string(x)
	case []byte:
		if !utf8.Valid(x) {
			return "", fmt.Errorf("the primary key is binary data")
		}
		s = string(x)
	default:
		s = fmt.Sprint(x)
	}
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("the primary key is empty")
	}
	return s, nil
}

// hash64 is a 64-bit hash of a text: plans keep one per row instead of the row, so that a model of
// millions of rows is planned in little memory. Two keys colliding is about one chance in 10^7 for ten
// million rows; it would only make a removed row look present (nothing is removed by mistake).
func hash64(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.LittleEndian.Uint64(sum[:8])
}
