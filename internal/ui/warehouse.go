package ui

import (
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// The warehouse half's pages: sources, models and warehouse syncs, each under its own entry of the
// main navigation.
const (
	sectionSources = "sources"
	sectionModels  = "models"
	sectionSyncs   = "warehouse-syncs"
)

type (
	sourceKey struct{}
	modelKey  struct{}
	wsyncKey  struct{}
)

// sourcePage, modelPage and warehouseSync are signedIn for pages of one source, model or warehouse
// sync: they load the one named in the path.
func (h *Handler) sourcePage(next http.HandlerFunc) http.HandlerFunc {
	return byID(h, sourceKey{}, h.svc.Store.Source, next)
}

func (h *Handler) modelPage(next http.HandlerFunc) http.HandlerFunc {
	return byID(h, modelKey{}, h.svc.Store.Model, next)
}

func (h *Handler) warehouseSync(next http.HandlerFunc) http.HandlerFunc {
	return byID(h, wsyncKey{}, h.svc.Store.WarehouseSync, next)
}

func sourceOf(r *http.Request) *store.Source {
	s, _ := r.Context().Value(sourceKey{}).(*store.Source)
	return s
}

func modelOf(r *http.Request) *store.Model {
	m, _ := r.Context().Value(modelKey{}).(*store.Model)
	return m
}

func warehouseSyncOf(r *http.Request) *store.WarehouseSync {
	w, _ := r.Context().Value(wsyncKey{}).(*store.WarehouseSync)
	return w
}

func warehouseSyncPath(id int64) string { return "/warehouse/syncs/" + strconv.FormatInt(id, 10) }

// choice is an option of a select or a radio group.
type choice struct{ Value, Label string }

func init() {
	maps.Copy(funcs, template.FuncMap{
		"engineName": func(engine string) string {
			for _, c := range sourceKinds {
				if c.Value == engine {
					return c.Label
				}
			}
			return engine
		},
		"engines":  func() []choice { return sourceKinds },
		"add1":     func(i int) int { return i + 1 },
		"typeWord": func(t mapping.Type) string { return typeWords[t] },
		"hasColumn": func(cols []source.Column, name string) bool {
			return slices.ContainsFunc(cols, func(c source.Column) bool { return c.Name == name })
		},
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"outcomes": outcomesOf,
		// scheduleWords says a schedule as the API writes it (manual, 1h, cron:EXPR) in words.
		"scheduleWords": func(s string) string {
			spec, err := schedule.Parse(s)
			if err != nil {
				return s
			}
			return spec.Describe()
		},
		"planState": func(state string) string {
			if w, ok := planStates[state]; ok {
				return w
			}
			return state
		},
		// responseText shows a rejected row's recorded response, "422 {…}", with its body indented.
		"responseText": func(resp string) string {
			status, body, ok := strings.Cut(resp, " ")
			if !ok {
				return resp
			}
			return status + "\n" + prettyBody(body)
		},
		"csvDelimiters": func() []choice { return csvDelimiters },
		"csvEncodings":  func() []choice { return csvEncodings },
	})
}

var (
	sourceKinds = []choice{{"postgres", "PostgreSQL"}, {"mysql", "MySQL or MariaDB"}, {"sqlite", "SQLite file"}, {"csv", "CSV file"},
		{"url", "A URL (advanced)"}}
	csvDelimiters = []choice{{"", "Detect it"}, {",", "Comma ,"}, {";", "Semicolon ;"}, {"tab", "Tab"}, {"|", "Pipe |"}}
	csvEncodings  = []choice{{"", "Detect it (UTF-8, UTF-16 or Windows-1252)"}, {"utf-8", "UTF-8"}, {"utf-16", "UTF-16"}, {"windows-1252", "Windows-1252"},
		{"latin1", "Latin-1"}}
)

// outcomes are what a warehouse run did with the rows it read: added, changed and removed in the
// store, rejected (invalid in the plan, or refused by the store).
type outcomes struct {
	Read, Added, Changed, Removed, Rejected int64
}

func outcomesOf(r *store.Run) outcomes {
	var o outcomes
	for _, c := range r.Streams {
		switch c.Stream {
		case "plan":
			o.Read = c.Read
		case "add":
			o.Added = c.Sent
		case "change":
			o.Changed = c.Sent
		case "remove":
			o.Removed = c.Sent
		}
		o.Rejected += c.Rejected
	}
	return o
}

// planStates say where a plan is.
var planStates = map[string]string{"planned": "a dry run", "blocked": "waits for approval", "approved": "approved, queued",
	"discarded": "discarded", "running": "being carried out", "done": "carried out"}
