package bigcommerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// v2 (orders, store) writes dates in RFC-2822, "always in UTC": "Tue, 20 Nov 2012 00:00:00 +0000".
var v2Layouts = []string{
	time.RFC1123Z,                    // Tue, 20 Nov 2012 00:00:00 +0000
	"Mon, 2 Jan 2006 15:04:05 -0700", // a day without its leading zero
	time.RFC1123,                     // a zone name, e.g. GMT
	"Mon, 2 Jan 2006 15:04:05 MST",
}

// v3 writes ISO-8601: "2021-07-28T19:00:38Z", the catalog "2018-08-24T14:41:00+00:00"; a value without
// a zone is taken as UTC.
var v3Layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
}

// ParseV2Time reads a v2 date. The empty string (an unset date, such as date_shipped of an order that
// has not shipped) is the zero time. v2 sometimes writes ISO-8601 too; that is accepted.
func ParseV2Time(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range v2Layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := ParseV3Time(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bigcommerce: %q is not an RFC-2822 date", truncate(s))
}

// ParseV3Time reads a v3 date; the empty string is the zero time.
func ParseV3Time(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range v3Layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bigcommerce: %q is not an ISO-8601 date", truncate(s))
}

// FilterTime writes a date filter value: always a full UTC timestamp. A bare date is dangerous:
// products take "the current time of the request" as its time of day (bigcommerce/docs#766).
func FilterTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// v2Time, v3Time and unixTime read the dates of the wire formats; the client's wire types use them in
// place of the models' plain time.Time fields.
type v2Time struct{ t time.Time }

func (d *v2Time) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err == nil {
		d.t, err = ParseV2Time(s)
	}
	return err
}

type v3Time struct{ t time.Time }

func (d *v3Time) UnmarshalJSON(b []byte) error {
	s, err := jsonString(b)
	if err == nil {
		d.t, err = ParseV3Time(s)
	}
	return err
}

// unixTime reads unix seconds (webhooks' created_at and updated_at).
type unixTime struct{ t time.Time }

func (d *unixTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.t = time.Time{}
		return nil
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return fmt.Errorf("bigcommerce: %s is not a unix time", truncate(string(b)))
	}
	d.t = time.Unix(n, 0).UTC()
	return nil
}

// jsonString reads a JSON string; null reads as "". A string without escapes (every date) is sliced,
// not decoded again.
func jsonString(b []byte) (string, error) {
	if string(b) == "null" {
		return "", nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("bigcommerce: a date must be a string, got %s", truncate(string(b)))
	}
	return s, nil
}
