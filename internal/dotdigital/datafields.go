package dotdigital

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Data field types.
const (
	FieldString  = "String"
	FieldNumeric = "Numeric"
	FieldDate    = "Date"
	FieldBoolean = "Boolean"
)

// DataField is a contact data field.
type DataField struct {
	Name         string `json:"name"`
	Type         string `json:"type"`       // String, Numeric, Date or Boolean
	Visibility   string `json:"visibility"` // Private (default) or Public
	DefaultValue any    `json:"defaultValue"`
}

var dataFieldName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

// ValidateDataField checks a new data field as Dotdigital does, except uniqueness: a name of 1 to 20
// letters, digits, '_' or '-', and one of the four types.
func ValidateDataField(f DataField) error {
	if !dataFieldName.MatchString(f.Name) {
		return fmt.Errorf("%w: data field name %q: 1 to 20 characters of A-Z, a-z, 0-9, '_' or '-'", ErrInvalid, f.Name)
	}
	switch f.Type {
	case FieldString, FieldNumeric, FieldDate, FieldBoolean:
		return nil
	}
	return fmt.Errorf("%w: data field %s: type %q is not String, Numeric, Date or Boolean", ErrInvalid, f.Name, f.Type)
}

// DataFields lists the account's contact data fields.
func (c *Client) DataFields(ctx context.Context) ([]DataField, error) {
	var out []DataField
	_, err := c.do(ctx, call{method: "GET", path: "/v2/data-fields", out: &out})
	return out, err
}

// CreateDataField creates a data field. A name that exists is ErrDuplicate (ERROR_NON_UNIQUE_DATAFIELD).
func (c *Client) CreateDataField(ctx context.Context, f DataField) error {
	if err := ValidateDataField(f); err != nil {
		return err
	}
	if f.Visibility == "" {
		f.Visibility = "Private"
	}
	var retried bool
	_, err := c.do(ctx, call{method: "POST", path: "/v2/data-fields", body: f, retried: &retried})
	if errors.Is(err, ErrDuplicate) && retried {
		return nil // the first attempt created it before its answer was lost
	}
	return err
}

// EnsureDataFields creates the fields the account lacks (names compare case-insensitively) and returns
// the names it created.
func (c *Client) EnsureDataFields(ctx context.Context, fields []DataField) ([]string, error) {
	have, err := c.DataFields(ctx)
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, f := range have {
		exists[strings.ToUpper(f.Name)] = true
	}
	var created []string
	for _, f := range fields {
		if exists[strings.ToUpper(f.Name)] {
			continue
		}
		err := c.CreateDataField(ctx, f)
		if errors.Is(err, ErrDuplicate) {
			continue // created meanwhile
		}
		if err != nil {
			return created, err
		}
		exists[strings.ToUpper(f.Name)] = true
		created = append(created, f.Name)
	}
	return created, nil
}
