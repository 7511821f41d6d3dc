package resource

import "github.com/bcsync/bcsync/internal/marketing"

// SourceField is a BigCommerce customer field (or one bcsync computes) that can be mapped.
type SourceField struct {
	Key        string `json:"key"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	Group      string `json:"group"`
	Subscriber bool   `json:"subscriber"`
	Computed   bool   `json:"computed"`
}

// SourceFields lists the standard fields; custom attributes are "attribute:<id>" and form fields
// "form_field:<name>", both String.
func SourceFields() []SourceField {
	out := make([]SourceField, len(marketing.StandardFields))
	for i, f := range marketing.StandardFields {
		out[i] = SourceField{f.Key, f.Label, string(f.Type), f.Group, f.Subscriber, f.Computed}
	}
	return out
}

// Mapping is one BigCommerce field mapped to a Dotdigital data field.
type Mapping struct {
	Source        string `json:"source"`
	DataField     string `json:"data_field"`
	DataFieldType string `json:"data_field_type,omitempty"`
}
