package ui

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// The form of a warehouse sync, to add one or change it. It works without JavaScript: adding or
// removing a mapping, or loading the fields of another store or model, submits the form and shows it
// again as it was, with the change.

// syncForm is a warehouse sync as the form holds it: saved, or just submitted.
type syncForm struct {
	Name             string
	StoreID, ModelID int64
	Object, Mode     string
	MatchColumn      string
	MatchField       string
	Rows             []mapRow
	Delete           string
	Schedule         string // manual, interval or cron
	Every            string // an interval, as schedule.Parse reads it: 1h, 15m
	Cron             string
	// GuardRemove and GuardCount are the guard's thresholds in percent, as typed ("" for the defaults).
	GuardRemove, GuardCount string
	CreateAttributes        bool
}

// mapRow is one mapping of the editor: where the value comes from (a model column, or a constant or a
// template typed in Value), the field it is written to, and its options. Problems are what saving it
// was refused for.
type mapRow struct {
	Source    string
	Value     string
	Field     string
	Metafield string // namespace.key, when Field is otherMetafield
	SkipNulls bool
	Problems  []string
}

// Sources of a mapping besides the model's columns, and the field of a metafield the store does not
// list yet.
const (
	constantSource = "=constant"
	templateSource = "=template"
	otherMetafield = mapping.MetafieldPrefix
)

// maxRows bounds the mappings a form may post.
const maxRows = 200

func (r mapRow) blank() bool {
	return r.Source == "" && r.Field == "" && r.Value == "" && r.Metafield == ""
}

// syncFormOf reads the form as submitted, with its add and remove buttons applied.
func syncFormOf(r *http.Request) syncForm {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := syncForm{Name: v("name"), Object: v("object"), Mode: v("mode"), MatchColumn: v("match_column"), MatchField: v("match_field"),
		Delete: v("delete"), Schedule: v("schedule"), Every: v("every"), Cron: v("cron"), GuardRemove: v("guard_remove"),
		GuardCount: v("guard_count"), CreateAttributes: r.PostFormValue("create_attributes") != ""}
	f.StoreID, _ = strconv.ParseInt(v("store"), 10, 64)
	f.ModelID, _ = strconv.ParseInt(v("model"), 10, 64)
	n, _ := strconv.Atoi(v("rows"))
	for i := range min(n, maxRows) {
		p := fmt.Sprintf("map.%d.", i)
		f.Rows = append(f.Rows, mapRow{Source: v(p + "source"), Value: r.PostFormValue(p + "value"), Field: v(p + "field"),
			Metafield: v(p + "metafield"), SkipNulls: r.PostFormValue(p+"skip_nulls") != ""})
	}
	if i, err := strconv.Atoi(r.PostFormValue("remove")); err == nil && i >= 0 && i < len(f.Rows) {
		f.Rows = slices.Delete(f.Rows, i, i+1)
	}
	if r.PostFormValue("action") == "add" && len(f.Rows) < maxRows {
		f.Rows = append(f.Rows, mapRow{})
	}
	return f
}

// texts are the form's text inputs, for their length limits.
func (f syncForm) texts() []resource.Text {
	out := []resource.Text{{Field: "name", Value: f.Name}, {Field: "column", Value: f.MatchColumn}, {Field: "schedule", Value: f.Cron}}
	for _, m := range f.Rows {
		out = append(out, resource.Text{Field: "column", Value: m.Source}, resource.Text{Field: "field", Value: m.Field},
			resource.Text{Field: "field", Value: m.Metafield}, resource.Text{Field: "constant", Value: m.Value})
	}
	return out
}

// formOfSync is a saved sync as the form shows it.
func formOfSync(w *store.WarehouseSync) syncForm {
	f := syncForm{Name: w.Name, StoreID: w.StoreID, ModelID: w.ModelID, Object: w.Object, Mode: w.Mode, MatchColumn: w.MatchColumn,
		MatchField: w.MatchField, Delete: w.Delete, Schedule: "manual", GuardRemove: percentOf(w.GuardRemoveShare),
		GuardCount: percentOf(w.GuardCountShare)}
	switch {
	case w.Cron != "":
		f.Schedule, f.Cron = "cron", w.Cron
	case w.Interval > 0:
		f.Schedule, f.Every = "interval", schedule.Spec{Interval: w.Interval}.String()
	}
	var ms []mapping.Mapping
	json.Unmarshal([]byte(w.Mappings), &ms) // saved by AddSync or UpdateSync, from these very types
	for _, m := range ms {
		row := mapRow{Field: m.Field, Source: m.Column, SkipNulls: m.SkipNulls}
		switch {
		case m.Constant != nil:
			row.Source, row.Value = constantSource, *m.Constant
		case m.Template != "":
			row.Source, row.Value = templateSource, m.Template
		}
		if key, ok := strings.CutPrefix(m.Field, mapping.MetafieldPrefix); ok {
			row.Field, row.Metafield = otherMetafield, key
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

func percentOf(share float64) string { return strconv.FormatFloat(100*share, 'f', -1, 64) }

// share reads a percentage typed in the form ("" is 0: the default).
func share(field, typed string) (float64, error) {
	if typed == "" {
		return 0, nil
	}
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(typed), "%"), 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field,
			Message: fmt.Sprintf("The guard's limit is a percentage above 0 and at most 100, not %q.", typed)}
	}
	return p / 100, nil
}

// spec is the mapping the form describes, and for each of its mappings the row it came from (blank
// rows are left out, so a problem of mapping i stands beside row rows[i]).
func (f syncForm) spec() (mapping.Spec, []int) {
	s := mapping.Spec{Object: mapping.Object(f.Object), Mode: mapping.Mode(f.Mode), Match: mapping.Match{Column: f.MatchColumn, Field: f.MatchField},
		Mappings: []mapping.Mapping{}}
	if f.MatchColumn == "" && f.MatchField == "" || f.Mode == string(mapping.Insert) && f.MatchColumn == "" {
		s.Match = mapping.Match{} // insert mode needs no match
	}
	var rows []int
	for i, r := range f.Rows {
		if r.blank() {
			continue
		}
		m := mapping.Mapping{Field: r.Field, SkipNulls: r.SkipNulls}
		if r.Field == otherMetafield {
			m.Field = mapping.MetafieldPrefix + r.Metafield
		}
		switch r.Source {
		case constantSource:
			value := r.Value
			m.Constant = &value
		case templateSource:
			m.Template = r.Value
		default:
			m.Column = r.Source
		}
		s.Mappings = append(s.Mappings, m)
		rows = append(rows, i)
	}
	return s, rows
}

// schedule is the form's schedule.
func (f syncForm) schedule() (schedule.Spec, error) {
	var spec schedule.Spec
	var err error
	switch f.Schedule {
	case "interval":
		spec, err = schedule.Parse(f.Every)
		if err == nil && spec.Interval == 0 {
			err = fmt.Errorf("give an interval such as 15m or 1h")
		}
	case "cron":
		spec, err = schedule.Parse("cron:" + f.Cron)
	default:
		return schedule.Manual, nil
	}
	if err != nil {
		field := "every"
		if f.Schedule == "cron" {
			field = "cron"
		}
		return spec, &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Message: capitalized(err.Error()) + "."}
	}
	return spec, nil
}

// input is the sync the form describes, as the engine takes it.
func (f syncForm) input() (warehouse.SyncInput, []int, error) {
	spec, rows := f.spec()
	in := warehouse.SyncInput{Name: f.Name, StoreID: f.StoreID, ModelID: f.ModelID, Spec: spec, Delete: f.Delete, CreateAttributes: f.CreateAttributes}
	var err error
	if in.Schedule, err = f.schedule(); err != nil {
		return in, rows, err
	}
	if in.GuardRemoveShare, err = share("guard_remove", f.GuardRemove); err != nil {
		return in, rows, err
	}
	in.GuardCountShare, err = share("guard_count", f.GuardCount)
	return in, rows, err
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// syncFormView is the form with what it offers: the stores and models, the model's columns and the
// store's fields, the modes of the object, the next runs of the schedule, and where each problem is.
type syncFormView struct {
	Form syncForm
	// Editing is the sync being changed; nil for a new one.
	Editing     *store.WarehouseSync
	Stores      []*store.Shop
	Models      []*store.Model
	Columns     []source.Column
	Groups      []fieldGroup
	Modes       []choice
	MatchFields []string
	Required    []requiredField
	Upcoming    []upcomingRun
	// Problem is what saving was refused for; Field the form field it stands beside (none: at the top).
	Problem *resource.Problem
	Field   string
	// SyncProblems are the mapping's problems that are no one row's (a required field no row maps);
	// MatchProblems the match's.
	SyncProblems  []string
	MatchProblems []string
	// Warning says the model's columns or the store's fields could not be read.
	Warning string
}

// fieldGroup is a group of the catalogue: Customer, Address, Attributes…
type fieldGroup struct {
	Name   string
	Fields []mapping.Field
}

// requiredField is a field a record cannot be created without, and whether the form maps it.
type requiredField struct {
	Field  mapping.Field
	Mapped bool
	// ByMatch says the match gives it (the email of an email match).
	ByMatch bool
}

// upcomingRun is when a run would start, in UTC (cron's zone) and in the server's ("" when that is
// UTC too).
type upcomingRun struct {
	UTC, Local string
}

func upcomingOf(t time.Time) upcomingRun {
	u := upcomingRun{UTC: t.UTC().Format("Mon 2 Jan 15:04 UTC")}
	if _, offset := t.Local().Zone(); offset != 0 {
		u.Local = t.Local().Format("Mon 2 Jan 15:04 MST") + " here"
	}
	return u
}

// Invalid reports whether a form field is the problem's.
func (v syncFormView) Invalid(field string) bool { return v.Field == field }

// IsRequired reports whether the field of that key is one a create needs.
func (v syncFormView) IsRequired(key string) bool {
	return slices.ContainsFunc(v.Required, func(r requiredField) bool { return r.Field.Key == key })
}

// Noun says in the form what an object's record is called.
func (v syncFormView) Noun() string {
	if v.Form.Object == string(mapping.Orders) {
		return "an order"
	}
	return "a customer"
}

// showSyncForm renders the form: the model's columns and the store's fields are read now (the store's
// for customers: two calls), so that what is offered is what the model and the store have.
func (h *Handler) showSyncForm(w http.ResponseWriter, r *http.Request, status int, v syncFormView) {
	ctx := r.Context()
	var err error
	if v.Stores, err = h.svc.Store.Shops(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Models, err = h.svc.Store.Models(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	f := &v.Form
	if f.StoreID == 0 && len(v.Stores) == 1 {
		f.StoreID = v.Stores[0].ID
	}
	if f.ModelID == 0 && len(v.Models) == 1 {
		f.ModelID = v.Models[0].ID
	}
	if f.Object == "" {
		f.Object = string(mapping.Customers)
	}
	object := mapping.Object(f.Object)
	for _, m := range object.Modes() {
		v.Modes = append(v.Modes, choice{string(m), modeWords[m]})
	}
	if f.Mode == "" || !slices.ContainsFunc(v.Modes, func(c choice) bool { return c.Value == f.Mode }) {
		f.Mode = v.Modes[len(v.Modes)-1].Value // upsert for customers, update for orders
	}
	v.MatchFields = object.MatchFields()
	var warnings []string
	if f.ModelID != 0 {
		if v.Columns, err = h.svc.Warehouse.Columns(ctx, f.ModelID); err != nil {
			warnings = append(warnings, "The model's columns could not be read: "+h.problem(err, "reading a model's columns failed").Message)
		}
	}
	var catalogue []mapping.Field
	if f.StoreID != 0 {
		if catalogue, err = h.svc.Warehouse.Catalogue(ctx, f.StoreID, object); err != nil {
			warnings = append(warnings, "The store's fields could not be read: "+h.problem(err, "reading a store's fields failed").Message)
			catalogue = mapping.Catalogue(object, mapping.Store{})
		}
	} else {
		catalogue = mapping.Catalogue(object, mapping.Store{})
	}
	v.Warning = strings.Join(warnings, " ")
	if v.Editing == nil && len(f.Rows) == 0 {
		suggest(f, v.Columns, catalogue)
	}
	if len(f.Rows) == 0 {
		f.Rows = append(f.Rows, mapRow{})
	}
	v.Groups = groupFields(catalogue, f.Rows)
	v.Required = requiredFields(*f, catalogue)
	if spec, err := f.schedule(); err == nil {
		now := time.Now()
		for _, t := range spec.Upcoming(now, 3) {
			v.Upcoming = append(v.Upcoming, upcomingOf(t))
		}
	}
	p := page{Title: "New warehouse sync", Section: sectionSyncs, Data: v}
	if v.Editing != nil {
		p = page{Title: v.Editing.Name + ": settings", Section: sectionSyncs, WSync: v.Editing, Tab: "settings", Base: warehouseSyncPath(v.Editing.ID), Data: v}
	}
	h.render(w, r, status, "warehouse_sync_form", p)
}

var modeWords = map[mapping.Mode]string{
	mapping.Upsert: "Upsert: update the records rows match, create the others",
	mapping.Update: "Update: only the records rows match; create none",
	mapping.Insert: "Insert: create a record for each new row; change none",
}

// suggest starts the mapping of a new sync from the model's columns named as a field is (a column
// email, first_name…), and an email match when the model has an email column.
func suggest(f *syncForm, cols []source.Column, catalogue []mapping.Field) {
	for _, c := range cols {
		if f.Object == string(mapping.Customers) && f.MatchColumn == "" && strings.EqualFold(c.Name, "email") {
			f.MatchColumn, f.MatchField = c.Name, mapping.MatchEmail
			continue
		}
		for _, fd := range catalogue {
			if fd.Origin == mapping.Native && strings.EqualFold(fd.Key, c.Name) {
				f.Rows = append(f.Rows, mapRow{Source: c.Name, Field: fd.Key})
			}
		}
	}
}

// groupFields groups the catalogue for the field selects; a field a row names that the catalogue has
// not (an attribute since removed from the store) is offered too, so that showing the form never
// changes a mapping.
func groupFields(catalogue []mapping.Field, rows []mapRow) []fieldGroup {
	var groups []fieldGroup
	for _, fd := range catalogue {
		if len(groups) == 0 || groups[len(groups)-1].Name != fd.Group {
			groups = append(groups, fieldGroup{Name: fd.Group})
		}
		groups[len(groups)-1].Fields = append(groups[len(groups)-1].Fields, fd)
	}
	var missing []mapping.Field
	for _, r := range rows {
		if r.Field == "" || r.Field == otherMetafield || slices.ContainsFunc(catalogue, func(fd mapping.Field) bool { return fd.Key == r.Field }) ||
			slices.ContainsFunc(missing, func(fd mapping.Field) bool { return fd.Key == r.Field }) {
			continue
		}
		missing = append(missing, mapping.Field{Key: r.Field, Label: r.Field})
	}
	if len(missing) > 0 {
		groups = append(groups, fieldGroup{Name: "Not in the store", Fields: missing})
	}
	return groups
}

// requiredFields are the fields a record cannot be created without, in the modes that create, with
// whether the form maps them; and the parts of an address once any is mapped.
func requiredFields(f syncForm, catalogue []mapping.Field) []requiredField {
	mode := mapping.Mode(f.Mode)
	if mode != mapping.Insert && mode != mapping.Upsert {
		return nil
	}
	mapped := map[string]bool{}
	groups := map[string]bool{}
	for _, r := range f.Rows {
		if !r.blank() {
			mapped[r.Field] = true
			if k, _, ok := strings.Cut(r.Field, "."); ok {
				groups[k+"."] = true
			}
		}
	}
	emailMatch := f.MatchField == mapping.MatchEmail && f.MatchColumn != ""
	var out []requiredField
	for _, fd := range catalogue {
		if fd.Origin != mapping.Native || !(fd.Required || fd.RequiredWith != "" && groups[fd.RequiredWith]) {
			continue
		}
		byMatch := emailMatch && fd.Key == "email"
		out = append(out, requiredField{Field: fd, Mapped: mapped[fd.Key] || byMatch, ByMatch: byMatch})
	}
	return out
}

// place puts a refusal where it belongs: a mapping's problems beside its row, the match's beside the
// match, the others at the top of the mapping; any other problem beside its field.
func (v *syncFormView) place(p *resource.Problem, rows []int) {
	v.Problem = p
	v.Field = p.Field
	if len(p.Problems) == 0 {
		switch p.Field {
		case "guard-remove-share":
			v.Field = "guard_remove"
		case "guard-count-share":
			v.Field = "guard_count"
		case "key", "query", "url":
			v.Field = ""
		}
		return
	}
	v.Field = ""
	for _, pr := range p.Problems {
		msg := capitalized(pr.Message) + "."
		switch {
		case pr.Mapping == mapping.InMatch:
			v.MatchProblems = append(v.MatchProblems, msg)
		case pr.Mapping >= 0 && pr.Mapping < len(rows):
			row := &v.Form.Rows[rows[pr.Mapping]]
			row.Problems = append(row.Problems, msg)
		default:
			v.SyncProblems = append(v.SyncProblems, msg)
		}
	}
}

// typeWords name a field's type in the field selects.
var typeWords = map[mapping.Type]string{
	mapping.TypeText: "text", mapping.TypeEmail: "email", mapping.TypeInteger: "whole number", mapping.TypeDecimal: "decimal",
	mapping.TypeMoney: "money", mapping.TypeBoolean: "true or false", mapping.TypeDate: "date", mapping.TypeDateTime: "date and time",
	mapping.TypeStatus: "order status", mapping.TypeProducts: "product lines",
}

// saveSync adds the sync the form describes, or changes the one being edited; a refusal shows the form
// again with each problem where it belongs.
func (h *Handler) saveSync(w http.ResponseWriter, r *http.Request, v syncFormView) {
	in, rows, err := v.Form.input()
	if err == nil {
		err = resource.CheckLengths(v.Form.texts()...)
	}
	var saved *store.WarehouseSync
	if err == nil {
		if v.Editing != nil {
			saved, err = h.svc.Warehouse.UpdateSync(r.Context(), v.Editing.ID, in)
		} else {
			saved, err = h.svc.Warehouse.AddSync(r.Context(), in)
		}
	}
	if err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 && !strings.HasPrefix(p.Code, "source_") {
			h.log.Error("saving a warehouse sync failed", slog.Any("error", err))
		}
		v.place(p, rows)
		h.showSyncForm(w, r, p.Status, v)
		return
	}
	msg := fmt.Sprintf("Saved %s. Plan it to see what a run would do before anything is written.", saved.Name)
	if v.Editing != nil {
		msg = fmt.Sprintf("Saved the settings of %s. The next run plans with them.", saved.Name)
	}
	h.redirectWith(w, r, warehouseSyncPath(saved.ID), "ok", msg)
}
