package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// sourceRow is a source as the list shows it, with the models that read it.
type sourceRow struct {
	resource.Source
	Models []*store.Model
}

// sourcesView is the sources page: the list and the add form (kept when shown again with a problem
// or a failed test).
type sourcesView struct {
	Sources []sourceRow
	Form    sourceForm
	// Failed is the test that kept the source from being saved.
	Failed *warehouse.SourceTest
	// Problem is a refusal of the form itself (no name, a URL no engine reads).
	Problem *resource.Problem
}

// sourceRows are the sources with the models that read each.
func (h *Handler) sourceRows(r *http.Request) ([]sourceRow, error) {
	srcs, err := h.svc.Store.Sources(r.Context())
	if err != nil {
		return nil, err
	}
	models, err := h.svc.Store.Models(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]sourceRow, len(srcs))
	for i, s := range srcs {
		out[i] = sourceRow{Source: resource.NewSource(s)}
		for _, m := range models {
			if m.SourceID == s.ID {
				out[i].Models = append(out[i].Models, m)
			}
		}
	}
	return out, nil
}

func (h *Handler) sourceList(w http.ResponseWriter, r *http.Request) {
	h.showSources(w, r, http.StatusOK, sourcesView{Form: sourceForm{Engine: "postgres"}})
}

func (h *Handler) showSources(w http.ResponseWriter, r *http.Request, status int, v sourcesView) {
	rows, err := h.sourceRows(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Sources = rows
	h.render(w, r, status, "sources", page{Title: "Sources", Section: sectionSources, Data: v})
}

// partWords say what a failed test points at, in the test result's headline.
var partWords = map[string]string{
	string(source.PartURL): "the address", string(source.PartHost): "the host or its port", string(source.PartAuth): "the user or its password",
	string(source.PartDatabase): "the database", string(source.PartPermission): "the user's permissions", string(source.PartFile): "the file",
	string(source.PartFormat): "the file's format", string(source.PartQuery): "the query", string(source.PartReadOnly): "a write",
	string(source.PartTimeout): "the time it took",
}

// Invalid are the form's fields to mark: the problem's, or those the failed test points at.
func (v sourcesView) Invalid() map[string]bool {
	out := map[string]bool{}
	switch {
	case v.Problem != nil && v.Problem.Field != "":
		out[v.Problem.Field] = true
	case v.Failed != nil:
		for _, f := range v.Form.fieldsOf(v.Failed.Part) {
			out[f] = true
		}
	}
	return out
}

// Headline says what the failed test found wrong, before its message.
func (v sourcesView) Headline() string {
	if v.Failed == nil {
		return ""
	}
	if w, ok := partWords[v.Failed.Part]; ok {
		return "bcsync could not read this source: check " + w + "."
	}
	return "bcsync could not read this source."
}
