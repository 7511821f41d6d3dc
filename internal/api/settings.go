package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
)

// settingsBody is PATCH /connections/{id}/settings' body; absent fields stay as they are. Lists are
// named (a string) or given by id (a number); customer_list "" or "none" (or 0) syncs no customers.
// Programmes are ids, 0 for none.
type settingsBody struct {
	DataSync             *bool           `json:"data_sync"`
	SubscriberList       json.RawMessage `json:"subscriber_list"`
	CustomerList         json.RawMessage `json:"customer_list"`
	NewCustomerProgram   *int64          `json:"new_customer_program"`
	NewSubscriberProgram *int64          `json:"new_subscriber_program"`
	AbandonedCartProgram *int64          `json:"abandoned_cart_program"`
	IntervalS            *float64        `json:"interval_s"`
	WriteBackRemovals    *bool           `json:"write_back_removals"`
}

func (h *Handler) patchSettings(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	var b settingsBody
	if err := decode(r, &b); err != nil {
		return err
	}
	ch := marketing.SettingsChange{DataSync: b.DataSync, NewCustomerProgram: b.NewCustomerProgram,
		NewSubscriberProgram: b.NewSubscriberProgram, AbandonedCartProgram: b.AbandonedCartProgram, WriteBackRemovals: b.WriteBackRemovals}
	if b.IntervalS != nil {
		d := time.Duration(*b.IntervalS * float64(time.Second))
		ch.Interval = &d
	}
	for _, l := range []struct {
		field string
		raw   json.RawMessage
		dst   **string
	}{{"subscriber_list", b.SubscriberList, &ch.SubscriberList}, {"customer_list", b.CustomerList, &ch.CustomerList}} {
		if len(l.raw) == 0 {
			continue
		}
		name, err := h.listName(r, c.ID, l.field, l.raw)
		if err != nil {
			return err
		}
		*l.dst = &name
	}
	if _, err := h.svc.UpdateSettings(r.Context(), c.ID, ch); err != nil {
		return err
	}
	c, err = h.svc.Store.Connection(r.Context(), c.ID)
	if err != nil {
		return err
	}
	rc, err := h.describe(r, c, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}

// listName reads a list given by name or id.
func (h *Handler) listName(r *http.Request, connID int64, field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		return name, resource.CheckLengths(resource.Text{Field: field, Value: name})
	}
	var id int64
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", badParam(field, "a list's name (a string) or id (a number)")
	}
	if id == 0 {
		return "none", nil
	}
	a, err := h.svc.Engine.Account(r.Context(), connID, false)
	if err != nil {
		return "", err
	}
	for _, l := range a.Lists {
		if l.ID == id {
			return l.Name, nil
		}
	}
	return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_setting", Field: field,
		Message: fmt.Sprintf("The account has no list with id %d.", id)}
}

func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	a, err := h.svc.Engine.Account(r.Context(), c.ID, r.URL.Query().Has("refresh"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewAccount(a))
	return nil
}

func (h *Handler) listFields(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"fields": resource.SourceFields(),
		"custom": "custom attributes map as attribute:<id>, form fields as form_field:<name>; both are String"})
	return nil
}

// mappingBody is PUT /connections/{id}/mapping's body: the whole mapping.
type mappingBody struct {
	Mappings []resource.Mapping `json:"mappings"`
}

func (h *Handler) getMapping(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	ms, err := h.svc.Store.FieldMappings(r.Context(), c.ID)
	if err != nil {
		return err
	}
	out := mappingBody{Mappings: []resource.Mapping{}}
	for _, m := range ms {
		out.Mappings = append(out.Mappings, resource.Mapping{Source: m.Source, DataField: m.DataField, DataFieldType: m.DataFieldType})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putMapping replaces the mapping: fields left out are unmapped. A changed mapping makes the next
// sync update the contacts whose values changed.
func (h *Handler) putMapping(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	var b mappingBody
	if err := decode(r, &b); err != nil {
		return err
	}
	current, err := h.svc.Store.FieldMappings(r.Context(), c.ID)
	if err != nil {
		return err
	}
	want := map[string]string{}
	for _, m := range b.Mappings {
		if err := resource.CheckLengths(resource.Text{Field: "source", Value: m.Source}, resource.Text{Field: "data_field", Value: m.DataField}); err != nil {
			return err
		}
		if _, dup := want[m.Source]; dup {
			return badParam("mappings", "the field "+m.Source+" is mapped twice")
		}
		want[m.Source] = m.DataField
	}
	set := map[string]string{}
	var unset []string
	for _, m := range current {
		if _, keep := want[m.Source]; !keep {
			unset = append(unset, m.Source)
		}
	}
	for src, df := range want {
		same := false
		for _, m := range current {
			same = same || (m.Source == src && strings.EqualFold(m.DataField, df))
		}
		if !same {
			set[src] = df
		}
	}
	if len(set) > 0 || len(unset) > 0 {
		if _, err := h.svc.UpdateSettings(r.Context(), c.ID, marketing.SettingsChange{Map: set, Unmap: unset}); err != nil {
			return err
		}
	}
	return h.getMapping(w, r)
}
