package bigcommerce

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxLimit is the largest page BigCommerce serves; a larger limit is refused with 413.
const maxLimit = 250

// paging reads page and limit (defaults 1 and 50), answering 413 or 422 itself when they are wrong.
func (s *Server) paging(w http.ResponseWriter, r *http.Request) (page, limit int, ok bool) {
	q := r.URL.Query()
	page, limit = 1, 50
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.invalidParam(w, r, "page", "page must be a positive integer")
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.invalidParam(w, r, "limit", "limit must be a positive integer")
			return 0, 0, false
		}
		if n > maxLimit {
			s.writeError(w, r, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("The limit parameter exceeds the maximum of %d.", maxLimit), nil)
			return 0, 0, false
		}
		limit = n
	}
	return page, limit, true
}

func (s *Server) invalidParam(w http.ResponseWriter, r *http.Request, name, msg string) {
	status := http.StatusUnprocessableEntity
	if isV2(r) {
		status = http.StatusBadRequest
	}
	s.writeError(w, r, status, "The query parameter '"+name+"' is invalid.", map[string]string{name: msg})
}

// filterTime reads a date filter as BigCommerce accepts it: ISO-8601 (a value without a zone is UTC),
// RFC-2822 (v2), a unix timestamp, or a bare date. A bare date means midnight UTC, except where
// nowForBareDate is set: products take "the current time of the request" appended, as BigCommerce
// documents, which silently skips records for a client that sends dates only.
func filterTime(v string, now time.Time, nowForBareDate bool) (int64, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Unix(), nil
		}
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		if nowForBareDate {
			n := now.UTC()
			t = t.Add(time.Duration(n.Hour())*time.Hour + time.Duration(n.Minute())*time.Minute + time.Duration(n.Second())*time.Second)
		}
		return t.Unix(), nil
	}
	return 0, errors.New("not a date: " + v)
}

// timeFilters reads the :min/:max (v3) or min_/max_ (v2) date filters of a list into q.
func (s *Server) timeFilters(w http.ResponseWriter, r *http.Request, q *query, names map[string]*int64, nowForBareDate bool) bool {
	values := r.URL.Query()
	now := s.cfg.Now()
	for name, dst := range names {
		v := values.Get(name)
		if v == "" {
			continue
		}
		t, err := filterTime(v, now, nowForBareDate)
		if err != nil {
			s.invalidParam(w, r, name, err.Error())
			return false
		}
		*dst = t
	}
	return true
}

// intList reads "1,2,3" (and repeated parameters) as ids.
func intList(values url.Values, name string) ([]int, error) {
	var out []int
	for _, v := range values[name] {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not an integer", name, part)
			}
			out = append(out, n)
		}
	}
	if values.Has(name) && out == nil {
		out = []int{}
	}
	return out, nil
}

// stringList reads "a,b,c" (and repeated parameters).
func stringList(values url.Values, name string) []string {
	var out []string
	for _, v := range values[name] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// pagination is v3's meta.pagination.
type pagination struct {
	Total       int   `json:"total"`
	Count       int   `json:"count"`
	PerPage     int   `json:"per_page"`
	CurrentPage int   `json:"current_page"`
	TotalPages  int   `json:"total_pages"`
	Links       links `json:"links"`
}

type links struct {
	Previous string `json:"previous,omitempty"`
	Current  string `json:"current"`
	Next     string `json:"next,omitempty"`
}

type listMeta struct {
	Pagination pagination `json:"pagination"`
}

func newPagination(r *http.Request, total, count, page, limit int) pagination {
	pages := (total + limit - 1) / limit
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("limit", strconv.Itoa(limit))
		return "?" + q.Encode()
	}
	p := pagination{Total: total, Count: count, PerPage: limit, CurrentPage: page, TotalPages: pages,
		Links: links{Current: link(page)}}
	if page > 1 {
		p.Links.Previous = link(page - 1)
	}
	if page < pages {
		p.Links.Next = link(page + 1)
	}
	return p
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("id"))
	return n, err == nil && n > 0
}

// v3Time and v2Time format dates as each API version does.
func v3Time(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05Z") }
func v2Time(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC1123Z) }

// productTime is how the catalog writes dates: "2018-08-24T14:41:00+00:00".
func productTime(unix int64) string {
	return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05+00:00")
}
