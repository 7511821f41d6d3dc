package ui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
)

// mappingSave applies the field mapping tab's Save: each field's choice, and an optional new custom
// attribute or form field.
func (h *Handler) mappingSave(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	current, err := h.svc.Store.FieldMappings(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	was := map[string]string{}
	for _, m := range current {
		was[m.Source] = m.DataField
	}
	chosen := map[string]string{}
	set := map[string]string{}
	var unset []string
	var texts []resource.Text
	for _, key := range mappedSources(current) {
		v := strings.TrimSpace(r.PostFormValue("map." + key))
		texts = append(texts, resource.Text{Field: "data_field", Value: v})
		v = clip("data_field", v)
		chosen[key] = v
		switch {
		case v == "" && was[key] != "":
			unset = append(unset, key)
		case v != "" && !strings.EqualFold(v, was[key]):
			set[key] = v
		}
	}
	newKey := strings.TrimSpace(r.PostFormValue("new_source"))
	newField := strings.TrimSpace(r.PostFormValue("new_data_field"))
	if err := resource.CheckLengths(append(texts, resource.Text{Field: "source", Value: newKey}, resource.Text{Field: "data_field", Value: newField})...); err != nil {
		h.showMapping(w, r, http.StatusUnprocessableEntity, chosen, clip("source", newKey), clip("data_field", newField), resource.ProblemOf(err))
		return
	}
	if newKey != "" || newField != "" {
		key, ok := customKey(r.PostFormValue("new_kind"), newKey)
		if !ok || newField == "" {
			h.showMapping(w, r, http.StatusUnprocessableEntity, chosen, newKey, newField, &resource.Problem{Status: http.StatusUnprocessableEntity,
				Code: "invalid_mapping", Field: "new_source",
				Message: "To map a custom attribute give its id (a number); to map a form field give its name; and choose a data field."})
			return
		}
		set[key] = newField
		chosen[key] = newField
	}
	if len(set) == 0 && len(unset) == 0 {
		h.redirectWith(w, r, fmt.Sprintf("/connections/%d/mapping", c.ID), "ok", "Nothing changed.")
		return
	}
	if _, err := h.svc.UpdateSettings(r.Context(), c.ID, marketing.SettingsChange{Map: set, Unmap: unset}); err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		h.showMapping(w, r, p.Status, chosen, "", "", p)
		return
	}
	h.redirectWith(w, r, fmt.Sprintf("/connections/%d/mapping", c.ID), "ok",
		"Field mapping saved. The next sync updates the contacts whose mapped values changed; orders and products are not sent again.")
}

// customKey builds the source key of a custom attribute (by id) or a form field (by name).
func customKey(kind, value string) (string, bool) {
	var key string
	switch kind {
	case "attribute":
		key = "attribute:" + value
	case "form_field":
		key = "form_field:" + value
	default:
		return "", false
	}
	_, ok := marketing.LookupSource(key)
	return key, ok
}
