package bigcommerce

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// idsPerQuery bounds the ids or emails of one request, to keep URLs short.
const idsPerQuery = 50

// encodeQuery writes a query as BigCommerce reads it: its filter names contain colons ("id:in",
// "date_modified:min") and its lists are comma-separated, both left readable.
func encodeQuery(q url.Values) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escape(k))
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String()
}

var readable = strings.NewReplacer("%3A", ":", "%2C", ",")

func escape(s string) string { return readable.Replace(url.QueryEscape(s)) }

// setRange sets the bounds of a date filter that are not zero.
func setRange(v url.Values, minName, maxName string, since, until time.Time) {
	if !since.IsZero() {
		v.Set(minName, FilterTime(since))
	}
	if !until.IsZero() {
		v.Set(maxName, FilterTime(until))
	}
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ",")
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
