package dotdigital

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// v2 lists page with ?select (1–1000, default 1000) and ?skip.
const maxSelect = 1000

func v2Paging(w http.ResponseWriter, r *http.Request) (skip, sel int, ok bool) {
	q := r.URL.Query()
	sel = maxSelect
	if v := q.Get("select"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSelect {
			writeV2Error(w, http.StatusBadRequest, "You may only select a maximum of 1000 results. ERROR_PARAMETER_INVALID")
			return 0, 0, false
		}
		sel = n
	}
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeV2Error(w, http.StatusBadRequest, "Skip must not be negative. ERROR_PARAMETER_INVALID")
			return 0, 0, false
		}
		skip = n
	}
	return skip, sel, true
}

// page cuts one v2 page out of items.
func page[T any](items []T, skip, sel int) []T {
	if skip >= len(items) {
		return []T{}
	}
	return items[skip:min(len(items), skip+sel)]
}

// v3 lists page with ?limit (1–5000) and an opaque ?marker.
const maxLimit = 5000

type v3Link struct {
	Marker string `json:"marker"`
	Link   string `json:"link"`
}

type v3Links struct {
	Self  v3Link  `json:"self"`
	First v3Link  `json:"first"`
	Next  *v3Link `json:"next,omitempty"`
}

func v3Paging(w http.ResponseWriter, r *http.Request, service string) (limit int, after int64, ok bool) {
	q := r.URL.Query()
	limit = 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeV3Error(w, http.StatusBadRequest, service+":invalidLimit", "The limit must be between 1 and 5000",
				v3Detail{Item: "limit", Description: v})
			return 0, 0, false
		}
		limit = n
	}
	if m := q.Get("marker"); m != "" {
		n, err := decodeMarker(m)
		if err != nil {
			writeV3Error(w, http.StatusBadRequest, service+":invalidMarker", "The marker value is invalid",
				v3Detail{Item: "marker", Description: m})
			return 0, 0, false
		}
		after = n
	}
	return limit, after, true
}

func encodeMarker(after int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + strconv.FormatInt(after, 10)))
}

func decodeMarker(m string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimPrefix(string(b), "after:"), 10, 64)
}

// links builds the v3 _links of a page that starts after `after`; next is set when there is more.
func links(r *http.Request, after int64, next int64, more bool) v3Links {
	link := func(marker string) string {
		u := url.URL{Path: r.URL.Path}
		q := r.URL.Query()
		if marker == "" {
			q.Del("marker")
		} else {
			q.Set("marker", marker)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	self := ""
	if after > 0 {
		self = encodeMarker(after)
	}
	l := v3Links{Self: v3Link{self, link(self)}, First: v3Link{"", link("")}}
	if more {
		m := encodeMarker(next)
		l.Next = &v3Link{m, link(m)}
	}
	return l
}
