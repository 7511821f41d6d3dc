package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
)

// modelForm is the new-model form: a source and a query or a table, and the primary-key column.
type modelForm struct {
	Name       string
	SourceID   int64
	Query      string
	Table      string
	PrimaryKey string
}

func (f modelForm) input() warehouse.ModelInput {
	return warehouse.ModelInput{Name: f.Name, SourceID: f.SourceID, Query: f.Query, Table: f.Table, PrimaryKey: f.PrimaryKey}
}

type modelNewView struct {
	Form    modelForm
	Sources []*store.Source
	Preview *previewView
	Problem *resource.Problem
	// Field is the form field the problem stands beside.
	Field string
}

// modelNew is the new-model form; ?source= chooses the source.
func (h *Handler) modelNew(w http.ResponseWriter, r *http.Request) {
	f := modelForm{}
	f.SourceID, _ = strconv.ParseInt(r.URL.Query().Get("source"), 10, 64)
	h.showModelNew(w, r, http.StatusOK, modelNewView{Form: f})
}

func (h *Handler) showModelNew(w http.ResponseWriter, r *http.Request, status int, v modelNewView) {
	srcs, err := h.svc.Store.Sources(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Sources = srcs
	if v.Form.SourceID == 0 && len(srcs) == 1 {
		v.Form.SourceID = srcs[0].ID
	}
	if v.Problem != nil {
		v.Field = modelProblemField(v.Problem)
	}
	h.render(w, r, status, "model_new", page{Title: "New model", Section: sectionModels, Data: v})
}

// modelCreate previews the query being written (its first rows; with "check", its keys over the
// whole model) or saves the model, which runs the query once to read its columns.
func (h *Handler) modelCreate(w http.ResponseWriter, r *http.Request) {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := modelForm{Name: v("name"), Query: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("query"), "\r\n", "\n")), Table: v("table"),
		PrimaryKey: v("primary_key")}
	f.SourceID, _ = strconv.ParseInt(v("source"), 10, 64)
	view := modelNewView{Form: f}
	if err := resource.CheckLengths(resource.Text{Field: "name", Value: f.Name}, resource.Text{Field: "query", Value: f.Query},
		resource.Text{Field: "table", Value: f.Table}, resource.Text{Field: "primary_key", Value: f.PrimaryKey}); err != nil {
		view.Problem = resource.ProblemOf(err)
		view.Form.Name, view.Form.Query, view.Form.Table, view.Form.PrimaryKey = clip("name", f.Name), clip("query", f.Query), clip("table", f.Table), clip("primary_key", f.PrimaryKey)
		h.showModelNew(w, r, view.Problem.Status, view)
		return
	}
	action := r.PostFormValue("action")
	if action == "preview" || action == "check" {
		p, err := h.svc.Warehouse.PreviewDraft(r.Context(), f.input(), previewRows, action == "check")
		if err != nil {
			view.Problem = h.problem(err, "previewing a model failed")
			h.showModelNew(w, r, view.Problem.Status, view)
			return
		}
		view.Preview = newPreviewView(p, f.PrimaryKey)
		h.showModelNew(w, r, http.StatusOK, view)
		return
	}
	m, err := h.svc.Warehouse.AddModel(r.Context(), f.input())
	if err != nil {
		view.Problem = h.problem(err, "adding a model failed")
		h.showModelNew(w, r, view.Problem.Status, view)
		return
	}
	h.redirectWith(w, r, fmt.Sprintf("/warehouse/models/%d", m.ID), "ok", fmt.Sprintf("Saved the model %s. Sync it into a store next.", m.Name))
}

// problem is what to tell the user of err; an internal error is logged once, here.
func (h *Handler) problem(err error, what string) *resource.Problem {
	p := resource.ProblemOf(err)
	if p.Status >= 500 && !strings.HasPrefix(p.Code, "source_") {
		h.log.Error(what, slog.Any("error", err))
	}
	return p
}
