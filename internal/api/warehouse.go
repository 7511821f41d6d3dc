package api

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

func (h *Handler) listSources(w http.ResponseWriter, r *http.Request) error {
	srcs, err := h.svc.Store.Sources(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.Source, len(srcs))
	for i, s := range srcs {
		out[i] = resource.NewSource(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
	return nil
}

// createSource saves a source (its URL checked, sealed at rest; it is not connected to: test it).
func (h *Handler) createSource(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: "name", Value: b.Name}, resource.Text{Field: "url", Value: b.URL}); err != nil {
		return err
	}
	src, err := h.svc.Warehouse.AddSource(r.Context(), b.Name, b.URL)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/warehouse/sources/"+itoa(src.ID))
	writeJSON(w, http.StatusCreated, resource.NewSource(src))
	return nil
}

func (h *Handler) getSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	src, err := h.svc.Store.Source(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewSource(src))
	return nil
}

// testSource connects to a source: 200 with {"ok", "part", "message"} either way (a failing source is
// an answer, not an error of the API).
func (h *Handler) testSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := h.svc.Warehouse.TestSource(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": res.OK, "part": res.Part, "message": res.Message})
	return nil
}

func (h *Handler) deleteSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Warehouse.RemoveSource(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listModels(w http.ResponseWriter, r *http.Request) error {
	ms, err := h.svc.Store.Models(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.Model, len(ms))
	for i, m := range ms {
		out[i] = resource.NewModel(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": out})
	return nil
}

// createModel saves a model after running its query once to read its columns.
func (h *Handler) createModel(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name       string `json:"name"`
		SourceID   int64  `json:"source_id"`
		Query      string `json:"query"`
		Table      string `json:"table"`
		PrimaryKey string `json:"primary_key"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: "name", Value: b.Name}, resource.Text{Field: "query", Value: b.Query},
		resource.Text{Field: "table", Value: b.Table}, resource.Text{Field: "primary_key", Value: b.PrimaryKey}); err != nil {
		return err
	}
	m, err := h.svc.Warehouse.AddModel(r.Context(), warehouse.ModelInput{Name: b.Name, SourceID: b.SourceID, Query: b.Query, Table: b.Table, PrimaryKey: b.PrimaryKey})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/warehouse/models/"+itoa(m.ID))
	writeJSON(w, http.StatusCreated, resource.NewModel(m))
	return nil
}

func (h *Handler) getModel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.svc.Store.Model(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewModel(m))
	return nil
}

func (h *Handler) deleteModel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Warehouse.RemoveModel(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// previewModel reads a model's first ?rows= (≤ 500, default 50) rows; ?check=1 reads it whole and
// counts the rows whose primary key is NULL or duplicated.
func (h *Handler) previewModel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := queryInt(r, "rows", 50)
	if err != nil {
		return err
	}
	if n < 1 || n > 500 {
		return badParam("rows", "between 1 and 500")
	}
	p, err := h.svc.Warehouse.PreviewModel(r.Context(), id, int(n), r.URL.Query().Get("check") == "1" || r.URL.Query().Get("check") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.NewPreview(p))
	return nil
}

func (h *Handler) listWarehouseSyncs(w http.ResponseWriter, r *http.Request) error {
	ws, err := h.svc.Store.WarehouseSyncs(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.WarehouseSync, len(ws))
	for i, s := range ws {
		if out[i], err = h.svc.DescribeWarehouseSync(r.Context(), s); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"syncs": out})
	return nil
}

// warehouseSyncBody is POST /warehouse/syncs' body.
type warehouseSyncBody struct {
	Name             string            `json:"name"`
	StoreID          int64             `json:"store_id"`
	ModelID          int64             `json:"model_id"`
	Object           string            `json:"object"`
	Mode             string            `json:"mode"`
	Match            mapping.Match     `json:"match"`
	Mappings         []mapping.Mapping `json:"mappings"`
	Delete           string            `json:"delete"`
	Schedule         string            `json:"schedule"`
	GuardRemoveShare float64           `json:"guard_remove_share"`
	GuardCountShare  float64           `json:"guard_count_share"`
	CreateAttributes bool              `json:"create_attributes"`
}

// createWarehouseSync checks a sync against its model and store, and saves it.
func (h *Handler) createWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	var b warehouseSyncBody
	if err := decode(r, &b); err != nil {
		return err
	}
	texts := []resource.Text{{Field: "name", Value: b.Name}, {Field: "column", Value: b.Match.Column}, {Field: "schedule", Value: b.Schedule}}
	for _, m := range b.Mappings {
		texts = append(texts, resource.Text{Field: "field", Value: m.Field}, resource.Text{Field: "column", Value: m.Column},
			resource.Text{Field: "template", Value: m.Template})
		if m.Constant != nil {
			texts = append(texts, resource.Text{Field: "constant", Value: *m.Constant})
		}
	}
	if err := resource.CheckLengths(texts...); err != nil {
		return err
	}
	spec, err := schedule.Parse(b.Schedule)
	if err != nil {
		return badParam("schedule", err.Error())
	}
	ws, err := h.svc.Warehouse.AddSync(r.Context(), warehouse.SyncInput{Name: b.Name, StoreID: b.StoreID, ModelID: b.ModelID,
		Spec:   mapping.Spec{Object: mapping.Object(b.Object), Mode: mapping.Mode(b.Mode), Match: b.Match, Mappings: b.Mappings},
		Delete: b.Delete, Schedule: spec, GuardRemoveShare: b.GuardRemoveShare, GuardCountShare: b.GuardCountShare, CreateAttributes: b.CreateAttributes})
	if err != nil {
		return err
	}
	out, err := h.svc.DescribeWarehouseSync(r.Context(), ws)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/warehouse/syncs/"+itoa(ws.ID))
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// updateWarehouseSync changes a sync, checked as a new one is: the body is POST's, whole (what it
// leaves out takes its default); store_id, model_id and object, when given, must be the sync's own.
func (h *Handler) updateWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b warehouseSyncBody
	if err := decode(r, &b); err != nil {
		return err
	}
	spec, err := schedule.Parse(b.Schedule)
	if err != nil {
		return badParam("schedule", err.Error())
	}
	ws, err := h.svc.Warehouse.UpdateSync(r.Context(), id, warehouse.SyncInput{Name: b.Name, StoreID: b.StoreID, ModelID: b.ModelID,
		Spec:   mapping.Spec{Object: mapping.Object(b.Object), Mode: mapping.Mode(b.Mode), Match: b.Match, Mappings: b.Mappings},
		Delete: b.Delete, Schedule: spec, GuardRemoveShare: b.GuardRemoveShare, GuardCountShare: b.GuardCountShare, CreateAttributes: b.CreateAttributes})
	if err != nil {
		return err
	}
	out, err := h.svc.DescribeWarehouseSync(r.Context(), ws)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ws, err := h.svc.Store.WarehouseSync(r.Context(), id)
	if err != nil {
		return err
	}
	out, err := h.svc.DescribeWarehouseSync(r.Context(), ws)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) deleteWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveWarehouseSync(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// planWarehouseSync computes a plan without writing anything to the store.
func (h *Handler) planWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.svc.Warehouse.PlanSync(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// latestPlan is the sync's latest plan and its state.
func (h *Handler) latestPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	p, state, err := h.svc.Warehouse.LatestPlan(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource.PlanState{State: state, Plan: p})
	return nil
}

// runWarehouseSync queues a run: 202, or 409 when one is queued or running. ?full=1 sends every row
// again and removes nothing.
func (h *Handler) runWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	full := r.URL.Query().Get("full") == "1" || r.URL.Query().Get("full") == "true"
	if err := h.svc.RunWarehouse(r.Context(), id, full); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true, "runs": "/api/v1/warehouse/syncs/" + itoa(id) + "/runs"})
	return nil
}

// approveWarehouseSync approves the plan the guard stopped and queues the run that carries out exactly
// it; 409 when no plan waits.
func (h *Handler) approveWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	if err := h.svc.ApproveWarehouse(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"approved": true, "queued": true})
	return nil
}

func (h *Handler) discardWarehouseSync(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	if err := h.svc.Warehouse.Discard(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"discarded": true})
	return nil
}

// testWarehouseRow sends one row, {"key": "…"}, and answers what became of it with its calls.
func (h *Handler) testWarehouseRow(w http.ResponseWriter, r *http.Request) error {
	id, err := h.syncOf(r)
	if err != nil {
		return err
	}
	var b struct {
		Key string `json:"key"`
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: "key", Value: b.Key}); err != nil {
		return err
	}
	res, err := h.svc.TestWarehouseRow(r.Context(), id, b.Key)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// listWarehouseFields lists the fields a warehouse sync can write: ?object=customers|orders, and
// ?store=ID to list that store's attributes and form fields too.
func (h *Handler) listWarehouseFields(w http.ResponseWriter, r *http.Request) error {
	storeID, err := queryInt(r, "store", 0)
	if err != nil {
		return err
	}
	fields, err := h.svc.Warehouse.Fields(r.Context(), r.URL.Query().Get("object"), storeID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": fields})
	return nil
}
