package resource

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Text is one text input a user gave: Field names it as the API's JSON and the UI's forms do.
type Text struct {
	Field string
	Value string
}

// The longest text each input takes, in characters: room for any real value, and no more, so that no
// page, row or log line grows without bound (a 500 KB token name once made the tokens page 1 MB). The
// API and the UI refuse longer values with a problem naming the field; the API's bodies are also
// bounded as a whole (1 MiB), and so are the UI's forms.
var maxLength = map[string]struct {
	max   int
	label string
}{
	"name":                      {100, "The name"},
	"username":                  {100, "The username"},
	"password":                  {200, "The password"},
	FieldBigCommerceAPIPath:     {300, "The BigCommerce API path"},
	"bigcommerce_client_id":     {100, "The BigCommerce client id"},
	FieldBigCommerceAccessToken: {200, "The BigCommerce access token"},
	"bigcommerce_base_url":      {300, "The BigCommerce base URL"},
	FieldDotdigitalUsername:     {254, "The Dotdigital API user"}, // the longest email address
	FieldDotdigitalPassword:     {200, "The Dotdigital password"},
	"dotdigital_endpoint":       {300, "The Dotdigital endpoint"},
	"subscriber_list":           {255, "The subscriber list's name"},
	"customer_list":             {255, "The customer list's name"},
	"source":                    {300, "A mapped field"}, // form_field:<a form field's name>
	"data_field":                {100, "A data field's name"},
	"q":                         {320, "The search"},
	// Warehouse inputs.
	"url":         {2000, "The URL"}, // a source's (with its options) or a channel's
	"query":       {100_000, "The query"},
	"table":       {300, "The table"},
	"primary_key": {300, "The primary key column"},
	"key":         {300, "The primary key"},
	"column":      {300, "A column"},
	"field":       {300, "A field"},
	"constant":    {65_535, "A constant"}, // a metafield's value can be this long
	"template":    {2000, "A template"},
	// Alert channels.
	"routing_key": {100, "The routing key"},
	"smtp_url":    {2000, "The SMTP URL"},
	"from":        {300, "The sender"},
	"to":          {2000, "The recipients"},
	"secret":      {200, "The secret"},
	"account_sid": {100, "The account SID"},
	"auth_token":  {200, "The auth token"},
}

// defaultMaxLength bounds an input the table does not name.
const defaultMaxLength = 300

// MaxLength is the longest value of a field.
func MaxLength(field string) int {
	if l, ok := maxLength[field]; ok {
		return l.max
	}
	return defaultMaxLength
}

// CheckLengths refuses the first text longer than its field takes: a 422 "too_long" naming the field.
func CheckLengths(texts ...Text) error {
	for _, t := range texts {
		max := MaxLength(t.Field)
		if len(t.Value) <= max || utf8.RuneCountInString(t.Value) <= max { // bytes first: cheap, and enough for most
			continue
		}
		label := maxLength[t.Field].label
		if label == "" {
			label = "The field " + strings.ReplaceAll(t.Field, "_", " ")
		}
		return &Problem{Status: http.StatusUnprocessableEntity, Code: "too_long", Field: t.Field,
			Message: fmt.Sprintf("%s is too long: at most %d characters.", label, max)}
	}
	return nil
}
